import { AuthorizeSecurityGroupIngressCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator } from '../../local/emulator/index.js';
import { createEc2Ingress } from '../../src/adapters/ec2.js';
import { createRedshiftClusters } from '../../src/adapters/redshift.js';
import { createBatchScope } from '../../src/app/batch-scope.js';
import type {
  MessagePublisher,
  OutgoingMessage,
  SecurityGroupRules,
  VpcTargets,
} from '../../src/app/ports.js';
import { silentLogger } from '../../src/app/ports.js';
import { makeReconcile } from '../../src/app/reconcile.js';
import { makeVpcBackend } from '../../src/app/vpc-backend.js';
import { parseDesiredState } from '../../src/domain/desired-state-yaml.js';
import { outcomeV2Schema } from '../../src/domain/outcome-v2-schema.js';
import { reconciliationReportV2Schema } from '../../src/domain/reconciliation-report-schema.js';
import { isVpcRule, parseAnyRequest } from '../../src/domain/request-v2.js';
import { describeWithMoto, type MotoServer, startMoto } from '../helpers/moto.js';
import { emulatorBackend, motoBackend, type VpcBackend } from '../helpers/vpc-backends.js';

// The reconciler of VPC targets against two readings of AWS: the embedded emulator and moto (EC2
// security groups and DescribeClusters; moto has no Serverless, so clusters are the targets here). The
// requests it enqueues are applied by the VPC backend of the request path, as the authorize function does.

/** A queue kept in memory: what the reconciler publishes, accepted. */
function memoryQueue(): MessagePublisher & { readonly sent: OutgoingMessage[] } {
  const sent: OutgoingMessage[] = [];
  return {
    sent,
    publish: async (messages) => {
      sent.push(...messages);
      return { failed: new Map(), refused: new Set(), calls: 1 };
    },
  };
}

