import {
  AuthorizeClusterSecurityGroupIngressCommand,
  RedshiftClient,
  RevokeClusterSecurityGroupIngressCommand,
} from '@aws-sdk/client-redshift';
import {
  InvalidOutput,
  KmsInvalidStateException,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { ChangeMessageVisibilityBatchCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createRedshiftIngress } from '../../src/adapters/redshift.js';
import { createQueuePublisher, createVisibilityController, queueUrlFromArn } from '../../src/adapters/sqs.js';
import { silentLogger, type TaskCallbacks } from '../../src/app/ports.js';
import { makeProcessBatch } from '../../src/app/process-batch.js';
import { outcomeSchema } from '../../src/domain/outcome-schema.js';
import { SQS_REFUSED_CHARACTER } from '../../src/domain/sqs-text.js';
import { redshiftErrors } from '../helpers/aws-errors.js';
import {
  acceptAllSends as acceptAllSendsOf,
  type BatchHarnessOptions,
  createBatchHarness,
  type LogLine,
  publishedOutcomes as publishedOutcomesOf,
} from '../helpers/batch-harness.js';
import { requestBody, sqsEventFactory, sqsRecordFactory } from '../helpers/factories.js';
import { unusedVpcBackend } from '../helpers/vpc-path.js';

const redshiftMock = mockClient(RedshiftClient);
// These tests carry no task token: a callback would be a defect.
const noCallbacks: TaskCallbacks = {
  succeed: () => Promise.reject(new Error('no task token in this test')),
  fail: () => Promise.reject(new Error('no task token in this test')),
};
const sqsMock = mockClient(SQSClient);
const sfnMock = mockClient(SFNClient);

const harness = (options: BatchHarnessOptions = {}) => createBatchHarness(options);
const publishedOutcomes = () => publishedOutcomesOf(sqsMock);
const acceptAllSends = () => acceptAllSendsOf(sqsMock);
const sentBodies = () =>
  sqsMock
    .commandCalls(SendMessageBatchCommand)
    .flatMap((call) => (call.args[0].input.Entries ?? []).map((entry) => entry.MessageBody as string));

/** A body as a producer sends it: ASCII, with U+FFFE and U+FFFF written as JSON escapes. */
const asciiBody = (overrides: Record<string, unknown>) =>
  JSON.stringify(requestBody(overrides)).replace(
    /[\ufffe\uffff]/g,
    (character) => `\\u${(character.codePointAt(0) as number).toString(16)}`,
  );

/** A token as long as real ones. */
const TOKEN = `AQCE${'A'.repeat(100)}0123456789abcdefghij${'B'.repeat(100)}alue`;

/** Whether a log line shows any run of 16 characters of the token. */
const showsToken = (lines: readonly LogLine[]) => {
  const text = JSON.stringify(lines);
  for (let start = 0; start + 16 <= TOKEN.length; start += 1) {
    if (text.includes(TOKEN.slice(start, start + 16))) return true;
  }
  return false;
};

beforeEach(() => {
  redshiftMock.reset();
  sqsMock.reset();
  sfnMock.reset();
  redshiftMock.on(AuthorizeClusterSecurityGroupIngressCommand).resolves({});
  redshiftMock.on(RevokeClusterSecurityGroupIngressCommand).resolves({});
  sqsMock.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });
  sfnMock.on(SendTaskSuccessCommand).resolves({});
  sfnMock.on(SendTaskFailureCommand).resolves({});
});

