import { describe, expect, it, vi } from 'vitest';
import type { Ec2Ingress } from '../../src/adapters/ec2.js';
import type { RedshiftClusters } from '../../src/adapters/redshift.js';
import type { RedshiftServerlessWorkgroups } from '../../src/adapters/redshift-serverless.js';
import type { VpcAdapters } from '../../src/adapters/vpc-adapters.js';
import { loadVpcPortsOnFirstUse } from '../../src/adapters/vpc-on-first-use.js';
import { createBatchScope } from '../../src/app/batch-scope.js';
import type { SecurityGroupRules, VpcTargets } from '../../src/app/ports.js';
import { makeVpcBackend } from '../../src/app/vpc-backend.js';
import { RejectedError, TransientError } from '../../src/domain/errors.js';
import type { VpcPermission } from '../../src/domain/vpc.js';

function fakePorts() {
  const calls: string[] = [];
  const targets: VpcTargets = {
    describeCluster: async (id) => {
      calls.push(`describeCluster ${id}`);
      return { securityGroupIds: ['sg-0aaa1111'], port: 5440 };
    },
    getWorkgroup: async (name) => {
      calls.push(`getWorkgroup ${name}`);
      return { securityGroupIds: ['sg-0bbb2222'], port: 5431 };
    },
    describeGroups: async () => [],
  };
  const permissions: { op: string; permission: VpcPermission; requestId?: string }[] = [];
  const rules: SecurityGroupRules = {
    authorize: async (permission, requestId) => {
      permissions.push({ op: 'authorize', permission, requestId });
      return { status: 'authorized', securityGroupRuleId: 'sgr-0001' };
    },
    revoke: async (permission) => {
      permissions.push({ op: 'revoke', permission });
      return { status: 'already-revoked' };
    },
    revokeRule: async () => ({ status: 'revoked' }),
    listRules: async () => [],
  };
  return { targets, rules, calls, permissions };
}

describe('makeVpcBackend', () => {
  it('authorizes one permission on the resolved group and the endpoint port, reporting what it resolved', async () => {
    // Prepare
    const ports = fakePorts();
    const backend = makeVpcBackend(ports);

    // Act
    const applied = await backend.apply(
      {
        action: 'authorize',
        rule: { target: { clusterIdentifier: 'analytics-prod' }, source: { cidrIp: '10.0.0.0/16' } },
        requestId: 'chg-1',
      },
      createBatchScope(),
    );

    // Assess
    expect(ports.permissions).toEqual([
      {
        op: 'authorize',
        permission: { securityGroupId: 'sg-0aaa1111', port: 5440, source: { cidrIp: '10.0.0.0/16' } },
        requestId: 'chg-1',
      },
    ]);
    expect(applied).toEqual({
      status: 'authorized',
      resolved: { securityGroupId: 'sg-0aaa1111', port: 5440, securityGroupRuleId: 'sgr-0001' },
    });
  });

  it("revokes on the request's port, and reports no rule id where the provider gave none", async () => {
    const ports = fakePorts();
    const applied = await makeVpcBackend(ports).apply(
      {
        action: 'revoke',
        rule: { target: { workgroupName: 'bi-reports' }, source: { prefixListId: 'pl-0a1b' }, port: 5439 },
        requestId: 'chg-2',
      },
      createBatchScope(),
    );
    expect(ports.permissions).toEqual([
      {
        op: 'revoke',
        permission: { securityGroupId: 'sg-0bbb2222', port: 5439, source: { prefixListId: 'pl-0a1b' } },
      },
    ]);
    expect(applied).toEqual({
      status: 'already-revoked',
      resolved: { securityGroupId: 'sg-0bbb2222', port: 5439 },
    });
  });

  it('changes no rule when the target cannot be resolved', async () => {
    const ports = fakePorts();
    ports.targets.describeCluster = () =>
      Promise.reject(new RejectedError('ClusterNotFoundFault', 'no cluster'));
    const backend = makeVpcBackend(ports);
    await expect(
      backend.apply(
        {
          action: 'authorize',
          rule: { target: { clusterIdentifier: 'gone' }, source: { cidrIp: '10.0.0.0/16' } },
          requestId: 'chg-3',
        },
        createBatchScope(),
      ),
    ).rejects.toMatchObject({ code: 'ClusterNotFoundFault' });
    expect(ports.permissions).toEqual([]);
  });
});

