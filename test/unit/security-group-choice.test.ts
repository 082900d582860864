import { describe, expect, it } from 'vitest';
import { RejectedError } from '../../src/domain/errors.js';
import {
  chooseSecurityGroup,
  needsSecurityGroupTags,
  type SecurityGroupQuestion,
} from '../../src/domain/security-group-choice.js';
import type { VpcSecurityGroup } from '../../src/domain/vpc.js';

const cluster = { kind: 'cluster', name: 'analytics' } as const;
const managed = { 'redshift-ingress:managed': 'true' };

function rejection(run: () => unknown): RejectedError {
  try {
    run();
  } catch (error) {
    if (error instanceof RejectedError) return error;
    throw error;
  }
  throw new Error('expected a RejectedError');
}

describe('chooseSecurityGroup', () => {
  it('takes the only group without reading tags', () => {
    // Prepare
    const question: SecurityGroupQuestion = { target: cluster, securityGroupIds: ['sg-0aaa1111'] };

    // Act / Assess
    expect(needsSecurityGroupTags(question)).toBe(false);
    expect(chooseSecurityGroup(question)).toBe('sg-0aaa1111');
  });

  it('counts a group listed twice once', () => {
    const question = { target: cluster, securityGroupIds: ['sg-0aaa1111', 'sg-0aaa1111'] };
    expect(needsSecurityGroupTags(question)).toBe(false);
    expect(chooseSecurityGroup(question)).toBe('sg-0aaa1111');
  });

  it('takes the one group tagged managed among several', () => {
    // Prepare
    const question = { target: cluster, securityGroupIds: ['sg-0aaa1111', 'sg-0bbb2222', 'sg-0ccc3333'] };
    const groups = [
      { securityGroupId: 'sg-0aaa1111', tags: { Name: 'app' } },
      { securityGroupId: 'sg-0bbb2222', tags: managed },
      { securityGroupId: 'sg-0ccc3333', tags: { 'redshift-ingress:managed': 'false' } },
    ];

    // Act / Assess
    expect(needsSecurityGroupTags(question)).toBe(true);
    expect(chooseSecurityGroup(question, groups)).toBe('sg-0bbb2222');
  });

  it('rejects several groups none of which is tagged, listing them and how to choose', () => {
    // Prepare
    const question = { target: cluster, securityGroupIds: ['sg-0aaa1111', 'sg-0bbb2222'] };
    const groups: VpcSecurityGroup[] = [
      { securityGroupId: 'sg-0aaa1111', tags: {} },
      { securityGroupId: 'sg-0bbb2222', tags: { Name: 'db' } },
    ];

    // Act
    const error = rejection(() => chooseSecurityGroup(question, groups));

    // Assess
    expect(error.code).toBe('AmbiguousSecurityGroup');
    expect(error.message).toBe(
      'cluster "analytics" has 2 security groups (sg-0aaa1111, sg-0bbb2222) and none is tagged redshift-ingress:managed=true: send securityGroupId with one of them, or tag exactly one of them redshift-ingress:managed=true',
    );
  });

  it('rejects two groups both tagged managed, naming both', () => {
    // Prepare
    const question = {
      target: { kind: 'workgroup', name: 'bi' } as const,
      securityGroupIds: ['sg-0aaa1111', 'sg-0bbb2222', 'sg-0ccc3333'],
    };
    const groups = [
      { securityGroupId: 'sg-0aaa1111', tags: managed },
      { securityGroupId: 'sg-0bbb2222', tags: managed },
      { securityGroupId: 'sg-0ccc3333', tags: {} },
    ];

    // Act
    const error = rejection(() => chooseSecurityGroup(question, groups));

    // Assess
    expect(error.code).toBe('AmbiguousSecurityGroup');
    expect(error.message).toBe(
      'workgroup "bi" has 2 security groups tagged redshift-ingress:managed=true (sg-0aaa1111, sg-0bbb2222) among sg-0aaa1111, sg-0bbb2222, sg-0ccc3333: send securityGroupId with one of them, or tag exactly one of them redshift-ingress:managed=true',
    );
  });

  it("ignores tags of groups that are not the target's", () => {
    const question = { target: cluster, securityGroupIds: ['sg-0aaa1111', 'sg-0bbb2222'] };
    const groups = [{ securityGroupId: 'sg-0fff9999', tags: managed }];
    expect(rejection(() => chooseSecurityGroup(question, groups)).code).toBe('AmbiguousSecurityGroup');
  });

  it('takes the requested group when it is one of the target’s, without reading tags', () => {
    // Prepare
    const question = {
      target: cluster,
      securityGroupIds: ['sg-0aaa1111', 'sg-0bbb2222'],
      securityGroupId: 'sg-0aaa1111',
    };

    // Act / Assess
    expect(needsSecurityGroupTags(question)).toBe(false);
    expect(chooseSecurityGroup(question)).toBe('sg-0aaa1111');
  });

  it('refuses a requested group that is not the target’s, even if it is tagged', () => {
    // Prepare
    const question = { target: cluster, securityGroupIds: ['sg-0aaa1111'], securityGroupId: 'sg-0bbb2222' };

    // Act
    const error = rejection(() =>
      chooseSecurityGroup(question, [{ securityGroupId: 'sg-0bbb2222', tags: managed }]),
    );

    // Assess
    expect(error.code).toBe('SecurityGroupNotOfTarget');
    expect(error.message).toBe(
      'securityGroupId: "sg-0bbb2222" is not a security group of cluster "analytics" (its groups: sg-0aaa1111)',
    );
  });

  it('rejects a target without security groups', () => {
    const error = rejection(() => chooseSecurityGroup({ target: cluster, securityGroupIds: [] }));
    expect(error.code).toBe('NoSecurityGroup');
    expect(error.message).toMatch(/cluster "analytics" has no VPC security group/);
  });

  it('says it is misused when tags are needed but not given', () => {
    expect(() =>
      chooseSecurityGroup({ target: cluster, securityGroupIds: ['sg-0aaa1111', 'sg-0bbb2222'] }),
    ).toThrow(TypeError);
  });
});
