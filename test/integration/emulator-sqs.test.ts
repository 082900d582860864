import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ListMessageMoveTasksCommand,
  ListQueuesCommand,
  type MessageAttributeValue,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { md5OfMessageAttributes, startEmulator } from '../../local/emulator/index.js';
import { createClients, rejectionOf, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

let stack: TestEmulator;

beforeAll(async () => {
  stack = await startTestEmulator({ maxAttempts: 1 });
});

afterAll(async () => {
  await stack.close();
});

beforeEach(() => {
  stack.emulator.reset();
});

async function createQueue(name: string, attributes: Record<string, string> = {}): Promise<string> {
  const { QueueUrl } = await stack.sqs.send(
    new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
  );
  if (QueueUrl === undefined) throw new Error('CreateQueue returned no QueueUrl');
  return QueueUrl;
}

async function queueArn(url: string): Promise<string> {
  const { Attributes } = await stack.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  return Attributes?.QueueArn ?? '';
}

async function counts(url: string): Promise<{ visible: number; inFlight: number; delayed: number }> {
  const { Attributes = {} } = await stack.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible),
    delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed),
  };
}

async function receiveOne(url: string, visibilityTimeout?: number) {
  const { Messages = [] } = await stack.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: url,
      MaxNumberOfMessages: 1,
      MessageSystemAttributeNames: ['All'],
      ...(visibilityTimeout === undefined ? {} : { VisibilityTimeout: visibilityTimeout }),
    }),
  );
  return Messages[0];
}

