import { describe, expect, it } from 'vitest';
import type { OutgoingMessage } from '../../src/app/ports.js';
import { silentLogger } from '../../src/app/ports.js';
import { makeReconcile } from '../../src/app/reconcile.js';
import type { VpcReconcilePorts } from '../../src/app/reconcile-vpc.js';
import { parseDesiredState } from '../../src/domain/desired-state-yaml.js';
import { RejectedError, TransientError } from '../../src/domain/errors.js';
import { outcomeV2Schema } from '../../src/domain/outcome-v2-schema.js';
import { reconciliationReportV2Schema } from '../../src/domain/reconciliation-report-schema.js';
import type { VpcRule } from '../../src/domain/vpc.js';

const POLICY = {
  allowedGroups: [],
  allowedClusters: ['analytics-*'],
  allowedWorkgroups: ['analytics-*'],
  allowedSecurityGroupIds: ['sg-*'],
  minCidrPrefix: 16,
  requireApproval: false,
};

const managedRule = (id: string, cidrIp: string): VpcRule => ({
  securityGroupRuleId: id,
  securityGroupId: 'sg-0a1b2c3d',
  protocol: 'tcp',
  fromPort: 5439,
  toPort: 5439,
  source: { cidrIp },
  tags: { 'redshift-ingress:managed': 'true' },
});

/** Ports over fixed answers, recording the revokes made. */
function fakePorts(options: {
  rules?: Record<string, VpcRule[] | Error>;
  revoke?: (ruleId: string) => Promise<{ status: 'revoked' | 'already-revoked' }>;
}): VpcReconcilePorts & { revoked: string[] } {
  const revoked: string[] = [];
  return {
    revoked,
    targets: {
      describeCluster: async (id) => {
        if (id === 'analytics-gone') throw new RejectedError('ClusterNotFound', `cluster ${id} not found`);
        return { securityGroupIds: ['sg-0a1b2c3d'], port: 5439 };
      },
      getWorkgroup: async () => ({ securityGroupIds: ['sg-0a1b2c3d'], port: 5440 }),
      describeGroups: async () => [],
    },
    rules: {
      listRules: async (groupId) => {
        const answer = options.rules?.[groupId] ?? [];
        if (answer instanceof Error) throw answer;
        return answer;
      },
      revokeRule: async (_groupId, ruleId) => {
        revoked.push(ruleId);
        return options.revoke ? options.revoke(ruleId) : { status: 'revoked', securityGroupRuleId: ruleId };
      },
    },
  };
}

const queue = () => {
  const sent: OutgoingMessage[] = [];
  return {
    sent,
    publish: async (messages: readonly OutgoingMessage[]) => {
      sent.push(...messages);
      return { failed: new Map<string, string>(), refused: new Set<string>(), calls: 1 };
    },
  };
};

