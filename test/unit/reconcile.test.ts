import { DescribeClusterSecurityGroupsCommand, RedshiftClient } from '@aws-sdk/client-redshift';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createRedshiftIngress } from '../../src/adapters/redshift.js';
import { createQueuePublisher } from '../../src/adapters/sqs.js';
import { silentLogger } from '../../src/app/ports.js';
import { makeReconcile } from '../../src/app/reconcile.js';
import { parseDesiredState } from '../../src/domain/desired-state-yaml.js';
import { requestMessageGroupId } from '../../src/domain/message-group.js';
import { reconciliationReportSchema } from '../../src/domain/reconciliation-report-schema.js';
import { parseRequest } from '../../src/domain/request.js';

const REQUESTS_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/requests';
const RESULTS_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/results';
const redshiftMock = mockClient(RedshiftClient);
const sqsMock = mockClient(SQSClient);

const group = (name: string, cidrs: string[]) => ({
  ClusterSecurityGroupName: name,
  Description: name,
  IPRanges: cidrs.map((CIDRIP) => ({ CIDRIP, Status: 'authorized' })),
  EC2SecurityGroups: [],
});

function reconciler(maxPrunePerRun = 5) {
  const sqs = new SQSClient({ region: 'us-east-1' });
  return makeReconcile({
    currentRules: createRedshiftIngress(new RedshiftClient({ region: 'us-east-1' })),
    requests: createQueuePublisher(sqs, REQUESTS_URL, { retryDelayMs: 1 }),
    results: createQueuePublisher(sqs, RESULTS_URL, { retryDelayMs: 1 }),
    config: {
      policy: { allowedGroups: ['analytics-*'], minCidrPrefix: 16, requireApproval: false },
      maxPrunePerRun,
    },
    logger: silentLogger,
    now: () => new Date('2026-11-27T06:00:00.000Z'),
  });
}

const sentTo = (url: string) =>
  sqsMock
    .commandCalls(SendMessageBatchCommand)
    .filter((call) => call.args[0].input.QueueUrl === url)
    .flatMap((call) => call.args[0].input.Entries ?? []);