function reconcileSuite(start: () => Promise<{ backend: VpcBackend; stop(): Promise<void> }>): void {
  let backend: VpcBackend;
  let stop: () => Promise<void>;
  // The ports of both the reconciler and the request path's VPC backend.
  let ports: { targets: VpcTargets; rules: SecurityGroupRules };

  beforeAll(async () => {
    ({ backend, stop } = await start());
    const ec2 = createEc2Ingress(backend.ec2);
    const clusters = createRedshiftClusters(backend.redshift);
    ports = {
      targets: {
        describeCluster: (id) => clusters.describeCluster(id),
        getWorkgroup: () => Promise.reject(new Error('no workgroup in this suite')),
        describeGroups: (ids) => ec2.describeGroups(ids),
      },
      rules: ec2,
    };
  });
  afterAll(async () => {
    backend?.destroy();
    await stop?.();
  });
  beforeEach(async () => {
    await backend.reset();
  });

  const byHand = async (client: EC2Client, groupId: string, cidrIp: string, managed: boolean) => {
    await client.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5439, ToPort: 5439, IpRanges: [{ CidrIp: cidrIp }] }],
        ...(managed && {
          TagSpecifications: [
            {
              ResourceType: 'security-group-rule',
              Tags: [{ Key: 'redshift-ingress:managed', Value: 'true' }],
            },
          ],
        }),
      }),
    );
  };

  const cidrsOf = async (groupId: string) =>
    (await createEc2Ingress(backend.ec2).listRules(groupId))
      .map((rule) => Object.values(rule.source)[0])
      .sort();

  it('restores a missing rule, prunes a managed extra within the cap, leaves a hand-made rule alone', async () => {
    // Prepare
    const groupId = await backend.createGroup();
    await backend.createCluster('analytics-prod', [groupId], 5439);
    await byHand(backend.ec2, groupId, '203.0.113.0/24', false);
    await byHand(backend.ec2, groupId, '192.0.2.0/24', true);
    await byHand(backend.ec2, groupId, '10.66.0.0/16', false);
    const desired = parseDesiredState(
      'version: 2\nclusters:\n  analytics-prod:\n    prune: true\n    cidrIps: [203.0.113.0/24, 198.51.100.7]\n',
    );
    const requests = memoryQueue();
    const results = memoryQueue();
    const reconcile = makeReconcile({
      currentRules: {
        listGroups: () => Promise.reject(new Error('a VPC-only document lists no cluster security group')),
      },
      vpc: ports,
      requests,
      results,
      config: {
        policy: {
          allowedGroups: [],
          allowedClusters: ['analytics-*'],
          minCidrPrefix: 16,
          requireApproval: false,
        },
        maxPrunePerRun: 1,
      },
      logger: silentLogger,
    });

    // Act: one run, then its requests applied by the request path's VPC backend.
    const report = reconciliationReportV2Schema.parse(await reconcile(desired));
    const apply = makeVpcBackend(ports);
    const scope = createBatchScope();
    for (const message of requests.sent) {
      const parsed = parseAnyRequest(message.body, message.id);
      if (!parsed.ok || !isVpcRule(parsed.request.rule))
        throw new Error(`not a VPC request: ${message.body}`);
      await apply.apply(
        { action: parsed.request.action, rule: parsed.request.rule, requestId: parsed.request.requestId },
        scope,
      );
    }

    // Assess
    expect(report.targets[0]).toMatchObject({
      securityGroupId: groupId,
      port: 5439,
      missing: [{ cidrIp: '198.51.100.7/32' }],
      pruned: [{ source: { cidrIp: '192.0.2.0/24' }, status: 'revoked' }],
    });
    expect(report.targets[0]?.extra.map((rule) => [rule.source, rule.managed])).toEqual([
      [{ cidrIp: '192.0.2.0/24' }, true],
      [{ cidrIp: '10.66.0.0/16' }, false],
    ]);
    expect(requests.sent.map((message) => message.groupId)).toEqual(['cluster:analytics-prod']);
    // The prune's outcome and the report go to the results queue.
    const [outcome, published] = results.sent.map((message) => JSON.parse(message.body) as unknown);
    expect(outcomeV2Schema.parse(outcome)).toMatchObject({
      action: 'revoke',
      status: 'revoked',
      rule: {
        clusterIdentifier: 'analytics-prod',
        securityGroupId: groupId,
        cidrIp: '192.0.2.0/24',
        port: 5439,
      },
    });
    expect(published).toMatchObject({ type: 'reconciliation-report', version: 2 });
    expect(await cidrsOf(groupId)).toEqual(['10.66.0.0/16', '198.51.100.7/32', '203.0.113.0/24']);

    // Act again: the next run finds only the hand-made rule.
    const again = reconciliationReportV2Schema.parse(await reconcile(desired));

    // Assess
    expect(again.targets[0]).toMatchObject({ missing: [], enqueued: [], pruned: [] });
    expect(again.counts).toMatchObject({ extra: 1, unmanaged: 1 });
  });

  it('reports a cluster that does not exist and goes on with the next target', async () => {
    // Prepare
    const groupId = await backend.createGroup();
    await backend.createCluster('analytics-prod', [groupId], 5439);
    const desired = parseDesiredState(
      'version: 2\nclusters:\n  analytics-ghost:\n    cidrIps: [203.0.113.0/24]\n  analytics-prod:\n    cidrIps: [203.0.113.0/24]\n',
    );
    const reconcile = makeReconcile({
      currentRules: { listGroups: async () => [] },
      vpc: ports,
      config: {
        policy: {
          allowedGroups: [],
          allowedClusters: ['analytics-*'],
          minCidrPrefix: 16,
          requireApproval: false,
        },
        maxPrunePerRun: 5,
      },
      logger: silentLogger,
    });

    // Act
    const report = reconciliationReportV2Schema.parse(await reconcile(desired));

    // Assess
    expect(report.dryRun).toBe(true);
    expect(report.targets[0]?.securityGroupId).toBeUndefined();
    expect(report.targets[0]?.errors).toEqual([expect.stringMatching(/analytics-ghost/)]);
    expect(report.targets[1]).toMatchObject({
      securityGroupId: groupId,
      missing: [{ cidrIp: '203.0.113.0/24' }],
    });
  });
}

describe('reconciliation of VPC targets against the emulator', () => {
  reconcileSuite(async () => {
    const emulator = await startEmulator({ port: 0 });
    return { backend: emulatorBackend(emulator), stop: () => emulator.close() };
  });
});

describeWithMoto('reconciliation of VPC targets against moto', () => {
  reconcileSuite(async () => {
    const moto: MotoServer = await startMoto();
    return { backend: motoBackend(moto), stop: () => moto.close() };
  });
});
