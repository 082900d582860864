import { describe, expect, it } from 'vitest';
import type { DesiredVpcTarget } from '../../src/domain/desired-state.js';
import {
  budgetRules,
  planVpcTarget,
  requestV2Body,
  vpcReconcileRequest,
} from '../../src/domain/reconcile-plan-v2.js';
import { validateRequestV2 } from '../../src/domain/request-v2.js';
import type { VpcRule, VpcSource } from '../../src/domain/vpc.js';

const GROUP = 'sg-0a1b2c3d';
let nextId = 0;
const rule = (source: VpcSource, overrides: Partial<VpcRule> = {}): VpcRule => ({
  securityGroupRuleId: `sgr-${(nextId++).toString(16).padStart(8, '0')}`,
  securityGroupId: GROUP,
  protocol: 'tcp',
  fromPort: 5439,
  toPort: 5439,
  source,
  tags: {},
  ...overrides,
});
const managed = { 'redshift-ingress:managed': 'true' };

const entry = (sources: VpcSource[], overrides: Partial<DesiredVpcTarget> = {}): DesiredVpcTarget => ({
  section: 'clusters',
  name: 'analytics-prod',
  target: { clusterIdentifier: 'analytics-prod' },
  prune: false,
  sources,
  ...overrides,
});

const plan = (desired: DesiredVpcTarget, rules: VpcRule[], pruneLeft = 5, port = 5439) =>
  planVpcTarget({ entry: desired, port, rules, pruneLeft, maxPrunePerRun: 5 });

describe('planVpcTarget', () => {
  it('compares on protocol, port and source: a description or another spelling of a CIDR is the same rule', () => {
    // Prepare
    const rules = [
      rule({ cidrIp: '203.0.113.0/24' }, { description: 'made by hand, same rule' }),
      rule({ cidrIpv6: '2001:db8::/48' }),
      rule({ sourceSecurityGroupId: 'sg-0fedcba987654321f', sourceSecurityGroupOwnerId: '111122223333' }),
    ];

    // Act
    const result = plan(
      entry([
        { cidrIp: '203.0.113.0/24' },
        { cidrIpv6: '2001:db8::/48' },
        // The document may leave the owner out: the id alone names the group.
        { sourceSecurityGroupId: 'sg-0fedcba987654321f' },
        { prefixListId: 'pl-0a1b2c3d' },
      ]),
      rules,
    );

    // Assess
    expect(result).toEqual({ missing: [{ prefixListId: 'pl-0a1b2c3d' }], extra: [], toPrune: [], notes: [] });
  });

  it('counts a rule on another port, another protocol or a port range as missing and extra', () => {
    const onOtherPort = rule({ cidrIp: '203.0.113.0/24' }, { fromPort: 5440, toPort: 5440 });
    const allTraffic = rule({ cidrIp: '198.51.100.0/24' }, { protocol: '-1', fromPort: -1, toPort: -1 });
    const range = rule({ cidrIpv6: '2001:db8::/48' }, { fromPort: 5400, toPort: 5500 });
    const result = plan(
      entry([{ cidrIp: '203.0.113.0/24' }, { cidrIp: '198.51.100.0/24' }, { cidrIpv6: '2001:db8::/48' }]),
      [onOtherPort, allTraffic, range],
    );
    expect(result.missing).toEqual([
      { cidrIp: '203.0.113.0/24' },
      { cidrIp: '198.51.100.0/24' },
      { cidrIpv6: '2001:db8::/48' },
    ]);
    expect(result.extra).toEqual([onOtherPort, allTraffic, range]);
  });

  it('compares on the port given: the entry or the target', () => {
    const on5440 = rule({ cidrIp: '203.0.113.0/24' }, { fromPort: 5440, toPort: 5440 });
    expect(plan(entry([{ cidrIp: '203.0.113.0/24' }]), [on5440], 5, 5440)).toMatchObject({
      missing: [],
      extra: [],
    });
  });

  it('prunes only managed extras; rules a person made are reported and left alone', () => {
    // Prepare
    const managedExtra = rule({ cidrIp: '192.0.2.0/24' }, { tags: managed });
    const handMade = rule({ cidrIp: '10.0.0.0/8' }, { tags: { owner: 'alice' } });

    // Act
    const result = plan(entry([], { prune: true }), [managedExtra, handMade]);

    // Assess
    expect(result.extra).toEqual([managedExtra, handMade]);
    expect(result.toPrune).toEqual([managedExtra]);
    expect(result.notes).toEqual([]);
  });

  it('prunes nothing without prune, and nothing when the managed extras exceed what is left of the cap', () => {
    const extras = [
      rule({ cidrIp: '192.0.2.0/24' }, { tags: managed }),
      rule({ cidrIp: '192.0.3.0/24' }, { tags: managed }),
    ];
    expect(plan(entry([]), extras).toPrune).toEqual([]);
    const capped = plan(entry([], { prune: true }), extras, 1);
    expect(capped.toPrune).toEqual([]);
    expect(capped.notes).toEqual([
      'prune skipped: 2 managed extra rules exceed the 1 revokes left of MAX_PRUNE_PER_RUN (5) in this run; nothing is pruned for this target',
    ]);
    expect(plan(entry([], { prune: true }), extras, 2).toPrune).toEqual(extras);
  });

  it('compares IPv6 networks in canonical form', () => {
    const result = plan(entry([{ cidrIpv6: '2001:db8::1/128' }]), [rule({ cidrIpv6: '2001:db8::1/128' })]);
    expect(result.missing).toEqual([]);
  });
});

