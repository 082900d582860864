import {
  AuthorizeClusterSecurityGroupIngressCommand,
  RedshiftClient,
  RevokeClusterSecurityGroupIngressCommand,
} from '@aws-sdk/client-redshift';
import {
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { ChangeMessageVisibilityBatchCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { formatProblems, parseRequest } from '../../src/domain/request.js';
import { redshiftErrors } from '../helpers/aws-errors.js';
import {
  acceptAllSends as acceptAllSendsOf,
  type BatchHarnessOptions,
  createBatchHarness,
  publishedOutcomes as publishedOutcomesOf,
} from '../helpers/batch-harness.js';
import { requestBody, sqsEventFactory, sqsRecordFactory } from '../helpers/factories.js';

const APPROVAL = { ticket: 'CHG-1042', approvedBy: 'alice@example.com', approvedAt: '2026-11-26T10:00:00Z' };
/** A token as long as real ones, with a recognisable middle that must never reach a log. */
const TOKEN = `AQCE${'A'.repeat(300)}+the-secret-middle+${'B'.repeat(300)}alue`;
const REDACTED = 'AQCE...alue';

const redshiftMock = mockClient(RedshiftClient);
const sqsMock = mockClient(SQSClient);
const sfnMock = mockClient(SFNClient);

const harness = (options: BatchHarnessOptions = {}) => createBatchHarness(options);
const publishedOutcomes = () => publishedOutcomesOf(sqsMock);
const acceptAllSends = () => acceptAllSendsOf(sqsMock);

/** A request of the workflow: approved, with a task token, overridable field by field. */
const approvedRequest = (overrides: Record<string, unknown> = {}) =>
  requestBody({ requestId: 'chg-1042-nyc', approval: APPROVAL, taskToken: TOKEN, ...overrides });

/** Log lines about the whole batch rather than one request. */
const BATCH_LINES = new Set(['Batch processed']);

interface Scenario {
  readonly name: string;
  readonly prepare?: () => void;
  readonly options?: BatchHarnessOptions;
  readonly records: () => SQSRecord[];
  /** Messages that must appear, so each path is really taken. */
  readonly lines: readonly string[];
}

const scenarios: readonly Scenario[] = [
  {
    name: 'authorized and answered',
    records: () => [sqsRecordFactory(approvedRequest())],
    lines: ['Request processed', 'Step Functions task answered'],
  },
  {
    name: 'refused by policy',
    records: () => [sqsRecordFactory(approvedRequest({ clusterSecurityGroupName: 'finance' }))],
    lines: ['Request processed', 'Step Functions task answered'],
  },
  {
    name: 'an invalid body that still names its approval',
    records: () => [sqsRecordFactory(approvedRequest({ cidrIp: '203.0.113.7/24' }))],
    lines: ['Request processed', 'Step Functions task answered'],
  },
  {
    name: 'a transient failure whose retry delay cannot be set',
    prepare: () => {
      redshiftMock.on(AuthorizeClusterSecurityGroupIngressCommand).rejects(redshiftErrors.throttling());
      sqsMock
        .on(ChangeMessageVisibilityBatchCommand)
        .resolves({ Failed: [{ Id: '0', Code: 'ReceiptHandleIsInvalid', SenderFault: true }] });
    },
    records: () => [sqsRecordFactory(approvedRequest())],
    lines: [
      'Transient failure; the request will be retried',
      'Could not set the retry delay; the request returns after the visibility timeout',
    ],
  },
  {
    name: 'a transient failure from a queue the function does not know',
    prepare: () => {
      redshiftMock.on(AuthorizeClusterSecurityGroupIngressCommand).rejects(redshiftErrors.throttling());
    },
    options: {
      queueUrlOf: (arn) => {
        throw new Error(`eventSourceARN: no queue URL for ${arn}`);
      },
    },
    records: () => [sqsRecordFactory(approvedRequest())],
    lines: ['Transient failure; the request will be retried', 'Cannot defer a retry: unknown queue'],
  },
  {
    name: 'failed on its last attempt',
    prepare: () => {
      redshiftMock.on(AuthorizeClusterSecurityGroupIngressCommand).rejects(redshiftErrors.serverError());
    },
    records: () => [sqsRecordFactory(approvedRequest(), { receiveCount: 5 })],
    lines: ['Request failed on its last attempt', 'Step Functions task answered'],
  },
  {
    name: 'a FIFO request not attempted after an earlier failure of its message group',
    prepare: () => {
      redshiftMock
        .on(AuthorizeClusterSecurityGroupIngressCommand, { CIDRIP: '10.0.0.0/16' })
        .rejects(redshiftErrors.throttling());
    },
    records: () => [
      sqsRecordFactory(approvedRequest({ cidrIp: '10.0.0.0/16' }), { messageGroupId: 'g' }),
      sqsRecordFactory(approvedRequest({ cidrIp: '10.1.0.0/16' }), { messageGroupId: 'g' }),
    ],
    lines: ['Not attempted: an earlier request of its FIFO message group failed'],
  },
  {
    name: 'a FIFO request skipped on its last delivery, answered as failed',
    prepare: () => {
      redshiftMock
        .on(AuthorizeClusterSecurityGroupIngressCommand, { CIDRIP: '10.0.0.0/16' })
        .rejects(redshiftErrors.throttling());
    },
    records: () => [
      sqsRecordFactory(approvedRequest({ cidrIp: '10.0.0.0/16' }), { messageGroupId: 'g' }),
      sqsRecordFactory(approvedRequest({ cidrIp: '10.1.0.0/16' }), { messageGroupId: 'g', receiveCount: 5 }),
    ],
    lines: ['Request failed on its last attempt', 'Step Functions task answered'],
  },
  {
    name: 'an outcome the results queue never accepts',
    prepare: () => {
      sqsMock.on(SendMessageBatchCommand).callsFake((input: { Entries?: { Id?: string }[] }) => ({
        Successful: [],
        Failed: (input.Entries ?? []).map((entry) => ({
          Id: entry.Id,
          Code: 'InternalError',
          SenderFault: false,
          Message: 'try again',
        })),
      }));
    },
    records: () => [sqsRecordFactory(approvedRequest())],
    lines: ['Outcome not accepted by the results queue; the request will be retried'],
  },
  {
    name: 'a task that timed out, quoted whole in the error message',
    prepare: () => {
      sfnMock
        .on(SendTaskSuccessCommand)
        .rejects(new TaskTimedOut({ message: `Task Timed Out: '${TOKEN}'`, $metadata: {} }));
    },
    records: () => [sqsRecordFactory(approvedRequest())],
    lines: ['Request processed', 'Step Functions task no longer waits; callback dropped'],
  },
  {
    name: 'Step Functions unreachable, the token quoted in the error message',
    prepare: () => {
      sfnMock
        .on(SendTaskSuccessCommand)
        .rejects(Object.assign(new Error(`connect ETIMEDOUT for ${TOKEN}`), { code: 'ETIMEDOUT' }));
    },
    records: () => [sqsRecordFactory(approvedRequest())],
    lines: ['Request processed', 'Step Functions callback failed'],
  },
];

describe('approval and task tokens through the batch processor', () => {
  beforeEach(() => {
    redshiftMock.reset();
    sqsMock.reset();
    sfnMock.reset();
    acceptAllSends();
    sqsMock.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });
    redshiftMock.on(AuthorizeClusterSecurityGroupIngressCommand).resolves({});
    redshiftMock.on(RevokeClusterSecurityGroupIngressCommand).resolves({});
    sfnMock.on(SendTaskSuccessCommand).resolves({});
    sfnMock.on(SendTaskFailureCommand).resolves({});
  });

  it.each(scenarios.map((scenario) => [scenario.name, scenario] as const))(
    '%s: every line about the request carries its approval, none holds the whole token',
    async (_name, scenario) => {
      // Prepare
      scenario.prepare?.();
      const { processBatch, logs } = harness(scenario.options);

      // Act
      await processBatch(sqsEventFactory(scenario.records()));

      // Assess
      expect(logs.map((line) => line.message)).toEqual(expect.arrayContaining([...scenario.lines]));
      const requestLines = logs.filter((line) => !BATCH_LINES.has(line.message));
      for (const line of requestLines) {
        expect(line.fields, line.message).toMatchObject({ requestId: 'chg-1042-nyc', approval: APPROVAL });
      }
      for (const line of logs.filter((entry) => 'taskToken' in entry.fields)) {
        expect(line.fields.taskToken, line.message).toBe(REDACTED);
      }
      expect(JSON.stringify(logs)).not.toContain('the-secret-middle');
      for (const outcome of publishedOutcomes()) {
        expect(outcome.approval).toEqual(APPROVAL);
        expect(JSON.stringify(outcome)).not.toContain('the-secret-middle');
      }
    },
  );

  it.each([
    ['TaskTimedOut', () => new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} })],
    ['InvalidToken', () => new InvalidToken({ message: 'Invalid token', $metadata: {} })],
    ['TaskDoesNotExist', () => new TaskDoesNotExist({ message: 'Task does not exist', $metadata: {} })],
  ] as const)(
    '%s from Step Functions is logged and never fails the record, on success and on failure',
    async (name, makeError) => {
      // Prepare
      sfnMock.on(SendTaskSuccessCommand).rejects(makeError());
      sfnMock.on(SendTaskFailureCommand).rejects(makeError());
      const { processBatch, logs } = harness();

      // Act
      const response = await processBatch(
        sqsEventFactory([
          sqsRecordFactory(approvedRequest(), { messageId: 'ok' }),
          sqsRecordFactory(approvedRequest({ clusterSecurityGroupName: 'finance' }), {
            messageId: 'refused',
          }),
        ]),
      );

      // Assess
      expect(response.batchItemFailures).toEqual([]);
      expect(sqsMock).not.toHaveReceivedCommand(ChangeMessageVisibilityBatchCommand);
      expect(publishedOutcomes().map((outcome) => [outcome.messageId, outcome.status])).toEqual([
        ['ok', 'authorized'],
        ['refused', 'rejected'],
      ]);
      const dropped = logs.filter((line) => line.message.startsWith('Step Functions task no longer waits'));
      expect(dropped.map((line) => [line.level, line.fields.messageId, line.fields.reason])).toEqual([
        ['warn', 'ok', expect.stringMatching(new RegExp(`^${name}: `))],
        ['warn', 'refused', expect.stringMatching(new RegExp(`^${name}: `))],
      ]);
    },
  );

  it('answers a task only after its outcome was accepted by the results queue', async () => {
    // Prepare
    const order: string[] = [];
    sqsMock.on(SendMessageBatchCommand).callsFake((input: { Entries?: { Id?: string }[] }) => {
      order.push('SendMessageBatch');
      return {
        Successful: (input.Entries ?? []).map((entry) => ({ Id: entry.Id, MessageId: 'x' })),
        Failed: [],
      };
    });
    sfnMock.on(SendTaskSuccessCommand).callsFake(() => {
      order.push('SendTaskSuccess');
      return {};
    });
    const { processBatch } = harness();

    // Act
    await processBatch(sqsEventFactory([sqsRecordFactory(approvedRequest())]));

    // Assess
    expect(order).toEqual(['SendMessageBatch', 'SendTaskSuccess']);
  });

  it('answers no task whose outcome the results queue did not accept: the redelivery answers it', async () => {
    // Prepare
    sqsMock.on(SendMessageBatchCommand).callsFake((input: { Entries?: { Id?: string }[] }) => ({
      Successful: [],
      Failed: (input.Entries ?? []).map((entry) => ({
        Id: entry.Id,
        Code: 'InternalError',
        SenderFault: false,
      })),
    }));
    const { processBatch } = harness();

    // Act
    const response = await processBatch(
      sqsEventFactory([sqsRecordFactory(approvedRequest(), { messageId: 'lost' })]),
    );

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'lost' }]);
    expect(sfnMock).not.toHaveReceivedCommand(SendTaskSuccessCommand);
    expect(sfnMock).not.toHaveReceivedCommand(SendTaskFailureCommand);
  });

  describe('REQUIRE_APPROVAL', () => {
    const strict = {
      config: { policy: { allowedGroups: ['analytics-*'], minCidrPrefix: 16, requireApproval: true } },
    };

    it('rejects an authorize without ticket and approver, saying so, and fails its task with PolicyRefused', async () => {
      // Prepare
      const { processBatch } = harness(strict);

      // Act
      const response = await processBatch(
        sqsEventFactory([sqsRecordFactory(approvedRequest({ approval: undefined }))]),
      );

      // Assess
      expect(response.batchItemFailures).toEqual([]);
      const message =
        'refused by REQUIRE_APPROVAL: approval.ticket: is required; approval.approvedBy: is required (REQUIRE_APPROVAL is on)';
      expect(publishedOutcomes().map((outcome) => [outcome.status, outcome.error])).toEqual([
        ['rejected', { code: 'PolicyRefused', message, retryable: false }],
      ]);
      expect(redshiftMock).not.toHaveReceivedCommand(AuthorizeClusterSecurityGroupIngressCommand);
      expect(sfnMock).toHaveReceivedCommandExactlyOnceWith(SendTaskFailureCommand, {
        taskToken: TOKEN,
        error: 'PolicyRefused',
        cause: message,
      });
    });

    it('names only what is missing: an approver without a ticket', async () => {
      // Prepare
      const { processBatch } = harness(strict);

      // Act
      await processBatch(
        sqsEventFactory([
          sqsRecordFactory(approvedRequest({ approval: { approvedBy: 'alice@example.com' } })),
        ]),
      );

      // Assess
      const [outcome] = publishedOutcomes();
      expect(outcome?.error?.message).toBe(
        'refused by REQUIRE_APPROVAL: approval.ticket: is required (REQUIRE_APPROVAL is on)',
      );
      expect(outcome?.approval).toEqual({ approvedBy: 'alice@example.com' });
    });

    it('authorizes an approved request and lets a revoke through without approval', async () => {
      // Prepare
      const { processBatch } = harness(strict);

      // Act
      await processBatch(
        sqsEventFactory([
          sqsRecordFactory(approvedRequest({ taskToken: undefined })),
          sqsRecordFactory(requestBody({ requestId: 'close', action: 'revoke', cidrIp: '198.51.100.0/24' })),
        ]),
      );

      // Assess
      expect(publishedOutcomes().map((outcome) => [outcome.requestId, outcome.status])).toEqual([
        ['chg-1042-nyc', 'authorized'],
        ['close', 'revoked'],
      ]);
    });
  });

  it('keeps the valid approval fields of a rejected request, so its ticket still hears of it', async () => {
    // Prepare
    const { processBatch, logs } = harness();
    const approval = { ticket: 'CHG-1042', approvedBy: 'alice@example.com', approvedAt: 'yesterday' };

    // Act
    await processBatch(sqsEventFactory([sqsRecordFactory(approvedRequest({ approval }))]));

    // Assess
    const [outcome] = publishedOutcomes();
    expect(outcome).toMatchObject({
      status: 'rejected',
      error: { code: 'InvalidRequest', message: 'approval.approvedAt: must be an ISO 8601 date-time' },
      approval: { ticket: 'CHG-1042', approvedBy: 'alice@example.com' },
    });
    expect(outcome?.approval).not.toHaveProperty('approvedAt');
    expect(logs.find((line) => line.message === 'Request processed')?.fields.approval).toEqual(
      outcome?.approval,
    );
    expect(sfnMock).toHaveReceivedCommandWith(SendTaskFailureCommand, {
      taskToken: TOKEN,
      error: 'InvalidRequest',
    });
  });

  it('accepts task tokens up to 2048 characters, the Step Functions API limit, and names the field past it', () => {
    // Prepare
    const longest = JSON.stringify(approvedRequest({ taskToken: 'T'.repeat(2048) }));
    const tooLong = JSON.stringify(approvedRequest({ taskToken: 'T'.repeat(2049) }));

    // Act
    const accepted = parseRequest(longest, 'm-1');
    const refused = parseRequest(tooLong, 'm-2');

    // Assess
    expect(accepted.ok).toBe(true);
    expect(refused.ok ? '' : formatProblems(refused.problems)).toBe(
      'taskToken: must be at most 2048 characters',
    );
  });
});
