import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthorizeSecurityGroupIngressCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { LocalService } from '../../local/service.js';
import { createEc2Ingress } from '../../src/adapters/ec2.js';
import { type OutcomeV2, outcomeV2Schema } from '../../src/domain/outcome-v2-schema.js';
import {
  type ReconciliationReportV2,
  reconciliationReportV2Schema,
} from '../../src/domain/reconciliation-report-schema.js';
import { startTestService } from '../helpers/local-service.js';

// A reconcile run over the whole local stack on a VPC cluster: the reconcile handler resolves the
// cluster, reads its group's rules, prunes a managed extra by id, leaves a hand-made rule alone and
// enqueues the missing rules, which the authorize function applies through the VPC request path.

let service: LocalService | undefined;
let ec2: EC2Client | undefined;

afterEach(async () => {
  ec2?.destroy();
  ec2 = undefined;
  await service?.stop();
  service = undefined;
});

const scratch = mkdtempSync(join(tmpdir(), 'redshift-ingress-reconcile-vpc-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let files = 0;
const desiredStateFile = (yaml: string): string => {
  files += 1;
  const file = join(scratch, `desired-state-${files}.yaml`);
  writeFileSync(file, yaml);
  return file;
};

const ALLOW_VPC = {
  ALLOWED_CLUSTERS: 'analytics-*',
  ALLOWED_WORKGROUPS: 'analytics-*',
  ALLOWED_SECURITY_GROUP_IDS: 'sg-*',
};

interface VpcResults {
  readonly outcomes: OutcomeV2[];
  readonly reports: ReconciliationReportV2[];
}

/** Drains the results queue until `done` holds; outcomes and reports are checked against their v2 schemas. */
async function readVpcResults(
  current: LocalService,
  done: (results: VpcResults) => boolean,
  into: VpcResults = { outcomes: [], reports: [] },
): Promise<VpcResults> {
  const deadline = Date.now() + 20_000;
  while (!done(into)) {
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for results; got ${JSON.stringify(into.outcomes.map((o) => [o.requestId, o.status]))}`,
      );
    }
    const { Messages = [] } = await current.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: current.queues.results.url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    for (const message of Messages) {
      const body = JSON.parse(message.Body ?? '{}') as { type?: string };
      if (body.type === 'reconciliation-report') into.reports.push(reconciliationReportV2Schema.parse(body));
      else into.outcomes.push(outcomeV2Schema.parse(body));
    }
    if (Messages.length > 0) {
      await current.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: current.queues.results.url,
          Entries: Messages.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle,
          })),
        }),
      );
    }
  }
  return into;
}

/** Runs the reconcile handler and waits for its report and an outcome of every change it made or enqueued. */
async function reconcileAndSettle(
  current: LocalService,
): Promise<{ report: ReconciliationReportV2; outcomes: OutcomeV2[] }> {
  const report = reconciliationReportV2Schema.parse(await current.reconcile());
  const expected = report.counts.enqueued + report.counts.pruned;
  const results = await readVpcResults(
    current,
    (so) => so.reports.length === 1 && so.outcomes.length >= expected,
  );
  return { report, outcomes: results.outcomes };
}

/** Authorizes a rule as a person or another tool would: with the tags given, none by default. */
async function authorizeByHand(
  client: EC2Client,
  groupId: string,
  cidrIp: string,
  tags?: Record<string, string>,
) {
  await client.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: groupId,
      IpPermissions: [
        {
          IpProtocol: 'tcp',
          FromPort: 5439,
          ToPort: 5439,
          IpRanges: [{ CidrIp: cidrIp, Description: 'by hand' }],
        },
      ],
      ...(tags && {
        TagSpecifications: [
          {
            ResourceType: 'security-group-rule',
            Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
          },
        ],
      }),
    }),
  );
}

const sources = async (client: EC2Client, groupId: string) =>
  (await createEc2Ingress(client).listRules(groupId))
    .map((rule) => `${Object.values(rule.source).join(' ')} ${rule.protocol}/${rule.fromPort}`)
    .sort();

describe('reconciliation of a VPC cluster over the local stack', () => {
  it('restores missing rules through the pipeline, prunes a managed extra by id, leaves a hand-made rule alone', async () => {
    // Prepare: a cluster with one group holding a desired rule, a managed extra and a hand-made extra.
    service = await startTestService({
      env: {
        ...ALLOW_VPC,
        MAX_PRUNE_PER_RUN: '1',
        DESIRED_STATE_PATH: desiredStateFile(
          'version: 2\nclusters:\n  analytics-prod:\n    prune: true\n    cidrIps: [203.0.113.0/24, 198.51.100.7]\n    cidrIpv6s: ["2001:db8::/48"]\n',
        ),
      },
    });
    const emulator = service.emulator;
    if (emulator === undefined) throw new Error('the test service embeds the emulator');
    const { groupId } = emulator.createSecurityGroup({ groupName: 'analytics-prod-ingress' });
    emulator.createCluster({
      clusterIdentifier: 'analytics-prod',
      vpcSecurityGroupIds: [groupId],
      port: 5439,
    });
    ec2 = new EC2Client({
      endpoint: service.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    await authorizeByHand(ec2, groupId, '203.0.113.0/24');
    await authorizeByHand(ec2, groupId, '192.0.2.0/24', { 'redshift-ingress:managed': 'true' });
    await authorizeByHand(ec2, groupId, '10.66.0.0/16', { owner: 'dba-team' });

    // Act
    const first = await reconcileAndSettle(service);

    // Assess: the report says what was found and done, per target, with the resolved group and port.
    const [target] = first.report.targets;
    expect(target).toMatchObject({
      section: 'clusters',
      name: 'analytics-prod',
      securityGroupId: groupId,
      port: 5439,
      missing: [{ cidrIp: '198.51.100.7/32' }, { cidrIpv6: '2001:db8::/48' }],
      enqueued: [
        { action: 'authorize', source: { cidrIp: '198.51.100.7/32' } },
        { action: 'authorize', source: { cidrIpv6: '2001:db8::/48' } },
      ],
      pruned: [{ source: { cidrIp: '192.0.2.0/24' }, status: 'revoked' }],
      refused: [],
      overLimit: [],
    });
    expect(target?.extra.map((rule) => [rule.source, rule.managed])).toEqual([
      [{ cidrIp: '192.0.2.0/24' }, true],
      [{ cidrIp: '10.66.0.0/16' }, false],
    ]);
    // Every change has an outcome v2: the two authorizes from the pipeline, the prune from the reconciler.
    expect(
      first.outcomes.map((o) => [o.action, o.status, o.rule?.securityGroupId, o.requestedBy]).sort(),
    ).toEqual([
      ['authorize', 'authorized', groupId, 'reconciler'],
      ['authorize', 'authorized', groupId, 'reconciler'],
      ['revoke', 'revoked', groupId, 'reconciler'],
    ]);
    expect(await sources(ec2, groupId)).toEqual([
      '10.66.0.0/16 tcp/5439',
      '198.51.100.7/32 tcp/5439',
      '2001:db8::/48 tcp/5439',
      '203.0.113.0/24 tcp/5439',
    ]);

    // Act again: nothing is missing; the hand-made rule is still reported, never touched.
    const second = await reconcileAndSettle(service);

    // Assess
    expect(second.report.targets[0]).toMatchObject({ missing: [], enqueued: [], pruned: [] });
    expect(second.report.targets[0]?.extra.map((rule) => [rule.source, rule.managed])).toEqual([
      [{ cidrIp: '10.66.0.0/16' }, false],
    ]);
    expect(second.report.counts).toMatchObject({ targets: 1, missing: 0, extra: 1, unmanaged: 1, pruned: 0 });
  });

  it('prunes nothing when the managed extras exceed MAX_PRUNE_PER_RUN, and nothing that would not fit is enqueued', async () => {
    // Prepare: two managed extras against a cap of one; a group nearly full of IPv4 rules.
    service = await startTestService({
      env: {
        ...ALLOW_VPC,
        MAX_PRUNE_PER_RUN: '1',
        DESIRED_STATE_PATH: desiredStateFile(
          'version: 2\nclusters:\n  analytics-dev:\n    prune: true\n    cidrIps: [203.0.113.0/24, 198.51.100.0/24]\n    cidrIpv6s: ["2001:db8::/48"]\n',
        ),
      },
    });
    const emulator = service.emulator;
    if (emulator === undefined) throw new Error('the test service embeds the emulator');
    const { groupId } = emulator.createSecurityGroup({ groupName: 'analytics-dev-ingress' });
    emulator.createCluster({
      clusterIdentifier: 'analytics-dev',
      vpcSecurityGroupIds: [groupId],
      port: 5439,
    });
    ec2 = new EC2Client({
      endpoint: service.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    await authorizeByHand(ec2, groupId, '192.0.2.0/24', { 'redshift-ingress:managed': 'true' });
    await authorizeByHand(ec2, groupId, '192.0.3.0/24', { 'redshift-ingress:managed': 'true' });
    for (let i = 0; i < 57; i += 1) await authorizeByHand(ec2, groupId, `10.${i}.0.0/16`);

    // Act
    const { report } = await reconcileAndSettle(service);

    // Assess: 59 IPv4 rules kept + 2 missing > 60: no IPv4 authorize; the IPv6 one fits.
    const [target] = report.targets;
    expect(target?.pruned).toEqual([]);
    expect(target?.overLimit).toEqual([{ cidrIp: '203.0.113.0/24' }, { cidrIp: '198.51.100.0/24' }]);
    expect(target?.enqueued.map((entry) => entry.source)).toEqual([{ cidrIpv6: '2001:db8::/48' }]);
    expect(target?.errors).toEqual([
      'prune skipped: 2 managed extra rules exceed the 1 revokes left of MAX_PRUNE_PER_RUN (1) in this run; nothing is pruned for this target',
      expect.stringMatching(
        /^over the rule limit: the group would hold 61 IPv4 inbound rules \(59 kept, 2 missing\), more than 60/,
      ),
    ]);
    expect((await sources(ec2, groupId)).filter((rule) => rule.startsWith('192.0.'))).toEqual([
      '192.0.2.0/24 tcp/5439',
      '192.0.3.0/24 tcp/5439',
    ]);
  });
});