describe('budgetRules', () => {
  const v4 = (count: number, from = 0) =>
    Array.from({ length: count }, (_, i) => rule({ cidrIp: `10.${from}.${i}.0/24` }));
  const v6 = (count: number) =>
    Array.from({ length: count }, (_, i) => rule({ cidrIpv6: `2001:db8:${(i + 1).toString(16)}::/48` }));

  it('authorizes what fits', () => {
    const result = budgetRules(
      v4(58),
      new Set(),
      [{ cidrIp: '203.0.113.0/24' }, { cidrIp: '198.51.100.0/24' }],
      60,
    );
    expect(result).toEqual({
      toAuthorize: [{ cidrIp: '203.0.113.0/24' }, { cidrIp: '198.51.100.0/24' }],
      overLimit: [],
      notes: [],
    });
  });

  it('authorizes none of a family that does not fit, and still the other family', () => {
    // Prepare: 59 IPv4 rules kept; 2 IPv4 sources and 1 IPv6 source missing.
    const missing: VpcSource[] = [
      { cidrIp: '203.0.113.0/24' },
      { cidrIp: '198.51.100.0/24' },
      { cidrIpv6: '2001:db8::/48' },
    ];

    // Act
    const result = budgetRules(v4(59), new Set(), missing, 60);

    // Assess
    expect(result.toAuthorize).toEqual([{ cidrIpv6: '2001:db8::/48' }]);
    expect(result.overLimit).toEqual([{ cidrIp: '203.0.113.0/24' }, { cidrIp: '198.51.100.0/24' }]);
    expect(result.notes).toEqual([
      'over the rule limit: the group would hold 61 IPv4 inbound rules (59 kept, 2 missing), more than 60; none of the missing IPv4 rules is authorized: revoke rules, use a managed prefix list, or split the sources across groups',
    ]);
  });

  it('counts IPv4 and IPv6 apart, and a group or a prefix list in both', () => {
    // 60 IPv6 rules leave no room for a prefix list, which counts as IPv6 too; IPv4 CIDRs still fit.
    const result = budgetRules(
      v6(60),
      new Set(),
      [{ prefixListId: 'pl-0a' }, { cidrIp: '203.0.113.0/24' }],
      60,
    );
    expect(result.toAuthorize).toEqual([{ cidrIp: '203.0.113.0/24' }]);
    expect(result.overLimit).toEqual([{ prefixListId: 'pl-0a' }]);
    const kept = [rule({ sourceSecurityGroupId: 'sg-0fedcba987654321f' }), ...v4(59, 1)];
    expect(budgetRules(kept, new Set(), [{ cidrIp: '203.0.113.0/24' }], 60).overLimit).toEqual([
      { cidrIp: '203.0.113.0/24' },
    ]);
  });

  it('counts the rules pruned before the authorizes as free', () => {
    const rules = v4(60);
    const removed = new Set([rules[0]?.securityGroupRuleId as string]);
    expect(budgetRules(rules, removed, [{ cidrIp: '203.0.113.0/24' }], 60).toAuthorize).toEqual([
      { cidrIp: '203.0.113.0/24' },
    ]);
  });
});

describe('vpcReconcileRequest', () => {
  it('makes a valid request v2 on the resolved group, with a request id stable across runs', () => {
    // Act
    const request = vpcReconcileRequest(entry([]), 'authorize', { cidrIpv6: '2001:db8::/48' }, GROUP);
    const again = vpcReconcileRequest(entry([]), 'authorize', { cidrIpv6: '2001:db8::/48' }, GROUP);
    const body = requestV2Body(request);

    // Assess
    expect(again.requestId).toBe(request.requestId);
    expect(request.requestId).toMatch(/^reconcile-authorize-[0-9a-f]{16}$/);
    expect(vpcReconcileRequest(entry([]), 'revoke', { cidrIpv6: '2001:db8::/48' }, GROUP).requestId).not.toBe(
      request.requestId,
    );
    expect(body).toEqual({
      version: 2,
      requestId: request.requestId,
      action: 'authorize',
      clusterIdentifier: 'analytics-prod',
      securityGroupId: GROUP,
      cidrIpv6: '2001:db8::/48',
      requestedBy: 'reconciler',
      reason: 'in the desired state but missing',
    });
    expect(validateRequestV2(body).ok).toBe(true);
    // The entry's port goes with the request; without one the request path uses the target's.
    expect(
      requestV2Body(
        vpcReconcileRequest(entry([], { port: 5440 }), 'authorize', { cidrIp: '203.0.113.0/24' }, GROUP),
      ),
    ).toMatchObject({ port: 5440 });
  });
});
