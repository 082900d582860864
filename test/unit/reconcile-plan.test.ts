import { describe, expect, it } from 'vitest';
import type { DesiredState } from '../../src/domain/desired-state.js';
import { hasDrift, planReconciliation, reconcileRequestId } from '../../src/domain/reconcile-plan.js';

const desired = (groups: DesiredState['groups']): DesiredState => ({ groups });
const cidrs = (...values: string[]) => values.map((cidrIp) => ({ cidrIp }));

describe('planReconciliation', () => {
  it('finds missing and extra rules, comparing CIDRs as networks', () => {
    // Act
    const [plan] = planReconciliation(
      desired([
        {
          name: 'analytics-prod',
          prune: false,
          targets: cidrs('203.0.113.0/24', '198.51.100.7/32', '192.0.2.0/24'),
        },
      ]),
      [{ name: 'analytics-prod', targets: [...cidrs('198.51.100.7', '203.0.113.5/24', '10.9.0.0/16')] }],
      { maxPrunePerRun: 5 },
    );

    // Assess
    expect(plan).toEqual({
      clusterSecurityGroupName: 'analytics-prod',
      exists: true,
      prune: false,
      missing: cidrs('192.0.2.0/24'),
      extra: cidrs('10.9.0.0/16'),
      toAuthorize: cidrs('192.0.2.0/24'),
      toRevoke: [],
      notes: [],
    });
  });

  it('compares EC2 security groups by owner and name', () => {
    const bi = { ec2SecurityGroupName: 'bi-tools', ec2SecurityGroupOwnerId: '111122223333' };
    const other = { ec2SecurityGroupName: 'bi-tools', ec2SecurityGroupOwnerId: '444455556666' };
    const [plan] = planReconciliation(
      desired([{ name: 'a', prune: true, targets: [bi] }]),
      [{ name: 'a', targets: [bi, other] }],
      { maxPrunePerRun: 5 },
    );
    expect(plan?.missing).toEqual([]);
    expect(plan?.toRevoke).toEqual([other]);
  });

  it('reports a group that does not exist, and plans nothing for it', () => {
    const [plan] = planReconciliation(
      desired([{ name: 'ghost', prune: true, targets: cidrs('10.0.0.0/16') }]),
      [],
      {
        maxPrunePerRun: 5,
      },
    );
    expect(plan).toMatchObject({
      exists: false,
      missing: cidrs('10.0.0.0/16'),
      toAuthorize: [],
      toRevoke: [],
    });
    expect(plan?.notes).toEqual([
      'cluster security group "ghost" does not exist: nothing is enqueued for it',
    ]);
  });

  it('prunes extras only where prune is true, within MAX_PRUNE_PER_RUN over the whole run', () => {
    // Prepare: 2 extras in a, 3 in b, 2 in c, with a budget of 4.
    const state = desired([
      { name: 'a', prune: true, targets: [] },
      { name: 'b', prune: true, targets: [] },
      { name: 'c', prune: true, targets: [] },
      { name: 'd', prune: false, targets: [] },
    ]);
    const current = [
      { name: 'a', targets: cidrs('10.1.0.0/16', '10.2.0.0/16') },
      { name: 'b', targets: cidrs('10.3.0.0/16', '10.4.0.0/16', '10.5.0.0/16') },
      { name: 'c', targets: cidrs('10.6.0.0/16', '10.7.0.0/16') },
      { name: 'd', targets: cidrs('10.8.0.0/16') },
    ];

    // Act
    const plans = planReconciliation(state, current, { maxPrunePerRun: 4 });

    // Assess: b would exceed the 2 left, so nothing of b is pruned; c still fits.
    expect(plans.map((plan) => plan.toRevoke.length)).toEqual([2, 0, 2, 0]);
    expect(plans[1]?.notes).toEqual([
      'prune skipped: 3 extra rules exceed the 2 revokes left of MAX_PRUNE_PER_RUN (4) in this run; nothing is pruned for this group',
    ]);
    expect(plans[3]?.extra).toEqual(cidrs('10.8.0.0/16'));
  });

  it('matches group names without regard to case, as Redshift does', () => {
    const [plan] = planReconciliation(
      desired([{ name: 'Analytics', prune: false, targets: [] }]),
      [{ name: 'analytics', targets: [] }],
      {
        maxPrunePerRun: 5,
      },
    );
    expect(plan?.exists).toBe(true);
  });

  it('tells drift from none', () => {
    const state = desired([{ name: 'a', prune: false, targets: cidrs('10.0.0.0/16') }]);
    expect(
      hasDrift(
        planReconciliation(state, [{ name: 'a', targets: cidrs('10.0.0.0/16') }], { maxPrunePerRun: 5 }),
      ),
    ).toBe(false);
    expect(hasDrift(planReconciliation(state, [{ name: 'a', targets: [] }], { maxPrunePerRun: 5 }))).toBe(
      true,
    );
    expect(hasDrift(planReconciliation(state, [], { maxPrunePerRun: 5 }))).toBe(true);
  });
});

describe('reconcileRequestId', () => {
  it('is the same for the same change in every run, and differs per action and target', () => {
    const id = reconcileRequestId('analytics-prod', 'authorize', { cidrIp: '203.0.113.0/24' });
    expect(id).toMatch(/^reconcile-authorize-[0-9a-f]{16}$/);
    expect(reconcileRequestId('Analytics-Prod', 'authorize', { cidrIp: '203.0.113.0/24' })).toBe(id);
    expect(reconcileRequestId('analytics-prod', 'revoke', { cidrIp: '203.0.113.0/24' })).toBe(
      id.replace('authorize', 'revoke'),
    );
    expect(reconcileRequestId('analytics-prod', 'authorize', { cidrIp: '203.0.114.0/24' })).not.toBe(id);
  });
});
