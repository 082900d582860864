import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  SQSServiceException,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { redrive } from '../../cli/sqs/redrive.js';

const sqsMock = mockClient(SQSClient);
const DLQ = 'https://sqs.us-east-1.amazonaws.com/123456789012/requests-dlq';
const REQUESTS = 'https://sqs.us-east-1.amazonaws.com/123456789012/requests';

const unsupported = () =>
  new SQSServiceException({
    name: 'UnsupportedOperation',
    $fault: 'client',
    message: 'not here',
    $metadata: { httpStatusCode: 400 },
  });

beforeEach(() => {
  sqsMock.reset();
  sqsMock.on(GetQueueAttributesCommand).callsFake((input: { QueueUrl: string }) => ({
    Attributes: { QueueArn: `arn:aws:sqs:us-east-1:123456789012:${input.QueueUrl.split('/').pop()}` },
  }));
  sqsMock.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });
});

/** What the SDK throws when an endpoint answers with a page it cannot read (moto: HTTP 500 and HTML). */
const unreadableAnswer = (status: number) =>
  Object.assign(
    new SyntaxError(
      `Unexpected token '<', "<!doctype "... is not valid JSON\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.`,
    ),
    { $metadata: { httpStatusCode: status, attempts: 1, totalRetryDelay: 0 } },
  );