describe('makeReconcile on VPC targets', () => {
  it('refuses a second entry on a group already reconciled, and reports a target that cannot be resolved', async () => {
    // Prepare
    const ports = fakePorts({});
    const desired = parseDesiredState(
      'version: 2\nclusters:\n  analytics-gone:\n    cidrIps: [203.0.113.0/24]\n  analytics-prod:\n    cidrIps: [203.0.113.0/24]\nworkgroups:\n  analytics-wg:\n    cidrIps: [198.51.100.0/24]\n',
    );
    const reconcile = makeReconcile({
      currentRules: { listGroups: () => Promise.reject(new Error('not called without groups')) },
      vpc: ports,
      config: { policy: POLICY, maxPrunePerRun: 5 },
      logger: silentLogger,
    });

    // Act
    const report = reconciliationReportV2Schema.parse(await reconcile(desired));

    // Assess
    expect(report.targets.map((target) => [target.name, target.securityGroupId, target.errors])).toEqual([
      [
        'analytics-gone',
        undefined,
        ['ClusterNotFound: cluster analytics-gone not found; nothing is changed for this target'],
      ],
      ['analytics-prod', 'sg-0a1b2c3d', []],
      [
        'analytics-wg',
        'sg-0a1b2c3d',
        [
          'security group sg-0a1b2c3d is already reconciled by clusters.analytics-prod; give each group one entry: nothing is changed for this one',
        ],
      ],
    ]);
    expect(report.targets[2]?.missing).toEqual([]);
  });

  it('revokes nothing in a plan, and reports a read that failed', async () => {
    // Prepare
    const ports = fakePorts({
      rules: {
        'sg-0a1b2c3d': [managedRule('sgr-1', '192.0.2.0/24')],
        'sg-0e1f2a3b': new TransientError(
          'RequestLimitExceeded',
          'cannot list the rules of sg-0e1f2a3b: throttled',
        ),
      },
    });
    const desired = parseDesiredState(
      'version: 2\nclusters:\n  analytics-prod:\n    prune: true\nsecurityGroups:\n  sg-0e1f2a3b:\n    cidrIps: [203.0.113.0/24]\n',
    );
    const reconcile = makeReconcile({
      currentRules: { listGroups: async () => [] },
      vpc: ports,
      config: { policy: POLICY, maxPrunePerRun: 5 },
      logger: silentLogger,
    });

    // Act
    const report = reconciliationReportV2Schema.parse(await reconcile(desired, { dryRun: true }));

    // Assess
    expect(ports.revoked).toEqual([]);
    expect(report.targets[0]?.pruned).toEqual([
      {
        requestId: expect.stringMatching(/^reconcile-revoke-/),
        securityGroupRuleId: 'sgr-1',
        source: { cidrIp: '192.0.2.0/24' },
      },
    ]);
    expect(report.targets[1]?.errors).toEqual([
      'RequestLimitExceeded: cannot list the rules of sg-0e1f2a3b: throttled; nothing is changed for this target',
    ]);
  });

  it('reports an unexpected error of one target as InternalError and goes on with the next', async () => {
    // Prepare
    const ports = fakePorts({
      rules: { 'sg-0e1f2a3b': new Error('cannot read properties of undefined') },
    });
    const desired = parseDesiredState(
      'version: 2\nsecurityGroups:\n  sg-0e1f2a3b:\n    cidrIps: [203.0.113.0/24]\n  sg-0a1b2c3d:\n    cidrIps: [198.51.100.0/24]\n',
    );
    const requests = queue();
    const reconcile = makeReconcile({
      currentRules: { listGroups: async () => [] },
      vpc: ports,
      requests,
      config: { policy: POLICY, maxPrunePerRun: 5 },
      logger: silentLogger,
    });

    // Act
    const report = reconciliationReportV2Schema.parse(await reconcile(desired));

    // Assess
    expect(report.targets.map((target) => [target.name, target.errors])).toEqual([
      [
        'sg-0e1f2a3b',
        [
          'InternalError: unexpected error: cannot read properties of undefined; nothing is changed for this target',
        ],
      ],
      ['sg-0a1b2c3d', []],
    ]);
    expect(report.targets[1]?.enqueued).toHaveLength(1);
    expect(requests.sent).toHaveLength(1);
  });

  it('answers a prune EC2 refused with a rejected outcome v2 and keeps its room in the budget', async () => {
    // Prepare: 60 IPv4 rules, one of them a managed extra whose revoke is refused.
    const kept = Array.from({ length: 59 }, (_, i) => ({
      ...managedRule(`sgr-k${i}`, `10.${i}.0.0/16`),
      tags: {},
    }));
    const ports = fakePorts({
      rules: { 'sg-0a1b2c3d': [...kept, managedRule('sgr-x', '192.0.2.0/24')] },
      revoke: async () => {
        throw new RejectedError('InvalidPermission.Malformed', 'EC2 refused the permission as malformed');
      },
    });
    const desired = parseDesiredState(
      `version: 2\nclusters:\n  analytics-prod:\n    prune: true\n    cidrIps: [${kept.map((rule) => ('cidrIp' in rule.source ? rule.source.cidrIp : '')).join(', ')}, 203.0.113.0/24]\n`,
    );
    const requests = queue();
    const results = queue();
    const reconcile = makeReconcile({
      currentRules: { listGroups: async () => [] },
      vpc: ports,
      requests,
      results,
      config: { policy: POLICY, maxPrunePerRun: 5 },
      logger: silentLogger,
    });

    // Act
    const report = reconciliationReportV2Schema.parse(await reconcile(desired));

    // Assess: the rule is still there, so the missing one does not fit and is not enqueued.
    expect(ports.revoked).toEqual(['sgr-x']);
    expect(report.targets[0]).toMatchObject({
      pruned: [],
      enqueued: [],
      overLimit: [{ cidrIp: '203.0.113.0/24' }],
    });
    expect(requests.sent).toEqual([]);
    const outcome = outcomeV2Schema.parse(JSON.parse(results.sent[0]?.body ?? '{}'));
    expect(outcome).toMatchObject({
      action: 'revoke',
      status: 'rejected',
      error: { code: 'InvalidPermission.Malformed', retryable: false },
      rule: {
        clusterIdentifier: 'analytics-prod',
        securityGroupId: 'sg-0a1b2c3d',
        securityGroupRuleId: 'sgr-x',
      },
    });
    expect(results.sent[0]?.groupId).toBe('cluster:analytics-prod');
    expect(results.sent[0]?.attributes).toEqual({
      status: 'rejected',
      action: 'revoke',
      clusterIdentifier: 'analytics-prod',
      securityGroupId: 'sg-0a1b2c3d',
    });
  });

  it('refuses, in the report, the authorizes a policy with REQUIRE_APPROVAL refuses', async () => {
    const ports = fakePorts({});
    const reconcile = makeReconcile({
      currentRules: { listGroups: async () => [] },
      vpc: ports,
      requests: queue(),
      config: { policy: { ...POLICY, requireApproval: true }, maxPrunePerRun: 5 },
      logger: silentLogger,
    });
    const report = reconciliationReportV2Schema.parse(
      await reconcile(
        parseDesiredState('version: 2\nclusters:\n  analytics-prod:\n    cidrIps: [203.0.113.0/24]\n'),
      ),
    );
    expect(report.targets[0]?.refused).toEqual([
      {
        action: 'authorize',
        source: { cidrIp: '203.0.113.0/24' },
        reason: expect.stringMatching(/^refused by REQUIRE_APPROVAL: /),
      },
    ]);
    expect(report.counts).toMatchObject({ missing: 1, enqueued: 0, refused: 1 });
  });

  it('takes back, in the report, a request the queue did not accept', async () => {
    // Prepare
    const requests = {
      publish: async (messages: readonly OutgoingMessage[]) => ({
        failed: new Map(messages.map((message) => [message.id, 'AWS.SimpleQueueService.NonExistentQueue'])),
        refused: new Set<string>(),
        calls: 1,
      }),
    };
    const reconcile = makeReconcile({
      currentRules: { listGroups: async () => [] },
      vpc: fakePorts({}),
      requests,
      config: { policy: POLICY, maxPrunePerRun: 5 },
      logger: silentLogger,
    });

    // Act
    const report = reconciliationReportV2Schema.parse(
      await reconcile(
        parseDesiredState('version: 2\nworkgroups:\n  analytics-wg:\n    cidrIpv6s: ["2001:db8::/48"]\n'),
      ),
    );

    // Assess
    expect(report.targets[0]).toMatchObject({
      port: 5440,
      missing: [{ cidrIpv6: '2001:db8::/48' }],
      enqueued: [],
      errors: ['authorize 2001:db8::/48: could not enqueue: AWS.SimpleQueueService.NonExistentQueue'],
    });
  });
});