describe('queues', () => {
  it('creates a queue idempotently and refuses the same name with other attributes', async () => {
    // Prepare
    const first = await createQueue('requests', { VisibilityTimeout: '45' });

    // Act
    const again = await createQueue('requests', { VisibilityTimeout: '45' });
    const conflicting = await rejectionOf(
      stack.sqs.send(
        new CreateQueueCommand({ QueueName: 'requests', Attributes: { VisibilityTimeout: '60' } }),
      ),
    );

    // Assess
    expect(first).toBe(`${stack.emulator.url}/000000000000/requests`);
    expect(again).toBe(first);
    expect(conflicting).toMatchObject({ name: 'QueueNameExists' });
  });

  it('refuses invalid names and attribute values with the SDK error names', async () => {
    // Act
    const badName = await rejectionOf(stack.sqs.send(new CreateQueueCommand({ QueueName: 'has space' })));
    const badValue = await rejectionOf(
      stack.sqs.send(new CreateQueueCommand({ QueueName: 'q', Attributes: { VisibilityTimeout: '43201' } })),
    );
    const unknown = await rejectionOf(
      stack.sqs.send(new CreateQueueCommand({ QueueName: 'q', Attributes: { Colour: 'blue' } as never })),
    );
    const missingDlq = await rejectionOf(
      stack.sqs.send(
        new CreateQueueCommand({
          QueueName: 'q',
          Attributes: {
            RedrivePolicy: JSON.stringify({
              deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:nope',
              maxReceiveCount: 3,
            }),
          },
        }),
      ),
    );

    // Assess
    expect(badName).toMatchObject({ name: 'InvalidParameterValue' });
    expect(badValue).toMatchObject({ name: 'InvalidAttributeValue' });
    expect(unknown).toMatchObject({ name: 'InvalidAttributeName' });
    expect(missingDlq).toMatchObject({ name: 'InvalidAttributeValue' });
  });

  it('resolves a queue by the last path segment of any QueueUrl and reports missing queues', async () => {
    // Prepare
    await createQueue('results');

    // Act
    const { QueueUrl } = await stack.sqs.send(new GetQueueUrlCommand({ QueueName: 'results' }));
    const foreign = await stack.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/results',
        AttributeNames: ['QueueArn'],
      }),
    );
    const missingByName = await rejectionOf(stack.sqs.send(new GetQueueUrlCommand({ QueueName: 'nope' })));
    const missingByUrl = await rejectionOf(
      stack.sqs.send(
        new SendMessageCommand({ QueueUrl: `${stack.emulator.url}/000000000000/nope`, MessageBody: 'x' }),
      ),
    );

    // Assess
    expect(QueueUrl).toBe(`${stack.emulator.url}/000000000000/results`);
    expect(foreign.Attributes?.QueueArn).toBe('arn:aws:sqs:us-east-1:000000000000:results');
    expect(missingByName).toMatchObject({
      name: 'QueueDoesNotExist',
      $metadata: { httpStatusCode: 400 },
    });
    expect(missingByUrl).toMatchObject({ name: 'QueueDoesNotExist' });
  });

  it('reads all or named attributes, sets attributes and refuses unknown names', async () => {
    // Prepare
    const url = await createQueue('attrs', { MessageRetentionPeriod: '120', DelaySeconds: '0' });

    // Act
    await stack.sqs.send(
      new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { VisibilityTimeout: '5' } }),
    );
    const all = await stack.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }),
    );
    const named = await stack.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['VisibilityTimeout', 'QueueArn'] }),
    );
    const unknown = await rejectionOf(
      stack.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['Colour' as never] })),
    );

    // Assess
    expect(all.Attributes).toMatchObject({
      QueueArn: 'arn:aws:sqs:us-east-1:000000000000:attrs',
      VisibilityTimeout: '5',
      MessageRetentionPeriod: '120',
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
      ApproximateNumberOfMessagesDelayed: '0',
    });
    expect(named.Attributes).toEqual({
      VisibilityTimeout: '5',
      QueueArn: 'arn:aws:sqs:us-east-1:000000000000:attrs',
    });
    expect(unknown).toMatchObject({ name: 'InvalidAttributeName' });
  });

  it('lists queues by prefix, purges and deletes them', async () => {
    // Prepare
    const requests = await createQueue('app-requests');
    await createQueue('app-results');
    await createQueue('other');
    await stack.sqs.send(new SendMessageCommand({ QueueUrl: requests, MessageBody: 'x' }));

    // Act
    const listed = await stack.sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'app-' }));
    await stack.sqs.send(new PurgeQueueCommand({ QueueUrl: requests }));
    const afterPurge = await counts(requests);
    await stack.sqs.send(new DeleteQueueCommand({ QueueUrl: requests }));
    const afterDelete = await rejectionOf(
      stack.sqs.send(new GetQueueUrlCommand({ QueueName: 'app-requests' })),
    );

    // Assess
    expect(listed.QueueUrls).toEqual([
      `${stack.emulator.url}/000000000000/app-requests`,
      `${stack.emulator.url}/000000000000/app-results`,
    ]);
    expect(afterPurge.visible).toBe(0);
    expect(afterDelete).toMatchObject({ name: 'QueueDoesNotExist' });
  });
});