describe('redrive', () => {
  it('falls back when the endpoint answers StartMessageMoveTask with a page that is no AWS error, saying so', async () => {
    // Prepare
    sqsMock.on(StartMessageMoveTaskCommand).rejects(unreadableAnswer(500));
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [{ MessageId: 'a', ReceiptHandle: 'rh-a', Body: '{"n":1}' }] })
      .resolves({ Messages: [] });
    sqsMock.on(SendMessageBatchCommand).resolves({
      Successful: [{ Id: '0', MessageId: 'new-a', MD5OfMessageBody: 'x' }],
      Failed: [],
    });
    sqsMock.on(DeleteMessageBatchCommand).resolves({ Successful: [{ Id: '0' }], Failed: [] });

    // Act
    const result = await redrive(new SQSClient({ region: 'us-east-1' }), {
      dlqUrl: DLQ,
      destinationUrl: REQUESTS,
      timeoutMs: 10_000,
    });

    // Assess
    expect(result).toEqual({
      method: 'manual',
      status: 'completed',
      moved: 1,
      destinationUrl: REQUESTS,
      fallbackReason:
        'the endpoint answered StartMessageMoveTask with HTTP 500 and a body that is not an AWS error, so it does not implement message move tasks',
      notSent: 0,
      notDeleted: 0,
    });
  });

  it('does not fall back on an AWS error it can read (a server error, access denied): it reports it', async () => {
    // Prepare
    const serverError = new SQSServiceException({
      name: 'InternalError',
      $fault: 'server',
      message: 'We encountered an internal error. Please try again.',
      $metadata: { httpStatusCode: 500 },
    });
    sqsMock.on(StartMessageMoveTaskCommand).rejects(serverError);

    // Act
    const attempt = redrive(new SQSClient({ region: 'us-east-1' }), {
      dlqUrl: DLQ,
      destinationUrl: REQUESTS,
      timeoutMs: 10_000,
    });

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'InternalError' });
    expect(sqsMock).toHaveReceivedCommandTimes(ReceiveMessageCommand, 0);
  });

  it('falls back to receive, send and delete when StartMessageMoveTask is unsupported, deleting only what the source queue accepted', async () => {
    // Prepare: two messages; the source queue accepts the first and refuses the second.
    sqsMock.on(StartMessageMoveTaskCommand).rejects(unsupported());
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({
        Messages: [
          {
            MessageId: 'a',
            ReceiptHandle: 'rh-a',
            Body: '{"n":1}',
            Attributes: { ApproximateReceiveCount: '5' },
          },
          { MessageId: 'b', ReceiptHandle: 'rh-b', Body: '{"n":2}' },
        ],
      })
      .resolves({ Messages: [] });
    sqsMock.on(SendMessageBatchCommand).resolves({
      Successful: [{ Id: '0', MessageId: 'new-a', MD5OfMessageBody: 'x' }],
      Failed: [{ Id: '1', Code: 'InternalError', Message: 'try again', SenderFault: false }],
    });
    sqsMock.on(DeleteMessageBatchCommand).resolves({ Successful: [{ Id: '0' }], Failed: [] });

    // Act
    const result = await redrive(new SQSClient({ region: 'us-east-1' }), {
      dlqUrl: DLQ,
      destinationUrl: REQUESTS,
      timeoutMs: 10_000,
    });

    // Assess
    expect(result).toEqual({
      method: 'manual',
      status: 'failed',
      moved: 1,
      destinationUrl: REQUESTS,
      fallbackReason: 'UnsupportedOperation: not here',
      failureReason: 'InternalError: try again',
      notSent: 1,
      notDeleted: 0,
    });
    expect(sqsMock).toHaveReceivedCommandWith(SendMessageBatchCommand, {
      QueueUrl: REQUESTS,
      Entries: [
        { Id: '0', MessageBody: '{"n":1}' },
        { Id: '1', MessageBody: '{"n":2}' },
      ],
    });
    expect(sqsMock).toHaveReceivedCommandTimes(DeleteMessageBatchCommand, 1);
    expect(sqsMock).toHaveReceivedCommandWith(DeleteMessageBatchCommand, {
      QueueUrl: DLQ,
      Entries: [{ Id: '0', ReceiptHandle: 'rh-a' }],
    });
    // The refused message is made visible again on the DLQ at once.
    expect(sqsMock).toHaveReceivedCommandWith(ChangeMessageVisibilityBatchCommand, {
      QueueUrl: DLQ,
      Entries: [{ Id: '0', ReceiptHandle: 'rh-b', VisibilityTimeout: 0 }],
    });
  });

  it('follows a move task until it completes and reports how many messages it moved', async () => {
    // Prepare: the task runs for one check, then completes.
    sqsMock.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-1' });
    sqsMock
      .on(ListMessageMoveTasksCommand)
      .resolvesOnce({
        Results: [{ TaskHandle: 'task-1', Status: 'RUNNING', ApproximateNumberOfMessagesMoved: 3 }],
      })
      .resolves({
        Results: [{ TaskHandle: 'task-1', Status: 'COMPLETED', ApproximateNumberOfMessagesMoved: 7 }],
      });

    // Act
    const result = await redrive(new SQSClient({ region: 'us-east-1' }), {
      dlqUrl: DLQ,
      destinationUrl: REQUESTS,
      timeoutMs: 10_000,
      pollIntervalMs: 1,
    });

    // Assess
    expect(result).toMatchObject({
      method: 'move-task',
      status: 'completed',
      moved: 7,
      taskHandle: 'task-1',
    });
    expect(sqsMock).toHaveReceivedCommandWith(StartMessageMoveTaskCommand, {
      SourceArn: 'arn:aws:sqs:us-east-1:123456789012:requests-dlq',
      DestinationArn: 'arn:aws:sqs:us-east-1:123456789012:requests',
    });
    expect(sqsMock).not.toHaveReceivedCommand(ReceiveMessageCommand);
  });

  it('reports a failed move task with its reason and does not fall back', async () => {
    // Prepare
    sqsMock.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-2' });
    sqsMock.on(ListMessageMoveTasksCommand).resolves({
      Results: [
        {
          TaskHandle: 'task-2',
          Status: 'FAILED',
          ApproximateNumberOfMessagesMoved: 1,
          FailureReason: 'AccessDenied',
        },
      ],
    });

    // Act
    const result = await redrive(new SQSClient({ region: 'us-east-1' }), {
      dlqUrl: DLQ,
      destinationUrl: REQUESTS,
      timeoutMs: 10_000,
    });

    // Assess
    expect(result).toMatchObject({
      method: 'move-task',
      status: 'failed',
      moved: 1,
      failureReason: 'AccessDenied',
    });
    expect(sqsMock).not.toHaveReceivedCommand(ReceiveMessageCommand);
  });
});
