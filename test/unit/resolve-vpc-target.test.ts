import { describe, expect, it } from 'vitest';
import { createBatchScope } from '../../src/app/batch-scope.js';
import type { VpcTargets } from '../../src/app/ports.js';
import { resolveVpcTarget } from '../../src/app/resolve-vpc-target.js';
import { RejectedError, TransientError } from '../../src/domain/errors.js';
import type { ResolvedTarget, VpcSecurityGroup } from '../../src/domain/vpc.js';

const managed = { 'redshift-ingress:managed': 'true' };

/** Fake reads that count every call. */
function fakeTargets(
  options: {
    clusters?: Record<string, ResolvedTarget>;
    workgroups?: Record<string, ResolvedTarget>;
    groups?: Record<string, VpcSecurityGroup['tags']>;
  } = {},
) {
  const calls: string[] = [];
  const ports: VpcTargets = {
    async describeCluster(id) {
      calls.push(`describeCluster ${id}`);
      const found = options.clusters?.[id];
      if (found === undefined) throw new RejectedError('ClusterNotFound', `cluster "${id}" does not exist`);
      return found;
    },
    async getWorkgroup(name) {
      calls.push(`getWorkgroup ${name}`);
      const found = options.workgroups?.[name];
      if (found === undefined) throw new RejectedError('ResourceNotFoundException', `no workgroup ${name}`);
      return found;
    },
    async describeGroups(ids) {
      calls.push(`describeGroups ${ids.join(',')}`);
      return ids.map((id) => ({ securityGroupId: id, tags: options.groups?.[id] ?? {} }));
    },
  };
  return { ports, calls };
}

async function rejectionOf(promise: Promise<unknown>): Promise<RejectedError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof RejectedError) return error;
    throw error;
  }
  throw new Error('expected a RejectedError');
}