describe('sending', () => {
  it('returns the MD5 digests AWS computes for body and attributes', async () => {
    // Prepare: digests pinned from AWS responses in public SQS test suites (moto, LocalStack).
    const url = await createQueue('digests');
    const attributes = (value: string): Record<string, MessageAttributeValue> => ({
      timestamp: { DataType: 'Number', StringValue: value },
    });

    // Act
    const first = await stack.sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'derp',
        MessageAttributes: attributes('1493147359900'),
      }),
    );
    const second = await stack.sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'derp',
        MessageAttributes: attributes('1493147359901'),
      }),
    );
    const plain = await stack.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'derp' }));

    // Assess
    expect(first.MD5OfMessageBody).toBe('58fd9edd83341c29f1aebba81c31e257');
    expect(first.MD5OfMessageAttributes).toBe('235c5c510d26fb653d073faed50ae77c');
    expect(second.MD5OfMessageAttributes).toBe('994258b45346a2cc3f9cbb611aa7af30');
    expect(plain.MD5OfMessageAttributes).toBeUndefined();
    expect(
      md5OfMessageAttributes({
        'SOME_Valid.attribute-Name': { DataType: 'Number', StringValue: '1493147359900' },
      }),
    ).toBe('36655e7e9d7c0e8479fa3f3f42247ae7');
  });

  it('round-trips String, Number and Binary attributes with a digest over the returned ones', async () => {
    // Prepare
    const url = await createQueue('roundtrip');
    const MessageAttributes: Record<string, MessageAttributeValue> = {
      status: { DataType: 'String', StringValue: 'authorized' },
      attempt: { DataType: 'Number', StringValue: '2' },
      blob: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 1, 2, 255]) },
    };
    const sent = await stack.sqs.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: '{"ok":true}', MessageAttributes }),
    );

    // Act
    const { Messages = [] } = await stack.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames: ['All'], VisibilityTimeout: 0 }),
    );
    const { Messages: onlyStatus = [] } = await stack.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames: ['status'] }),
    );

    // Assess
    const message = Messages[0];
    expect(message?.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);
    expect(message?.MessageAttributes?.status).toEqual({ DataType: 'String', StringValue: 'authorized' });
    expect(message?.MessageAttributes?.attempt).toEqual({ DataType: 'Number', StringValue: '2' });
    expect([...(message?.MessageAttributes?.blob?.BinaryValue ?? [])]).toEqual([0, 1, 2, 255]);
    expect(Object.keys(onlyStatus[0]?.MessageAttributes ?? {})).toEqual(['status']);
    expect(onlyStatus[0]?.MD5OfMessageAttributes).toBe(
      md5OfMessageAttributes({ status: { DataType: 'String', StringValue: 'authorized' } }),
    );
  });

  it('refuses a message over 1,048,576 bytes (body plus attributes), the default limit, and invalid characters', async () => {
    // Prepare
    const url = await createQueue('limits');

    // Act
    const bodyTooLong = await rejectionOf(
      stack.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x'.repeat(1_048_577) })),
    );
    const withAttributesTooLong = await rejectionOf(
      stack.sqs.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: 'x'.repeat(1_048_570),
          MessageAttributes: { status: { DataType: 'String', StringValue: 'authorized' } },
        }),
      ),
    );
    const exactlyAtLimit = await stack.sqs.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: 'x'.repeat(1_048_576) }),
    );
    const { Attributes } = await stack.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['MaximumMessageSize'] }),
    );
    const aboveMaximum = await rejectionOf(
      stack.sqs.send(
        new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { MaximumMessageSize: '1048577' } }),
      ),
    );
    const invalidCharacter = await rejectionOf(
      stack.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'bell\u0007' })),
    );

    // Assess
    expect(bodyTooLong).toMatchObject({ name: 'InvalidParameterValue' });
    expect(withAttributesTooLong).toMatchObject({ name: 'InvalidParameterValue' });
    expect(exactlyAtLimit.MessageId).toBeDefined();
    expect(Attributes?.MaximumMessageSize).toBe('1048576');
    expect(aboveMaximum).toMatchObject({ name: 'InvalidAttributeValue' });
    expect(invalidCharacter).toMatchObject({ name: 'InvalidMessageContents' });
  });

  it('delays messages by DelaySeconds', async () => {
    // Prepare
    const url = await createQueue('delayed');

    // Act
    await stack.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'later', DelaySeconds: 1 }));
    const during = await counts(url);
    const early = await receiveOne(url);

    // Assess
    expect(during).toEqual({ visible: 0, inFlight: 0, delayed: 1 });
    expect(early).toBeUndefined();
  });
});