describe('outcomes SQS accepts', () => {
  it('publishes a safe outcome for a valid request echoing U+FFFF, a bad CIDR and an unknown key, acknowledging each', async () => {
    // Prepare
    acceptAllSends();
    const { processBatch } = harness();
    const records = [
      sqsRecordFactory(asciiBody({ requestId: 'echo', requestedBy: 'ops\uffff', reason: '\ud800' }), {
        messageId: 'm-echo',
      }),
      sqsRecordFactory(asciiBody({ requestId: 'cidr', cidrIp: '10.0.0.0/8\uffff' }), { messageId: 'm-cidr' }),
      sqsRecordFactory(asciiBody({ requestId: 'key', 'x\ufffe': 1 }), { messageId: 'm-key' }),
    ];

    // Act
    const response = await processBatch(sqsEventFactory(records));

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    for (const body of sentBodies()) expect(SQS_REFUSED_CHARACTER.test(body)).toBe(false);
    const outcomes = publishedOutcomes();
    expect(outcomes.map((outcome) => [outcome.requestId, outcome.status])).toEqual([
      ['echo', 'authorized'],
      ['cidr', 'rejected'],
      ['key', 'rejected'],
    ]);
    expect(outcomes[0]).toMatchObject({ requestedBy: 'ops\ufffd', reason: '\ufffd' });
    expect(outcomes[2]?.error?.message).toBe('"x\ufffd": is not a known field');
  });

  it('rejects a request whose EC2 group name holds U+FFFF, naming the field, without calling Redshift', async () => {
    // Prepare
    acceptAllSends();
    const { processBatch } = harness();
    const body = asciiBody({
      cidrIp: undefined,
      ec2SecurityGroupName: 'bi\uffff',
      ec2SecurityGroupOwnerId: '111122223333',
    });

    // Act
    const response = await processBatch(sqsEventFactory([sqsRecordFactory(body)]));

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(publishedOutcomes()[0]).toMatchObject({
      status: 'rejected',
      error: {
        code: 'InvalidRequest',
        message: 'ec2SecurityGroupName: contains U+FFFF at character 3, which SQS and the AWS APIs refuse',
      },
    });
    expect(redshiftMock.commandCalls(AuthorizeClusterSecurityGroupIngressCommand)).toHaveLength(0);
  });

  it('answers a sender fault in Failed[] with the shortened outcome, acknowledged, never retried as an outage', async () => {
    // Prepare: SQS refuses the full outcome as the sender's fault, and accepts the shortened one.
    sqsMock
      .on(SendMessageBatchCommand)
      .callsFake((input: { Entries?: { Id?: string; MessageBody?: string }[] }) => {
        const entries = input.Entries ?? [];
        const full = (entry: { MessageBody?: string }) =>
          entry.MessageBody?.includes('"requestedBy"') === true;
        return {
          Successful: entries
            .filter((entry) => !full(entry))
            .map((entry) => ({ Id: entry.Id, MessageId: 'x', MD5OfMessageBody: '' })),
          Failed: entries.filter(full).map((entry) => ({
            Id: entry.Id,
            Code: 'InvalidMessageContents',
            SenderFault: true,
            Message: 'refused',
          })),
        };
      });
    const { processBatch } = harness();

    // Act
    const response = await processBatch(
      sqsEventFactory([sqsRecordFactory(requestBody({ requestId: 'r1' }))]),
    );

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const bodies = sentBodies();
    expect(bodies).toHaveLength(2);
    expect(outcomeSchema.parse(JSON.parse(bodies[1] as string))).toEqual({
      type: 'ingress-outcome',
      version: 1,
      requestId: 'r1',
      messageId: expect.any(String),
      action: 'authorize',
      status: 'authorized',
      rule: { clusterSecurityGroupName: 'analytics-prod', cidrIp: '203.0.113.0/24' },
      attempt: 1,
      processedAt: '2026-11-27T05:00:00.000Z',
    });
    expect(sqsMock.commandCalls(ChangeMessageVisibilityBatchCommand)).toHaveLength(0);
  });

  it('says a record whose outcome SQS refuses even shortened was refused, not an outage', async () => {
    // Prepare
    sqsMock.on(SendMessageBatchCommand).callsFake((input: { Entries?: { Id?: string }[] }) => ({
      Successful: [],
      Failed: (input.Entries ?? []).map((entry) => ({
        Id: entry.Id,
        Code: 'InvalidMessageContents',
        SenderFault: true,
        Message: 'refused',
      })),
    }));
    const { processBatch, logs } = harness();
    const record = sqsRecordFactory(requestBody({ requestId: 'r1' }));

    // Act
    const response = await processBatch(sqsEventFactory([record]));

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
    expect(logs.filter((line) => line.level === 'error').map((line) => line.message)).toEqual([
      'Outcome refused by the results queue (sender fault), its shortened form too; the request is delivered again until the DLQ',
    ]);
  });
});