describe('resolveVpcTarget', () => {
  it('resolves a bare security group to itself on port 5439 without a read', async () => {
    // Prepare
    const { ports, calls } = fakeTargets();

    // Act
    const resolved = await resolveVpcTarget({ securityGroupId: 'sg-0aaa1111' }, ports);

    // Assess
    expect(resolved).toEqual({ securityGroupId: 'sg-0aaa1111', port: 5439 });
    expect(calls).toEqual([]);
  });

  it("takes a cluster's only group and its endpoint port, without describing groups", async () => {
    // Prepare
    const { ports, calls } = fakeTargets({
      clusters: { analytics: { securityGroupIds: ['sg-0aaa1111'], port: 5440 } },
    });

    // Act
    const resolved = await resolveVpcTarget({ clusterIdentifier: 'analytics' }, ports);

    // Assess
    expect(resolved).toEqual({ securityGroupId: 'sg-0aaa1111', port: 5440 });
    expect(calls).toEqual(['describeCluster analytics']);
  });

  it("takes a workgroup's one managed group among several, reading the tags once", async () => {
    // Prepare
    const { ports, calls } = fakeTargets({
      workgroups: { reports: { securityGroupIds: ['sg-0aaa1111', 'sg-0bbb2222'], port: 5439 } },
      groups: { 'sg-0bbb2222': managed },
    });

    // Act
    const resolved = await resolveVpcTarget({ workgroupName: 'reports' }, ports);

    // Assess
    expect(resolved).toEqual({ securityGroupId: 'sg-0bbb2222', port: 5439 });
    expect(calls).toEqual(['getWorkgroup reports', 'describeGroups sg-0aaa1111,sg-0bbb2222']);
  });

  it('refuses several groups none of which is managed, listing them and how to choose', async () => {
    // Prepare
    const { ports } = fakeTargets({
      clusters: { analytics: { securityGroupIds: ['sg-0aaa1111', 'sg-0bbb2222'], port: 5439 } },
    });

    // Act
    const error = await rejectionOf(resolveVpcTarget({ clusterIdentifier: 'analytics' }, ports));

    // Assess
    expect(error.code).toBe('AmbiguousSecurityGroup');
    expect(error.message).toContain('sg-0aaa1111, sg-0bbb2222');
    expect(error.message).toContain('send securityGroupId');
  });

  it('refuses several managed groups', async () => {
    const { ports } = fakeTargets({
      clusters: { analytics: { securityGroupIds: ['sg-0aaa1111', 'sg-0bbb2222'], port: 5439 } },
      groups: { 'sg-0aaa1111': managed, 'sg-0bbb2222': managed },
    });
    const error = await rejectionOf(resolveVpcTarget({ clusterIdentifier: 'analytics' }, ports));
    expect(error.code).toBe('AmbiguousSecurityGroup');
  });

  it("takes the request's pick among several groups without describing them", async () => {
    // Prepare
    const { ports, calls } = fakeTargets({
      clusters: { analytics: { securityGroupIds: ['sg-0aaa1111', 'sg-0bbb2222'], port: 5439 } },
    });

    // Act
    const resolved = await resolveVpcTarget(
      { clusterIdentifier: 'analytics', securityGroupId: 'sg-0aaa1111' },
      ports,
    );

    // Assess
    expect(resolved).toEqual({ securityGroupId: 'sg-0aaa1111', port: 5439 });
    expect(calls).toEqual(['describeCluster analytics']);
  });

  it("refuses a pick that is not one of the target's groups", async () => {
    const { ports } = fakeTargets({
      workgroups: { reports: { securityGroupIds: ['sg-0aaa1111'], port: 5439 } },
    });
    const error = await rejectionOf(
      resolveVpcTarget({ workgroupName: 'reports', securityGroupId: 'sg-0ccc3333' }, ports),
    );
    expect(error.code).toBe('SecurityGroupNotOfTarget');
    expect(error.message).toContain('workgroup "reports"');
  });

  it('refuses a target with no group', async () => {
    const { ports } = fakeTargets({ clusters: { analytics: { securityGroupIds: [], port: 5439 } } });
    const error = await rejectionOf(resolveVpcTarget({ clusterIdentifier: 'analytics' }, ports));
    expect(error.code).toBe('NoSecurityGroup');
  });

  it('reads each cluster and each set of groups once per batch, and again in the next batch', async () => {
    // Prepare
    const { ports, calls } = fakeTargets({
      clusters: { analytics: { securityGroupIds: ['sg-0aaa1111', 'sg-0bbb2222'], port: 5439 } },
      workgroups: { reports: { securityGroupIds: ['sg-0bbb2222', 'sg-0aaa1111'], port: 5439 } },
      groups: { 'sg-0aaa1111': managed },
    });
    const batch = createBatchScope();

    // Act
    const resolved = await Promise.all([
      resolveVpcTarget({ clusterIdentifier: 'analytics' }, ports, batch),
      resolveVpcTarget({ clusterIdentifier: 'analytics' }, ports, batch),
      resolveVpcTarget({ clusterIdentifier: 'analytics', securityGroupId: 'sg-0bbb2222' }, ports, batch),
      resolveVpcTarget({ workgroupName: 'reports' }, ports, batch),
    ]);
    await resolveVpcTarget({ clusterIdentifier: 'analytics' }, ports, createBatchScope());

    // Assess
    expect(resolved.map((target) => target.securityGroupId)).toEqual([
      'sg-0aaa1111',
      'sg-0aaa1111',
      'sg-0bbb2222',
      'sg-0aaa1111',
    ]);
    expect(calls).toEqual([
      'describeCluster analytics',
      'getWorkgroup reports',
      'describeGroups sg-0aaa1111,sg-0bbb2222',
      'describeCluster analytics',
      'describeGroups sg-0aaa1111,sg-0bbb2222',
    ]);
  });

  it('shares a failed read within the batch: the requests of a missing cluster are refused alike', async () => {
    // Prepare
    const { ports, calls } = fakeTargets();
    const batch = createBatchScope();

    // Act
    const errors = await Promise.all([
      rejectionOf(resolveVpcTarget({ clusterIdentifier: 'gone' }, ports, batch)),
      rejectionOf(resolveVpcTarget({ clusterIdentifier: 'gone' }, ports, batch)),
    ]);

    // Assess
    expect(errors.map((error) => error.code)).toEqual(['ClusterNotFound', 'ClusterNotFound']);
    expect(calls).toEqual(['describeCluster gone']);
  });

  it('passes a transient read error on', async () => {
    const ports: VpcTargets = {
      describeCluster: () => Promise.reject(new TransientError('Throttling', 'slow down')),
      getWorkgroup: () => Promise.reject(new Error('unused')),
      describeGroups: () => Promise.reject(new Error('unused')),
    };
    await expect(resolveVpcTarget({ clusterIdentifier: 'analytics' }, ports)).rejects.toBeInstanceOf(
      TransientError,
    );
  });
});