describe('SendMessageBatch', () => {
  it('reports per-entry failures next to successes', async () => {
    // Prepare
    const url = await createQueue('batch');

    // Act
    const result = await stack.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          {
            Id: 'ok',
            MessageBody: 'one',
            MessageAttributes: { status: { DataType: 'String', StringValue: 'x' } },
          },
          {
            Id: 'bad-type',
            MessageBody: 'two',
            MessageAttributes: { a: { DataType: 'Colour', StringValue: 'x' } },
          },
          { Id: 'ok2', MessageBody: 'three' },
        ],
      }),
    );

    // Assess
    expect(result.Successful?.map((entry) => entry.Id)).toEqual(['ok', 'ok2']);
    expect(result.Successful?.[0]?.MD5OfMessageAttributes).toBe(
      md5OfMessageAttributes({ status: { DataType: 'String', StringValue: 'x' } }),
    );
    expect(result.Successful?.[1]?.MD5OfMessageAttributes).toBeUndefined();
    expect(result.Failed).toEqual([
      expect.objectContaining({ Id: 'bad-type', SenderFault: true, Code: 'InvalidParameterValue' }),
    ]);
  });

  it('refuses malformed batches with the SDK error names', async () => {
    // Prepare
    const url = await createQueue('batch-errors');
    const entries = (count: number) =>
      Array.from({ length: count }, (_, i) => ({ Id: `m${i}`, MessageBody: 'x' }));

    // Act
    const tooMany = await rejectionOf(
      stack.sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries(11) })),
    );
    const empty = await rejectionOf(
      stack.sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [] })),
    );
    const repeated = await rejectionOf(
      stack.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: [
            { Id: 'a', MessageBody: 'x' },
            { Id: 'a', MessageBody: 'y' },
          ],
        }),
      ),
    );
    const badId = await rejectionOf(
      stack.sqs.send(
        new SendMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: 'a b', MessageBody: 'x' }] }),
      ),
    );
    const tooLong = await rejectionOf(
      stack.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: [
            { Id: 'a', MessageBody: 'x'.repeat(800_000) },
            { Id: 'b', MessageBody: 'x'.repeat(300_000) },
          ],
        }),
      ),
    );

    // Assess
    expect(tooMany).toMatchObject({ name: 'TooManyEntriesInBatchRequest' });
    expect(empty).toMatchObject({ name: 'EmptyBatchRequest' });
    expect(repeated).toMatchObject({ name: 'BatchEntryIdsNotDistinct' });
    expect(badId).toMatchObject({ name: 'InvalidBatchEntryId' });
    expect(tooLong).toMatchObject({ name: 'BatchRequestTooLong' });
    expect((await counts(url)).visible).toBe(0);
  });
});

describe('receiving', () => {
  it('returns system attributes and honours MaxNumberOfMessages', async () => {
    // Prepare
    const url = await createQueue('receive');
    for (const body of ['a', 'b', 'c'])
      await stack.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));

    // Act
    const { Messages = [] } = await stack.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 2,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const { Messages: rest = [] } = await stack.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );

    // Assess
    expect(Messages.map((message) => message.Body)).toEqual(['a', 'b']);
    expect(Messages[0]?.Attributes).toMatchObject({
      ApproximateReceiveCount: '1',
      SenderId: '000000000000',
      SentTimestamp: expect.stringMatching(/^\d{13}$/),
      ApproximateFirstReceiveTimestamp: expect.stringMatching(/^\d{13}$/),
    });
    expect(rest.map((message) => message.Body)).toEqual(['c']);
    expect(rest[0]?.Attributes).toEqual({ ApproximateReceiveCount: '1' });
  });

  it('hides a received message until its visibility timeout expires, then redelivers it', async () => {
    // Prepare
    const url = await createQueue('visibility', { VisibilityTimeout: '1' });
    await stack.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'retry me' }));
    const first = await receiveOne(url);

    // Act
    const hidden = await receiveOne(url);
    const inFlight = await counts(url);
    const started = Date.now();
    const { Messages = [] } = await stack.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 3, MessageSystemAttributeNames: ['All'] }),
    );

    // Assess
    expect(hidden).toBeUndefined();
    expect(inFlight).toEqual({ visible: 0, inFlight: 1, delayed: 0 });
    expect(Messages[0]?.MessageId).toBe(first?.MessageId);
    expect(Messages[0]?.Attributes?.ApproximateReceiveCount).toBe('2');
    expect(Messages[0]?.ReceiptHandle).not.toBe(first?.ReceiptHandle);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('returns a long poll as soon as a message arrives', async () => {
    // Prepare
    const url = await createQueue('long-poll');
    const started = Date.now();

    // Act
    const polling = stack.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 10 }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await stack.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'wake up' }));
    const { Messages = [] } = await polling;

    // Assess
    expect(Messages.map((message) => message.Body)).toEqual(['wake up']);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('ends pending long polls promptly when the emulator closes, and closes once', async () => {
    // Prepare
    const own = await startEmulator({ port: 0 });
    const { sqs } = createClients(own.url, 1);
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'closing' }));
    const polling = sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20 })).then(
      () => 'settled',
      () => 'settled',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();

    // Act
    await own.close();
    const outcome = await polling;
    await own.close();

    // Assess
    expect(outcome).toBe('settled');
    expect(Date.now() - started).toBeLessThan(1_000);
    sqs.destroy();
  });
});

