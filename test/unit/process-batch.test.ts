import {
  AuthorizeClusterSecurityGroupIngressCommand,
  RedshiftClient,
  RevokeClusterSecurityGroupIngressCommand,
} from '@aws-sdk/client-redshift';
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient, TaskTimedOut } from '@aws-sdk/client-sfn';
import { ChangeMessageVisibilityBatchCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ProcessBatchDeps } from '../../src/app/process-batch.js';
import { redshiftErrors } from '../helpers/aws-errors.js';
import {
  acceptAllSends,
  createBatchHarness,
  publishedOutcomes as publishedOutcomesOf,
  RESULTS_URL,
} from '../helpers/batch-harness.js';
import { requestBody, sqsEventFactory, sqsRecordFactory } from '../helpers/factories.js';

const REQUESTS_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/requests';

const redshiftMock = mockClient(RedshiftClient);
const sqsMock = mockClient(SQSClient);
const sfnMock = mockClient(SFNClient);

const harness = (config: Partial<ProcessBatchDeps['config']> = {}) => createBatchHarness({ config });
const publishedOutcomes = () => publishedOutcomesOf(sqsMock);
const succeedAllSends = () => acceptAllSends(sqsMock);

const record = sqsRecordFactory;
const event = (...records: ReturnType<typeof record>[]) => sqsEventFactory(records);