describe('policy at the handler', () => {
  it('rejects a blank approval under REQUIRE_APPROVAL, and revokes a foreign EC2 grant under ALLOWED_EC2_OWNER_IDS', async () => {
    // Prepare
    acceptAllSends();
    const { processBatch } = harness({
      config: {
        policy: {
          allowedGroups: ['analytics-*'],
          minCidrPrefix: 16,
          requireApproval: true,
          allowedEc2OwnerIds: ['444455556666'],
        },
      },
    });
    const foreign = {
      cidrIp: undefined,
      ec2SecurityGroupName: 'bi',
      ec2SecurityGroupOwnerId: '111122223333',
    };

    // Act
    await processBatch(
      sqsEventFactory([
        sqsRecordFactory(
          requestBody({ requestId: 'blank', approval: { ticket: 'CHG-1', approvedBy: '\u200b ' } }),
        ),
        sqsRecordFactory(requestBody({ requestId: 'prune', action: 'revoke', ...foreign })),
      ]),
    );

    // Assess
    const [blank, prune] = publishedOutcomes();
    expect(blank).toMatchObject({
      status: 'rejected',
      error: {
        code: 'PolicyRefused',
        message:
          'refused by REQUIRE_APPROVAL: approval.approvedBy: must contain a visible character (not only spaces, zero-width or control characters) (REQUIRE_APPROVAL is on)',
      },
    });
    expect(prune).toMatchObject({ requestId: 'prune', status: 'revoked' });
    expect(redshiftMock.commandCalls(AuthorizeClusterSecurityGroupIngressCommand)).toHaveLength(0);
  });
});