describe('loadVpcPortsOnFirstUse', () => {
  const clusters: RedshiftClusters = {
    describeCluster: async () => ({ securityGroupIds: ['sg-0aaa1111'], port: 5439 }),
  };
  function fakeAdapters(): VpcAdapters {
    const ec2: Ec2Ingress = {
      authorize: async () => ({ status: 'authorized' }),
      revoke: async () => ({ status: 'revoked' }),
      revokeRule: async (_group, ruleId) => ({ status: 'revoked', securityGroupRuleId: ruleId }),
      listRules: async () => [],
      describeGroups: async (ids) => ids.map((id) => ({ securityGroupId: id, tags: {} })),
    };
    const workgroups: RedshiftServerlessWorkgroups = {
      getWorkgroup: async () => ({ securityGroupIds: ['sg-0bbb2222'], port: 5431 }),
    };
    return { ec2, workgroups };
  }
  const permission: VpcPermission = {
    securityGroupId: 'sg-0aaa1111',
    port: 5439,
    source: { cidrIp: '10.0.0.0/16' },
  };

  it('reads a cluster without loading the chunk, and loads it once for every EC2 and Serverless call', async () => {
    // Prepare
    const load = vi.fn(async () => fakeAdapters());
    const ports = loadVpcPortsOnFirstUse(load, clusters);

    // Act
    await ports.targets.describeCluster('analytics-prod');
    const before = load.mock.calls.length;
    const results = await Promise.all([
      ports.rules.authorize(permission, 'chg-1'),
      ports.rules.revoke(permission),
      ports.rules.revokeRule('sg-0aaa1111', 'sgr-0001'),
      ports.rules.listRules('sg-0aaa1111'),
      ports.targets.getWorkgroup('bi-reports'),
      ports.targets.describeGroups(['sg-0aaa1111']),
    ]);

    // Assess
    expect(before).toBe(0);
    expect(load).toHaveBeenCalledTimes(1);
    expect(results).toEqual([
      { status: 'authorized' },
      { status: 'revoked' },
      { status: 'revoked', securityGroupRuleId: 'sgr-0001' },
      [],
      { securityGroupIds: ['sg-0bbb2222'], port: 5431 },
      [{ securityGroupId: 'sg-0aaa1111', tags: {} }],
    ]);
  });

  it('fails the calls waiting on a failed load with a TransientError naming it, and loads again on the next', async () => {
    // Prepare
    const cause = new Error("Cannot find module './authorize.chunks/vpc-adapters-X.mjs'");
    const load = vi
      .fn<() => Promise<VpcAdapters>>()
      .mockRejectedValueOnce(cause)
      .mockResolvedValue(fakeAdapters());
    const ports = loadVpcPortsOnFirstUse(load, clusters);

    // Act
    const failed = await Promise.all([
      ports.rules.authorize(permission, 'chg-1').catch((error: unknown) => error),
      ports.targets.getWorkgroup('bi-reports').catch((error: unknown) => error),
    ]);
    const retried = await ports.rules.authorize(permission, 'chg-1');

    // Assess
    for (const error of failed) {
      expect(error).toBeInstanceOf(TransientError);
      expect(error).toMatchObject({
        code: 'VpcAdaptersUnavailable',
        message: `the EC2 and Redshift Serverless adapters could not be loaded: ${cause.message}`,
        cause,
      });
    }
    expect(retried).toEqual({ status: 'authorized' });
    expect(load).toHaveBeenCalledTimes(2);
  });
});