describe('makeProcessBatch', () => {
  beforeEach(() => {
    redshiftMock.reset();
    sqsMock.reset();
    sfnMock.reset();
    succeedAllSends();
    sqsMock.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });
    redshiftMock.on(AuthorizeClusterSecurityGroupIngressCommand).resolves({});
    redshiftMock.on(RevokeClusterSecurityGroupIngressCommand).resolves({});
  });

  it('authorizes a request and publishes its outcome with filter attributes', async () => {
    // Prepare
    const { processBatch } = harness();
    const body = requestBody({
      requestId: 'chg-1042-nyc',
      reason: 'New NYC office',
      approval: { ticket: 'CHG-1042', approvedBy: 'alice@example.com', approvedAt: '2026-11-26T10:00:00Z' },
    });

    // Act
    const response = await processBatch(event(record(body, { messageId: 'm-1' })));

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(publishedOutcomes()).toEqual([
      {
        type: 'ingress-outcome',
        version: 1,
        requestId: 'chg-1042-nyc',
        messageId: 'm-1',
        action: 'authorize',
        status: 'authorized',
        rule: { clusterSecurityGroupName: 'analytics-prod', cidrIp: '203.0.113.0/24' },
        attempt: 1,
        requestedBy: 'office-onboarding',
        reason: 'New NYC office',
        approval: { ticket: 'CHG-1042', approvedBy: 'alice@example.com', approvedAt: '2026-11-26T10:00:00Z' },
        processedAt: '2026-11-27T05:00:00.000Z',
      },
    ]);
    expect(sqsMock).toHaveReceivedCommandWith(SendMessageBatchCommand, {
      QueueUrl: RESULTS_URL,
      Entries: [
        expect.objectContaining({
          MessageAttributes: {
            status: { DataType: 'String', StringValue: 'authorized' },
            action: { DataType: 'String', StringValue: 'authorize' },
            clusterSecurityGroupName: { DataType: 'String', StringValue: 'analytics-prod' },
          },
        }),
      ],
    });
  });

  it.each([
    ['authorize', redshiftErrors.alreadyExists, 'already-authorized', undefined],
    ['revoke', undefined, 'revoked', undefined],
    ['revoke', redshiftErrors.notFound, 'already-revoked', undefined],
    ['authorize', redshiftErrors.groupNotFound, 'rejected', 'ClusterSecurityGroupNotFoundFault'],
    ['authorize', redshiftErrors.quota, 'rejected', 'AuthorizationQuotaExceededFault'],
    ['authorize', redshiftErrors.invalidParameter, 'rejected', 'InvalidParameterValue'],
    ['revoke', redshiftErrors.invalidCombination, 'rejected', 'InvalidParameterCombination'],
  ] as const)(
    '%s answered with %o gives %s and deletes the request',
    async (action, makeError, status, code) => {
      // Prepare
      const command =
        action === 'authorize'
          ? AuthorizeClusterSecurityGroupIngressCommand
          : RevokeClusterSecurityGroupIngressCommand;
      if (makeError) redshiftMock.on(command).rejects(makeError());
      const { processBatch, metrics } = harness();

      // Act
      const response = await processBatch(event(record(requestBody({ action }))));

      // Assess
      expect(response.batchItemFailures).toEqual([]);
      const [outcome] = publishedOutcomes();
      expect(outcome?.status).toBe(status);
      expect(outcome?.error?.code).toBe(code);
      if (code) expect(outcome?.error?.retryable).toBe(false);
      expect(metrics[`status-${status}`]).toBe(1);
    },
  );

  it('rejects an invalid body with the field and reason, without calling Redshift or failing the batch', async () => {
    // Prepare
    const { processBatch } = harness();

    // Act
    const response = await processBatch(
      event(
        record('not json', { messageId: 'bad-1' }),
        record(requestBody({ requestId: 'typo', cidrIp: '203.0.113.7/24' }), { messageId: 'bad-2' }),
        record(requestBody(), { messageId: 'good' }),
      ),
    );

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const outcomes = publishedOutcomes();
    expect(outcomes.map((o) => [o.requestId, o.status, o.error?.code])).toEqual([
      ['bad-1', 'rejected', 'InvalidRequest'],
      ['typo', 'rejected', 'InvalidRequest'],
      ['good', 'authorized', undefined],
    ]);
    expect(outcomes[0]?.error?.message).toMatch(/^body: is not valid JSON/);
    expect(outcomes[0]?.rule).toBeUndefined();
    expect(outcomes[1]?.error?.message).toBe('cidrIp: has host bits set; the network is 203.0.113.0/24');
    expect(redshiftMock).toHaveReceivedCommandTimes(AuthorizeClusterSecurityGroupIngressCommand, 1);
  });

  it('rejects by policy naming the rule, without calling Redshift', async () => {
    // Prepare
    const { processBatch } = harness();

    // Act
    await processBatch(
      event(
        record(requestBody({ clusterSecurityGroupName: 'finance' })),
        record(requestBody({ cidrIp: '0.0.0.0/0' })),
      ),
    );

    // Assess
    expect(publishedOutcomes().map((o) => [o.status, o.error?.code, o.error?.message])).toEqual([
      [
        'rejected',
        'PolicyRefused',
        'refused by ALLOWED_GROUPS: clusterSecurityGroupName: "finance" is not in ALLOWED_GROUPS (analytics-*)',
      ],
      [
        'rejected',
        'PolicyRefused',
        'refused by MIN_CIDR_PREFIX: cidrIp: 0.0.0.0/0 is broader than MIN_CIDR_PREFIX /16',
      ],
    ]);
    expect(redshiftMock).not.toHaveReceivedCommand(AuthorizeClusterSecurityGroupIngressCommand);
  });

  it('coalesces identical requests into one API call, each with its own outcome', async () => {
    // Prepare
    const { processBatch, metrics } = harness();

    // Act
    const response = await processBatch(
      event(
        record(requestBody({ requestId: 'a' })),
        record(requestBody({ requestId: 'b', cidrIp: '203.0.113.0/24' })),
        record(requestBody({ requestId: 'c', cidrIp: '198.51.100.0/24' })),
        record(requestBody({ requestId: 'd' })),
      ),
    );

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(redshiftMock).toHaveReceivedCommandTimes(AuthorizeClusterSecurityGroupIngressCommand, 2);
    expect(publishedOutcomes().map((o) => [o.requestId, o.status])).toEqual([
      ['a', 'authorized'],
      ['b', 'authorized'],
      ['c', 'authorized'],
      ['d', 'authorized'],
    ]);
    expect(metrics['redshift-calls']).toBe(2);
  });

  it('keeps arrival order within a group, including a revoke between two authorizes', async () => {
    // Prepare
    const calls: string[] = [];
    const delayed =
      (name: string) => async (input: { ClusterSecurityGroupName?: string; CIDRIP?: string }) => {
        calls.push(`${name} ${input.ClusterSecurityGroupName} ${input.CIDRIP} start`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        calls.push(`${name} ${input.ClusterSecurityGroupName} ${input.CIDRIP} end`);
        return {};
      };
    redshiftMock.on(AuthorizeClusterSecurityGroupIngressCommand).callsFake(delayed('authorize'));
    redshiftMock.on(RevokeClusterSecurityGroupIngressCommand).callsFake(delayed('revoke'));
    const { processBatch } = harness();

    // Act
    await processBatch(
      event(
        record(requestBody({ cidrIp: '10.1.0.0/16' })),
        record(requestBody({ cidrIp: '10.1.0.0/16', action: 'revoke' })),
        record(requestBody({ cidrIp: '10.1.0.0/16' })),
      ),
    );

    // Assess
    expect(calls).toEqual([
      'authorize analytics-prod 10.1.0.0/16 start',
      'authorize analytics-prod 10.1.0.0/16 end',
      'revoke analytics-prod 10.1.0.0/16 start',
      'revoke analytics-prod 10.1.0.0/16 end',
      'authorize analytics-prod 10.1.0.0/16 start',
      'authorize analytics-prod 10.1.0.0/16 end',
    ]);
  });

  it('runs different groups in parallel, never more than CONCURRENCY at once', async () => {
    // Prepare
    let inFlight = 0;
    let peak = 0;
    redshiftMock.on(AuthorizeClusterSecurityGroupIngressCommand).callsFake(async () => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight -= 1;
      return {};
    });
    const { processBatch } = harness({ concurrency: 3 });
    const records = Array.from({ length: 10 }, (_, index) =>
      record(requestBody({ clusterSecurityGroupName: `analytics-${index}` })),
    );

    // Act
    await processBatch(event(...records));

    // Assess
    expect(peak).toBe(3);
    expect(redshiftMock).toHaveReceivedCommandTimes(AuthorizeClusterSecurityGroupIngressCommand, 10);
  });

  it('FIFO: after the first failure in a message group, the rest of it fails without being attempted', async () => {
    // Prepare
    redshiftMock
      .on(AuthorizeClusterSecurityGroupIngressCommand, { CIDRIP: '10.1.0.0/16' })
      .rejects(redshiftErrors.throttling());
    const { processBatch } = harness();

    // Act
    const response = await processBatch(
      event(
        record(requestBody({ cidrIp: '10.0.0.0/16' }), { messageId: 'g1-1', messageGroupId: 'g1' }),
        record(requestBody({ cidrIp: '10.1.0.0/16' }), { messageId: 'g1-2', messageGroupId: 'g1' }),
        record(requestBody({ clusterSecurityGroupName: 'analytics-b', cidrIp: '10.2.0.0/16' }), {
          messageId: 'g1-3',
          messageGroupId: 'g1',
        }),
        record('not json', { messageId: 'g1-4', messageGroupId: 'g1' }),
        record(requestBody({ clusterSecurityGroupName: 'analytics-c', cidrIp: '10.3.0.0/16' }), {
          messageId: 'g2-1',
          messageGroupId: 'g2',
        }),
      ),
    );

    // Assess
    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: 'g1-2' },
      { itemIdentifier: 'g1-3' },
      { itemIdentifier: 'g1-4' },
    ]);
    expect(redshiftMock).not.toHaveReceivedCommandWith(AuthorizeClusterSecurityGroupIngressCommand, {
      CIDRIP: '10.2.0.0/16',
    });
    expect(publishedOutcomes().map((o) => o.messageId)).toEqual(['g1-1', 'g2-1']);
  });

  it('FIFO: on its last delivery a skipped record gets its final outcome: failed on its way to the DLQ, or its rejection', async () => {
    // Prepare: both records are on their last delivery; the first fails, so the second is not attempted.
    redshiftMock.on(AuthorizeClusterSecurityGroupIngressCommand).rejects(redshiftErrors.serverError());
    const { processBatch } = harness({ maxReceiveCount: 4 });

    // Act
    const response = await processBatch(
      event(
        record(requestBody({ requestId: 'first', cidrIp: '10.0.0.0/16' }), {
          messageId: 'g1-1',
          messageGroupId: 'g1',
          receiveCount: 4,
        }),
        record(requestBody({ requestId: 'second', cidrIp: '10.1.0.0/16' }), {
          messageId: 'g1-2',
          messageGroupId: 'g1',
          receiveCount: 4,
        }),
        record('not json', { messageId: 'g1-3', messageGroupId: 'g1', receiveCount: 4 }),
      ),
    );

    // Assess: the invalid body needs no order, so it is rejected and deleted rather than dead-lettered.
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'g1-1' }, { itemIdentifier: 'g1-2' }]);
    expect(redshiftMock).toHaveReceivedCommandTimes(AuthorizeClusterSecurityGroupIngressCommand, 1);
    expect(publishedOutcomes()).toEqual([
      expect.objectContaining({ messageId: 'g1-1', status: 'failed', attempt: 4 }),
      expect.objectContaining({
        messageId: 'g1-2',
        status: 'failed',
        attempt: 4,
        error: {
          code: 'PrecedingRequestFailed',
          message:
            'not attempted: request first before it in FIFO message group g1 failed, and this was its last delivery (MAX_RECEIVE_COUNT 4)',
          retryable: true,
        },
      }),
      expect.objectContaining({
        messageId: 'g1-3',
        status: 'rejected',
        error: expect.objectContaining({ code: 'InvalidRequest' }),
      }),
    ]);
    expect(sqsMock).not.toHaveReceivedCommand(ChangeMessageVisibilityBatchCommand);
  });

  it('retries entries SendMessageBatch failed, then acknowledges once the outcome is accepted', async () => {
    // Prepare
    sqsMock
      .on(SendMessageBatchCommand)
      .resolvesOnce({
        Successful: [{ Id: '0', MessageId: 'x', MD5OfMessageBody: '' }],
        Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false, Message: 'try again' }],
      })
      .resolves({ Successful: [{ Id: '0', MessageId: 'y', MD5OfMessageBody: '' }], Failed: [] });
    const { processBatch } = harness();

    // Act
    const response = await processBatch(
      event(record(requestBody()), record(requestBody({ cidrIp: '10.9.0.0/16' }))),
    );

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageBatchCommand, 2);
  });

  it('reports a request failed when its outcome is never accepted, never losing it', async () => {
    // Prepare
    const isLost = (entry: { MessageBody?: string }) => entry.MessageBody?.includes('10.9.0.0/16') === true;
    sqsMock
      .on(SendMessageBatchCommand)
      .callsFake((input: { Entries?: { Id?: string; MessageBody?: string }[] }) => ({
        Successful: (input.Entries ?? [])
          .filter((e) => !isLost(e))
          .map((e) => ({ Id: e.Id, MessageId: 'x', MD5OfMessageBody: '' })),
        Failed: (input.Entries ?? [])
          .filter(isLost)
          .map((e) => ({ Id: e.Id, Code: 'InternalError', SenderFault: false })),
      }));
    const { processBatch, logs } = harness();

    // Act
    const response = await processBatch(
      event(
        record(requestBody(), { messageId: 'ok' }),
        record(requestBody({ cidrIp: '10.9.0.0/16' }), { messageId: 'lost' }),
      ),
    );

    // Assess: three rounds of sending, then the request is retried rather than acknowledged.
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'lost' }]);
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageBatchCommand, 3);
    expect(sqsMock).toHaveReceivedCommandWith(ChangeMessageVisibilityBatchCommand, {
      QueueUrl: REQUESTS_URL,
      Entries: [{ Id: '0', ReceiptHandle: 'receipt-lost', VisibilityTimeout: 23 }],
    });
    expect(logs.find((line) => line.level === 'error')?.fields).toMatchObject({
      messageId: 'lost',
      reason: 'InternalError: no message',
    });
  });

  it('a transient failure before the last attempt publishes nothing and backs off', async () => {
    // Prepare
    redshiftMock.on(AuthorizeClusterSecurityGroupIngressCommand).rejects(redshiftErrors.throttling());
    const { processBatch, metrics } = harness();

    // Act
    const response = await processBatch(
      event(
        record(requestBody(), { messageId: 'first', receiveCount: 1 }),
        record(requestBody({ cidrIp: '10.9.0.0/16' }), { messageId: 'third', receiveCount: 3 }),
      ),
    );

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'first' }, { itemIdentifier: 'third' }]);
    expect(sqsMock).not.toHaveReceivedCommand(SendMessageBatchCommand);
    // random() = 0.5: three quarters of 30 s, then of 120 s.
    expect(sqsMock).toHaveReceivedCommandWith(ChangeMessageVisibilityBatchCommand, {
      QueueUrl: REQUESTS_URL,
      Entries: [
        { Id: '0', ReceiptHandle: 'receipt-first', VisibilityTimeout: 23 },
        { Id: '1', ReceiptHandle: 'receipt-third', VisibilityTimeout: 90 },
      ],
    });
    expect(metrics.retries).toBe(2);
  });

  it('on the last attempt publishes a failed outcome and fails the record so it reaches the DLQ', async () => {
    // Prepare
    redshiftMock.on(AuthorizeClusterSecurityGroupIngressCommand).rejects(redshiftErrors.serverError());
    const { processBatch } = harness({ maxReceiveCount: 5 });

    // Act
    const response = await processBatch(event(record(requestBody(), { messageId: 'last', receiveCount: 5 })));

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'last' }]);
    expect(publishedOutcomes()).toEqual([
      expect.objectContaining({
        status: 'failed',
        attempt: 5,
        error: { code: 'InternalFailure', message: 'AWS server error: oops', retryable: true },
      }),
    ]);
    expect(sqsMock).not.toHaveReceivedCommand(ChangeMessageVisibilityBatchCommand);
  });

  it('treats a redelivered message exactly like a new one (no state across invocations)', async () => {
    // Prepare
    const { processBatch } = harness();
    const same = record(requestBody(), { messageId: 'again' });
    redshiftMock
      .on(AuthorizeClusterSecurityGroupIngressCommand)
      .resolvesOnce({})
      .rejects(redshiftErrors.alreadyExists());

    // Act
    await processBatch(event(same));
    await processBatch(event({ ...same, attributes: { ...same.attributes, ApproximateReceiveCount: '2' } }));

    // Assess
    expect(redshiftMock).toHaveReceivedCommandTimes(AuthorizeClusterSecurityGroupIngressCommand, 2);
    expect(publishedOutcomes().map((o) => [o.status, o.attempt])).toEqual([
      ['authorized', 1],
      ['already-authorized', 2],
    ]);
  });

  describe('Step Functions callbacks', () => {
    const token = 'AQCEAAAAKgAAAAMAAAAAAAAAAR+secret+token+value';

    it('answers success with the published outcome as output', async () => {
      // Prepare
      sfnMock.on(SendTaskSuccessCommand).resolves({});
      const { processBatch, logs } = harness();

      // Act
      const response = await processBatch(event(record(requestBody({ taskToken: token }))));

      // Assess
      expect(response.batchItemFailures).toEqual([]);
      const [outcome] = publishedOutcomes();
      expect(sfnMock).toHaveReceivedCommandExactlyOnceWith(SendTaskSuccessCommand, {
        taskToken: token,
        output: JSON.stringify(outcome),
      });
      expect(JSON.stringify(outcome)).not.toContain(token);
      expect(JSON.stringify(logs)).not.toContain(token);
    });

    it('answers failure with the fault code and message on rejected and failed', async () => {
      // Prepare
      sfnMock.on(SendTaskFailureCommand).resolves({});
      redshiftMock.on(AuthorizeClusterSecurityGroupIngressCommand).rejects(redshiftErrors.quota());
      const { processBatch } = harness();

      // Act
      await processBatch(event(record(requestBody({ taskToken: token }))));

      // Assess
      expect(sfnMock).toHaveReceivedCommandWith(SendTaskFailureCommand, {
        taskToken: token,
        error: 'AuthorizationQuotaExceededFault',
        cause: expect.stringContaining('this group already has 20 rules'),
      });
    });

    it('answers failure for an invalid body that still carries a task token', async () => {
      // Prepare
      sfnMock.on(SendTaskFailureCommand).resolves({});
      const { processBatch } = harness();

      // Act
      await processBatch(event(record(requestBody({ taskToken: token, cidrIp: '10.0.0.1/8' }))));

      // Assess
      expect(sfnMock).toHaveReceivedCommandWith(SendTaskFailureCommand, {
        taskToken: token,
        error: 'InvalidRequest',
        cause: 'cidrIp: has host bits set; the network is 10.0.0.0/8',
      });
    });

    it('sends nothing for a transient failure that will be retried', async () => {
      // Prepare
      redshiftMock.on(AuthorizeClusterSecurityGroupIngressCommand).rejects(redshiftErrors.throttling());
      const { processBatch } = harness();

      // Act
      await processBatch(event(record(requestBody({ taskToken: token }))));

      // Assess
      expect(sfnMock).not.toHaveReceivedCommand(SendTaskSuccessCommand);
      expect(sfnMock).not.toHaveReceivedCommand(SendTaskFailureCommand);
    });

    it('answers a failed outcome on the last attempt', async () => {
      // Prepare
      sfnMock.on(SendTaskFailureCommand).resolves({});
      redshiftMock.on(AuthorizeClusterSecurityGroupIngressCommand).rejects(redshiftErrors.throttling());
      const { processBatch } = harness();

      // Act
      await processBatch(event(record(requestBody({ taskToken: token }), { receiveCount: 5 })));

      // Assess
      expect(sfnMock).toHaveReceivedCommandWith(SendTaskFailureCommand, {
        taskToken: token,
        error: 'Throttling',
      });
    });

    it('logs a task that timed out and still acknowledges the request', async () => {
      // Prepare
      sfnMock
        .on(SendTaskSuccessCommand)
        .rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));
      const { processBatch, logs } = harness();

      // Act
      const response = await processBatch(event(record(requestBody({ taskToken: token }))));

      // Assess
      expect(response.batchItemFailures).toEqual([]);
      const warning = logs.find((line) => line.message.startsWith('Step Functions task no longer waits'));
      expect(warning?.fields).toMatchObject({
        taskToken: 'AQCE...alue',
        reason: 'TaskTimedOut: Task Timed Out',
      });
    });

    it('retries the request when Step Functions cannot be reached', async () => {
      // Prepare
      sfnMock
        .on(SendTaskSuccessCommand)
        .rejects(Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }));
      const { processBatch } = harness();

      // Act
      const response = await processBatch(
        event(record(requestBody({ taskToken: token }), { messageId: 'cb' })),
      );

      // Assess
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'cb' }]);
      expect(sqsMock).toHaveReceivedCommand(ChangeMessageVisibilityBatchCommand);
    });

    it('FIFO: a request retried for its callback holds back the later requests of its message group', async () => {
      // Prepare
      sfnMock
        .on(SendTaskSuccessCommand)
        .rejects(Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }));
      const { processBatch } = harness();

      // Act: the revoke must not be acknowledged while the authorize before it will run again.
      const response = await processBatch(
        event(
          record(requestBody({ taskToken: token, cidrIp: '10.1.0.0/16' }), {
            messageId: 'm1',
            messageGroupId: 'g',
          }),
          record(requestBody({ action: 'revoke', cidrIp: '10.1.0.0/16' }), {
            messageId: 'm2',
            messageGroupId: 'g',
          }),
          record(requestBody({ cidrIp: '10.2.0.0/16' }), { messageId: 'other', messageGroupId: 'h' }),
        ),
      );

      // Assess
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }, { itemIdentifier: 'm2' }]);
    });
  });

  it('logs requestId and messageId on every line about a request, never the whole body', async () => {
    // Prepare
    const { processBatch, logs } = harness();

    // Act
    await processBatch(
      event(record(requestBody({ requestId: 'r-1', reason: 'secret-ish reason' }), { messageId: 'm-9' })),
    );

    // Assess
    const line = logs.find((entry) => entry.message === 'Request processed');
    expect(line?.fields).toMatchObject({
      requestId: 'r-1',
      messageId: 'm-9',
      status: 'authorized',
      clusterSecurityGroupName: 'analytics-prod',
      target: '203.0.113.0/24',
    });
    expect(JSON.stringify(logs)).not.toContain('secret-ish reason');
  });
});