describe('FIFO results and token redaction at the handler', () => {
  it('gives outcomes of names differing only in case one FIFO message group, the lower-case name', async () => {
    // Prepare
    acceptAllSends();
    const sqs = new SQSClient({ region: 'us-east-1' });
    const processBatch = makeProcessBatch({
      backends: {
        clusterSecurityGroup: createRedshiftIngress(new RedshiftClient({ region: 'us-east-1' })),
        vpcSecurityGroup: unusedVpcBackend,
      },
      callbacks: noCallbacks,
      results: createQueuePublisher(sqs, 'https://sqs.us-east-1.amazonaws.com/123456789012/results.fifo'),
      visibility: createVisibilityController(sqs),
      queueUrlOf: (arn) => queueUrlFromArn(arn),
      config: {
        policy: { allowedGroups: ['analytics-*'], minCidrPrefix: 16, requireApproval: false },
        maxReceiveCount: 5,
        concurrency: 4,
        retryBaseSeconds: 30,
        retryMaxSeconds: 900,
      },
      logger: silentLogger,
    });

    // Act
    await processBatch(
      sqsEventFactory([
        sqsRecordFactory(requestBody({ clusterSecurityGroupName: 'Analytics-Prod' })),
        sqsRecordFactory(requestBody({ clusterSecurityGroupName: 'analytics-prod', cidrIp: '10.0.0.0/16' })),
      ]),
    );

    // Assess
    const groups = sqsMock
      .commandCalls(SendMessageBatchCommand)
      .flatMap((call) => (call.args[0].input.Entries ?? []).map((entry) => entry.MessageGroupId));
    expect(groups).toEqual(['analytics-prod', 'analytics-prod']);
  });

  it('never logs 16 characters of a task token that Step Functions quotes in part', async () => {
    // Prepare: a message quoting a stretch of the token's middle.
    acceptAllSends();
    sfnMock.on(SendTaskSuccessCommand).rejects(
      new KmsInvalidStateException({
        message: `key disabled for token ...${TOKEN.slice(90, 130)}...`,
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const { processBatch, logs } = harness();
    const record = sqsRecordFactory(requestBody({ taskToken: TOKEN }));

    // Act
    const response = await processBatch(sqsEventFactory([record]));

    // Assess: KMS in an invalid state is retried; nothing in the logs quotes the token.
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
    const failure = logs.find((line) => line.message === 'Step Functions callback failed');
    expect(failure?.fields).toMatchObject({
      error: {
        code: 'KmsInvalidStateException',
        message: expect.stringContaining('key disabled for token ...***...'),
      },
      willRetry: true,
    });
    expect(showsToken(logs)).toBe(false);
  });

  it('acknowledges a record whose task cannot be answered on its last attempt, saying it is not retried', async () => {
    // Prepare: Step Functions unreachable on the record's fifth and last delivery.
    acceptAllSends();
    sfnMock
      .on(SendTaskSuccessCommand)
      .rejects(Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }));
    const { processBatch, logs } = harness();
    const record = sqsRecordFactory(requestBody({ taskToken: TOKEN }), { receiveCount: 5 });

    // Act
    const response = await processBatch(sqsEventFactory([record]));

    // Assess: a retry would only move the settled request to the DLQ.
    expect(response.batchItemFailures).toEqual([]);
    const failure = logs.find((line) => line.message === 'Step Functions callback failed');
    expect(failure?.fields).toMatchObject({ error: { code: 'NetworkError' }, willRetry: false });
    expect(sqsMock.commandCalls(ChangeMessageVisibilityBatchCommand)).toHaveLength(0);
  });

  it('drops a callback Step Functions refuses as InvalidOutput, acknowledging the record', async () => {
    // Prepare
    acceptAllSends();
    sfnMock
      .on(SendTaskSuccessCommand)
      .rejects(new InvalidOutput({ message: 'too large', $metadata: { httpStatusCode: 400 } }));
    const { processBatch, logs } = harness();

    // Act
    const response = await processBatch(
      sqsEventFactory([sqsRecordFactory(requestBody({ taskToken: TOKEN }))]),
    );

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(
      logs.find((line) => line.message === 'Step Functions task no longer waits; callback dropped')?.fields,
    ).toMatchObject({
      reason: 'InvalidOutput: too large (Step Functions refuses this answer; not retried)',
    });
  });
});

describe('retry delay within the 12 hours of visibility', () => {
  it('cuts the delay so the record is never kept invisible beyond 12 hours from its receive', async () => {
    // Prepare: the longest backoff, the top of its jitter, and 100 s spent in the invocation.
    acceptAllSends();
    redshiftMock.on(AuthorizeClusterSecurityGroupIngressCommand).rejects(redshiftErrors.throttling());
    const sqs = new SQSClient({ region: 'us-east-1' });
    const start = Date.parse('2026-11-27T05:00:00.000Z');
    let reads = 0;
    const processBatch = makeProcessBatch({
      backends: {
        clusterSecurityGroup: createRedshiftIngress(new RedshiftClient({ region: 'us-east-1' })),
        vpcSecurityGroup: unusedVpcBackend,
      },
      callbacks: noCallbacks,
      results: createQueuePublisher(sqs, 'https://sqs.us-east-1.amazonaws.com/123456789012/results'),
      visibility: createVisibilityController(sqs),
      queueUrlOf: (arn) => queueUrlFromArn(arn),
      config: {
        policy: { allowedGroups: ['analytics-*'], minCidrPrefix: 16, requireApproval: false },
        maxReceiveCount: 5,
        concurrency: 4,
        retryBaseSeconds: 43_200,
        retryMaxSeconds: 43_200,
      },
      logger: silentLogger,
      now: () => new Date(reads++ === 0 ? start : start + 100_000),
      random: () => 0.999_999,
    });

    // Act
    const response = await processBatch(
      sqsEventFactory([sqsRecordFactory(requestBody(), { receiveCount: 3 })]),
    );

    // Assess: 43,200 s less the 300 s batching window and the 100 s of the invocation.
    expect(response.batchItemFailures).toHaveLength(1);
    const timeouts = sqsMock
      .commandCalls(ChangeMessageVisibilityBatchCommand)
      .flatMap((call) => (call.args[0].input.Entries ?? []).map((entry) => entry.VisibilityTimeout));
    expect(timeouts).toEqual([42_800]);
  });
});