describe('deleting and changing visibility', () => {
  it('deletes with the latest receipt handle; an older one succeeds without deleting', async () => {
    // Prepare
    const url = await createQueue('delete');
    await stack.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }));
    const first = await receiveOne(url, 0);
    const second = await receiveOne(url, 30);

    // Act
    await stack.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first?.ReceiptHandle }));
    const afterStale = await counts(url);
    await stack.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: second?.ReceiptHandle }));
    const afterLatest = await counts(url);
    const invalid = await rejectionOf(
      stack.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'not-a-handle' })),
    );

    // Assess
    expect(afterStale.inFlight).toBe(1);
    expect(afterLatest).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    expect(invalid).toMatchObject({
      name: 'ReceiptHandleIsInvalid',
      $metadata: { httpStatusCode: 404 },
    });
  });

  it('changes visibility of an in-flight message and refuses others', async () => {
    // Prepare
    const url = await createQueue('change-visibility');
    await stack.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }));
    const received = await receiveOne(url, 30);

    // Act
    await stack.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: received?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    const again = await receiveOne(url, 30);
    await stack.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: again?.ReceiptHandle }));
    const notInFlight = await rejectionOf(
      stack.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: again?.ReceiptHandle,
          VisibilityTimeout: 10,
        }),
      ),
    );
    const invalidHandle = await rejectionOf(
      stack.sqs.send(
        new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: 'bogus', VisibilityTimeout: 10 }),
      ),
    );
    const outOfRange = await rejectionOf(
      stack.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: again?.ReceiptHandle,
          VisibilityTimeout: 43_201,
        }),
      ),
    );

    // Assess
    expect(again?.MessageId).toBe(received?.MessageId);
    expect(again?.Attributes?.ApproximateReceiveCount).toBe('2');
    expect(notInFlight).toMatchObject({ name: 'MessageNotInflight' });
    expect(invalidHandle).toMatchObject({ name: 'ReceiptHandleIsInvalid' });
    expect(outOfRange).toMatchObject({ name: 'InvalidParameterValue' });
  });

  it('refuses a visibility change that would keep a message invisible beyond 12 hours from its receive', async () => {
    // Prepare: only Date is faked, so the clock moves 1,000 s on while sockets and timers run as usual.
    const url = await createQueue('twelve-hours');
    await stack.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }));
    const received = await receiveOne(url, 43_200);
    const change = (VisibilityTimeout: number) =>
      stack.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: received?.ReceiptHandle,
          VisibilityTimeout,
        }),
      );
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 1_000_000);

      // Act
      const beyond = await rejectionOf(change(42_201));
      const batchBeyond = await stack.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: url,
          Entries: [{ Id: 'a', ReceiptHandle: received?.ReceiptHandle, VisibilityTimeout: 43_000 }],
        }),
      );
      await change(42_200);

      // Assess
      expect(beyond).toMatchObject({
        name: 'InvalidParameterValue',
        message:
          'Value 42201 for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [43200 seconds]',
      });
      expect(batchBeyond.Failed).toEqual([
        expect.objectContaining({ Id: 'a', Code: 'InvalidParameterValue', SenderFault: true }),
      ]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('deletes and changes visibility in batches, reporting bad entries in Failed', async () => {
    // Prepare
    const url = await createQueue('batch-ops');
    for (const body of ['a', 'b', 'c'])
      await stack.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
    const { Messages = [] } = await stack.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 3 }),
    );
    const [a, b, c] = Messages;

    // Act
    const changed = await stack.sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'a', ReceiptHandle: a?.ReceiptHandle, VisibilityTimeout: 0 },
          { Id: 'bad', ReceiptHandle: 'bogus', VisibilityTimeout: 0 },
        ],
      }),
    );
    const deleted = await stack.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'b', ReceiptHandle: b?.ReceiptHandle },
          { Id: 'c', ReceiptHandle: c?.ReceiptHandle },
          { Id: 'bad', ReceiptHandle: 'bogus' },
        ],
      }),
    );

    // Assess
    expect(changed.Successful).toEqual([{ Id: 'a' }]);
    expect(changed.Failed).toEqual([
      expect.objectContaining({ Id: 'bad', SenderFault: true, Code: 'ReceiptHandleIsInvalid' }),
    ]);
    expect(deleted.Successful?.map((entry) => entry.Id)).toEqual(['b', 'c']);
    expect(deleted.Failed?.map((entry) => entry.Code)).toEqual(['ReceiptHandleIsInvalid']);
    expect(await counts(url)).toEqual({ visible: 1, inFlight: 0, delayed: 0 });
  });
});