describe('makeReconcile', () => {
  beforeEach(() => {
    redshiftMock.reset();
    sqsMock.reset();
    sqsMock.on(SendMessageBatchCommand).callsFake((input: { Entries?: { Id?: string }[] }) => ({
      Successful: (input.Entries ?? []).map((e) => ({
        Id: e.Id,
        MessageId: `m-${e.Id}`,
        MD5OfMessageBody: '',
      })),
    }));
  });

  it('follows Marker pagination, enqueues ordinary requests for missing rules and publishes one report', async () => {
    // Prepare: the group sits on the second page.
    redshiftMock
      .on(DescribeClusterSecurityGroupsCommand, { Marker: undefined })
      .resolves({ ClusterSecurityGroups: [group('other', [])], Marker: 'page-2' })
      .on(DescribeClusterSecurityGroupsCommand, { Marker: 'page-2' })
      .resolves({ ClusterSecurityGroups: [group('analytics-prod', ['198.51.100.7/32', '10.9.0.0/16'])] });
    const desired = parseDesiredState(
      'version: 1\ngroups:\n  analytics-prod:\n    cidrIps: [203.0.113.0/24, 198.51.100.7]\n  analytics-ghost:\n    cidrIps: [10.0.0.0/16]\n',
    );

    // Act
    const report = await reconciler()(desired);

    // Assess
    expect(redshiftMock).toHaveReceivedCommandTimes(DescribeClusterSecurityGroupsCommand, 2);
    const requests = sentTo(REQUESTS_URL).map((entry) => parseRequest(entry.MessageBody as string, 'm'));
    expect(requests).toEqual([
      {
        ok: true,
        request: {
          version: 1,
          requestId: expect.stringMatching(/^reconcile-authorize-[0-9a-f]{16}$/),
          action: 'authorize',
          rule: { clusterSecurityGroupName: 'analytics-prod', cidrIp: '203.0.113.0/24' },
          requestedBy: 'reconciler',
          reason: 'in the desired state but missing',
        },
      },
    ]);
    const [published] = sentTo(RESULTS_URL);
    expect(JSON.parse(published?.MessageBody as string)).toEqual(report);
    expect(published?.MessageAttributes).toEqual({
      type: { DataType: 'String', StringValue: 'reconciliation-report' },
    });
    expect(reconciliationReportSchema.parse(report)).toEqual(report);
    expect(report.groups).toEqual([
      {
        clusterSecurityGroupName: 'analytics-prod',
        exists: true,
        prune: false,
        missing: [{ cidrIp: '203.0.113.0/24' }],
        extra: [{ cidrIp: '10.9.0.0/16' }],
        enqueued: [
          { requestId: expect.any(String), action: 'authorize', target: { cidrIp: '203.0.113.0/24' } },
        ],
        pruned: [],
        errors: [],
      },
      {
        clusterSecurityGroupName: 'analytics-ghost',
        exists: false,
        prune: false,
        missing: [{ cidrIp: '10.0.0.0/16' }],
        extra: [],
        enqueued: [],
        pruned: [],
        errors: ['cluster security group "analytics-ghost" does not exist: nothing is enqueued for it'],
      },
    ]);
    expect(report.counts).toEqual({ groups: 2, missing: 2, extra: 1, enqueued: 1, pruned: 0, errors: 1 });
  });

  it('prunes extras with revokes, first, when prune is true', async () => {
    // Prepare
    redshiftMock.on(DescribeClusterSecurityGroupsCommand).resolves({
      ClusterSecurityGroups: [group('analytics-dev', ['10.8.0.0/16'])],
    });
    const desired = parseDesiredState(
      'version: 1\ngroups:\n  analytics-dev:\n    prune: true\n    cidrIps: [10.1.0.0/16]\n',
    );

    // Act
    const report = await reconciler()(desired);

    // Assess
    expect(sentTo(REQUESTS_URL).map((entry) => JSON.parse(entry.MessageBody as string).action)).toEqual([
      'revoke',
      'authorize',
    ]);
    expect(report.groups[0]?.pruned).toEqual([
      {
        requestId: expect.stringMatching(/^reconcile-revoke-/),
        action: 'revoke',
        target: { cidrIp: '10.8.0.0/16' },
      },
    ]);
  });

  it('does not let a desired state bypass the policy', async () => {
    // Prepare
    redshiftMock.on(DescribeClusterSecurityGroupsCommand).resolves({
      ClusterSecurityGroups: [group('analytics-prod', []), group('finance', [])],
    });
    const desired = parseDesiredState(
      'version: 1\ngroups:\n  analytics-prod:\n    cidrIps: [10.0.0.0/8]\n  finance:\n    cidrIps: [10.0.0.0/16]\n',
    );

    // Act
    const report = await reconciler()(desired);

    // Assess
    expect(sentTo(REQUESTS_URL)).toEqual([]);
    expect(report.groups.map((g) => g.errors)).toEqual([
      [
        'authorize 10.0.0.0/8: refused by MIN_CIDR_PREFIX: cidrIp: 10.0.0.0/8 is broader than MIN_CIDR_PREFIX /16',
      ],
      [
        'authorize 10.0.0.0/16: refused by ALLOWED_GROUPS: clusterSecurityGroupName: "finance" is not in ALLOWED_GROUPS (analytics-*)',
      ],
    ]);
  });

  it('reports, rather than enqueues, a prune the handler would reject (a rule stored with host bits)', async () => {
    // Prepare
    redshiftMock
      .on(DescribeClusterSecurityGroupsCommand)
      .resolves({ ClusterSecurityGroups: [group('analytics-dev', ['10.0.0.5/16'])] });
    const desired = parseDesiredState(
      'version: 1\ngroups:\n  analytics-dev:\n    prune: true\n    cidrIps: []\n',
    );

    // Act
    const report = await reconciler()(desired);

    // Assess
    expect(sentTo(REQUESTS_URL)).toEqual([]);
    expect(report.groups[0]?.pruned).toEqual([]);
    expect(report.groups[0]?.errors).toEqual([
      'revoke 10.0.0.5/16: not enqueued: cidrIp: has host bits set; the network is 10.0.0.0/16',
    ]);
  });

  it('reports a request it could not enqueue as an error, not as enqueued', async () => {
    // Prepare
    redshiftMock
      .on(DescribeClusterSecurityGroupsCommand)
      .resolves({ ClusterSecurityGroups: [group('analytics-prod', [])] });
    sqsMock
      .on(SendMessageBatchCommand, { QueueUrl: REQUESTS_URL })
      .resolves({ Failed: [{ Id: '0', Code: 'KmsThrottled', SenderFault: false, Message: 'slow down' }] });
    const desired = parseDesiredState('version: 1\ngroups:\n  analytics-prod:\n    cidrIps: [10.0.0.0/16]\n');

    // Act
    const report = await reconciler()(desired);

    // Assess
    expect(report.groups[0]?.enqueued).toEqual([]);
    expect(report.groups[0]?.errors).toEqual([
      'authorize 10.0.0.0/16: could not enqueue: KmsThrottled: slow down',
    ]);
  });

  it('enqueues on a FIFO requests queue with the target as message group and the request id as deduplication id', async () => {
    // Prepare
    const fifoUrl = `${REQUESTS_URL}.fifo`;
    const sqs = new SQSClient({ region: 'us-east-1' });
    const reconcile = makeReconcile({
      currentRules: createRedshiftIngress(new RedshiftClient({ region: 'us-east-1' })),
      requests: createQueuePublisher(sqs, fifoUrl, { retryDelayMs: 1 }),
      results: createQueuePublisher(sqs, RESULTS_URL, { retryDelayMs: 1 }),
      config: {
        policy: { allowedGroups: ['analytics-*'], minCidrPrefix: 16, requireApproval: false },
        maxPrunePerRun: 5,
      },
      logger: silentLogger,
      now: () => new Date('2026-11-27T06:00:00.000Z'),
    });
    redshiftMock
      .on(DescribeClusterSecurityGroupsCommand)
      .resolves({ ClusterSecurityGroups: [group('analytics-prod', [])] });
    const desired = parseDesiredState(
      'version: 1\ngroups:\n  analytics-prod:\n    cidrIps: [203.0.113.0/24]\n',
    );

    // Act
    await reconcile(desired);

    // Assess
    const [entry, ...others] = sentTo(fifoUrl);
    expect(others).toEqual([]);
    const body = JSON.parse(entry?.MessageBody as string) as { requestId: string };
    expect(entry).toMatchObject({
      MessageGroupId: requestMessageGroupId({ clusterSecurityGroupName: 'analytics-prod' }),
      MessageDeduplicationId: body.requestId,
    });
  });

  it('a dry run enqueues and publishes nothing', async () => {
    // Prepare
    redshiftMock
      .on(DescribeClusterSecurityGroupsCommand)
      .resolves({ ClusterSecurityGroups: [group('analytics-prod', [])] });
    const desired = parseDesiredState('version: 1\ngroups:\n  analytics-prod:\n    cidrIps: [10.0.0.0/16]\n');

    // Act
    const report = await reconciler()(desired, { dryRun: true });

    // Assess
    expect(sqsMock).not.toHaveReceivedCommand(SendMessageBatchCommand);
    expect(report.dryRun).toBe(true);
    expect(report.counts.enqueued).toBe(1);
  });
});