describe('dead-letter queues', () => {
  async function queueWithDlq(
    maxReceiveCount: number,
  ): Promise<{ source: string; dlq: string; dlqArn: string }> {
    const dlq = await createQueue('requests-dlq');
    const dlqArn = await queueArn(dlq);
    const source = await createQueue('requests', {
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount }),
    });
    return { source, dlq, dlqArn };
  }

  it('moves a message to the DLQ on the receive after maxReceiveCount, keeping body and attributes', async () => {
    // Prepare
    const { source, dlq } = await queueWithDlq(2);
    await stack.sqs.send(
      new SendMessageCommand({
        QueueUrl: source,
        MessageBody: 'poison',
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'ingress' } },
      }),
    );

    // Act
    const first = await receiveOne(source, 0);
    const second = await receiveOne(source, 0);
    const third = await receiveOne(source, 0);
    const { Messages = [] } = await stack.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlq,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );

    // Assess
    expect([first?.Body, second?.Body, third]).toEqual(['poison', 'poison', undefined]);
    expect(Messages[0]?.MessageId).toBe(first?.MessageId);
    expect(Messages[0]?.Body).toBe('poison');
    expect(Messages[0]?.MessageAttributes?.kind?.StringValue).toBe('ingress');
    expect(Messages[0]?.Attributes?.DeadLetterQueueSourceArn).toBe(
      'arn:aws:sqs:us-east-1:000000000000:requests',
    );
    const { Attributes } = await stack.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: source, AttributeNames: ['RedrivePolicy'] }),
    );
    expect(JSON.parse(Attributes?.RedrivePolicy ?? '{}')).toEqual({
      deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:requests-dlq',
      maxReceiveCount: 2,
    });
  });

  it('redrives a DLQ back to its source with StartMessageMoveTask and lists the task', async () => {
    // Prepare
    const { source, dlq, dlqArn } = await queueWithDlq(1);
    await stack.sqs.send(new SendMessageCommand({ QueueUrl: source, MessageBody: 'again' }));
    await receiveOne(source, 0);
    await receiveOne(source, 0);

    // Act
    const sources = await stack.sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlq }));
    const { TaskHandle } = await stack.sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn }));
    const { Results = [] } = await stack.sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn }));
    const back = await receiveOne(source, 0);
    const notADlq = await rejectionOf(
      stack.sqs.send(new StartMessageMoveTaskCommand({ SourceArn: await queueArn(source) })),
    );
    const missing = await rejectionOf(
      stack.sqs.send(
        new StartMessageMoveTaskCommand({ SourceArn: 'arn:aws:sqs:us-east-1:000000000000:nope' }),
      ),
    );

    // Assess
    expect(sources.queueUrls).toEqual([source]);
    expect(Results[0]).toMatchObject({
      TaskHandle,
      Status: 'COMPLETED',
      SourceArn: dlqArn,
      ApproximateNumberOfMessagesMoved: 1,
      ApproximateNumberOfMessagesToMove: 1,
    });
    expect(back?.Body).toBe('again');
    expect(back?.Attributes?.ApproximateReceiveCount).toBe('1');
    expect((await counts(dlq)).visible).toBe(0);
    expect(notADlq).toMatchObject({ name: 'InvalidParameterValue' });
    expect(missing).toMatchObject({ name: 'ResourceNotFoundException' });
  });
});

describe('FIFO queues', () => {
  async function fifoQueue(attributes: Record<string, string> = {}): Promise<string> {
    return createQueue('requests.fifo', { FifoQueue: 'true', ...attributes });
  }

  it('requires MessageGroupId and a deduplication id or content-based deduplication', async () => {
    // Prepare
    const url = await fifoQueue();

    // Act
    const noGroup = await rejectionOf(
      stack.sqs.send(
        new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageDeduplicationId: 'd' }),
      ),
    );
    const noDedup = await rejectionOf(
      stack.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageGroupId: 'g' })),
    );
    const fifoNameOnStandard = await rejectionOf(
      stack.sqs.send(new CreateQueueCommand({ QueueName: 'plain.fifo' })),
    );

    // Assess
    expect(noGroup).toMatchObject({ name: 'MissingParameter' });
    expect(noDedup).toMatchObject({ name: 'InvalidParameterValue' });
    expect(fifoNameOnStandard).toMatchObject({ name: 'InvalidParameterValue' });
  });

  it('delivers each group in order and holds a group while one of its messages is in flight', async () => {
    // Prepare
    const url = await fifoQueue({ ContentBasedDeduplication: 'true' });
    for (const [group, body] of [
      ['sg-a', 'a1'],
      ['sg-a', 'a2'],
      ['sg-b', 'b1'],
    ]) {
      await stack.sqs.send(
        new SendMessageCommand({ QueueUrl: url, MessageBody: body, MessageGroupId: group }),
      );
    }

    // Act
    const first = await receiveOne(url, 30);
    const { Messages: whileA1InFlight = [] } = await stack.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 30 }),
    );
    await stack.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first?.ReceiptHandle }));
    const afterDelete = await receiveOne(url, 30);

    // Assess
    expect(first?.Body).toBe('a1');
    expect(first?.Attributes?.MessageGroupId).toBe('sg-a');
    expect(first?.Attributes?.SequenceNumber).toMatch(/^\d{20}$/);
    expect(whileA1InFlight.map((message) => message.Body)).toEqual(['b1']);
    expect(afterDelete?.Body).toBe('a2');
  });

  it('deduplicates within five minutes by MessageDeduplicationId and by content', async () => {
    // Prepare
    const url = await fifoQueue({ ContentBasedDeduplication: 'true' });

    // Act
    const one = await stack.sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'x',
        MessageGroupId: 'g',
        MessageDeduplicationId: 'chg-1',
      }),
    );
    const duplicate = await stack.sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'y',
        MessageGroupId: 'g',
        MessageDeduplicationId: 'chg-1',
      }),
    );
    const byContent = await stack.sqs.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: 'same', MessageGroupId: 'g' }),
    );
    const byContentAgain = await stack.sqs.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: 'same', MessageGroupId: 'g' }),
    );
    const batch = await stack.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [{ Id: 'e1', MessageBody: 'batched', MessageGroupId: 'g' }],
      }),
    );

    // Assess
    expect(duplicate.MessageId).toBe(one.MessageId);
    expect(byContentAgain.MessageId).toBe(byContent.MessageId);
    expect(batch.Successful?.[0]?.SequenceNumber).toMatch(/^\d{20}$/);
    expect((await counts(url)).visible).toBe(3);
  });
});
