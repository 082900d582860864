import {
  BatchRequestTooLong,
  ChangeMessageVisibilityBatchCommand,
  SendMessageBatchCommand,
  type SendMessageBatchCommandInput,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  chunkMessages,
  createQueuePublisher,
  createVisibilityController,
  makeQueueUrlResolver,
  queueUrlFromArn,
} from '../../src/adapters/sqs.js';
import type { OutgoingMessage } from '../../src/app/ports.js';

const sqsMock = mockClient(SQSClient);
const client = new SQSClient({ region: 'us-east-1' });
const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/results';

const messages = (count: number, bodySize = 10): OutgoingMessage[] =>
  Array.from({ length: count }, (_, index) => ({
    id: `m${index}`,
    body: String(index).padEnd(bodySize, 'x'),
    attributes: { status: 'authorized' },
  }));

const succeedAll = (input: { Entries?: { Id?: string }[] }) => ({
  Successful: (input.Entries ?? []).map((entry) => ({
    Id: entry.Id,
    MessageId: `sqs-${entry.Id}`,
    MD5OfMessageBody: '',
  })),
  Failed: [],
});

describe('chunkMessages', () => {
  it('keeps at most 10 entries per batch, in order', () => {
    const chunks = chunkMessages(messages(23));
    expect(chunks.map((chunk) => chunk.length)).toEqual([10, 10, 3]);
    expect(chunks.flat().map((message) => message.id)).toEqual(messages(23).map((message) => message.id));
  });

  it('keeps each batch within 1 MiB, bodies and attributes counted', () => {
    // Prepare: 400 KB bodies, so only two fit in one batch.
    const large = messages(5, 400_000);

    // Act
    const chunks = chunkMessages(large);

    // Assess
    expect(chunks.map((chunk) => chunk.length)).toEqual([2, 2, 1]);
  });

  it('fills a batch up to exactly 1 MiB and not one byte more', () => {
    // Prepare: each message counts its body plus 22 bytes of attributes (status, String, authorized).
    const half = (1_048_576 - 2 * 22) / 2;
    const exact = [...messages(1, half), ...messages(1, half)];
    const over = [...messages(1, half), ...messages(1, half + 1)];

    // Act
    const fits = chunkMessages(exact);
    const splits = chunkMessages(over);

    // Assess
    expect(fits.map((chunk) => chunk.length)).toEqual([2]);
    expect(splits.map((chunk) => chunk.length)).toEqual([1, 1]);
  });

  it('counts bodies in UTF-8 bytes, not characters', () => {
    // Prepare: 280,000 characters of two bytes each; two of them fit by characters but not by bytes.
    const accented = Array.from({ length: 2 }, (_, index) => ({
      id: `e${index}`,
      body: 'é'.repeat(280_000),
    }));

    // Act
    const chunks = chunkMessages(accented);

    // Assess
    expect(chunks.map((chunk) => chunk.length)).toEqual([1, 1]);
  });

  it('gives a message above the limit a batch of its own, keeping the order of the others', () => {
    // Prepare
    const mixed = [...messages(1), { id: 'huge', body: 'x'.repeat(1_100_000) }, ...messages(2)];

    // Act
    const chunks = chunkMessages(mixed);

    // Assess
    expect(chunks.map((chunk) => chunk.map((message) => message.id))).toEqual([
      ['m0'],
      ['huge'],
      ['m0', 'm1'],
    ]);
  });
});

describe('createQueuePublisher', () => {
  beforeEach(() => {
    sqsMock.reset();
  });

  it('sends with SendMessageBatch in chunks of 10, with string message attributes', async () => {
    // Prepare
    sqsMock.on(SendMessageBatchCommand).callsFake(succeedAll);
    const publisher = createQueuePublisher(client, QUEUE_URL);

    // Act
    const report = await publisher.publish(messages(12));

    // Assess
    expect(report.failed.size).toBe(0);
    expect(report.calls).toBe(2);
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageBatchCommand, 2);
    expect(sqsMock).toHaveReceivedNthCommandWith(SendMessageBatchCommand, 1, {
      QueueUrl: QUEUE_URL,
      Entries: expect.arrayContaining([
        {
          Id: '0',
          MessageBody: '0xxxxxxxxx',
          MessageAttributes: { status: { DataType: 'String', StringValue: 'authorized' } },
        },
      ]),
    });
  });

  it('reads Failed[] on HTTP 200 and retries only those entries', async () => {
    // Prepare
    sqsMock
      .on(SendMessageBatchCommand)
      .resolvesOnce({
        Successful: [{ Id: '0', MessageId: 'a', MD5OfMessageBody: '' }],
        Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false, Message: 'try again' }],
      })
      .callsFake(succeedAll);
    const publisher = createQueuePublisher(client, QUEUE_URL, { retryDelayMs: 1 });

    // Act
    const report = await publisher.publish(messages(2));

    // Assess
    expect(report.failed.size).toBe(0);
    expect(sqsMock).toHaveReceivedNthCommandWith(SendMessageBatchCommand, 2, {
      Entries: [expect.objectContaining({ Id: '0', MessageBody: '1xxxxxxxxx' })],
    });
  });

  it('reports entries still failing after every round, with the reason', async () => {
    // Prepare
    sqsMock.on(SendMessageBatchCommand).resolves({
      Successful: [],
      Failed: [
        { Id: '0', Code: 'InternalError', SenderFault: false, Message: 'down' },
        { Id: '1', Code: 'InternalError', SenderFault: false, Message: 'down' },
      ],
    });
    const publisher = createQueuePublisher(client, QUEUE_URL, { rounds: 3, retryDelayMs: 1 });

    // Act
    const report = await publisher.publish(messages(2));

    // Assess
    expect([...report.failed]).toEqual([
      ['m0', 'InternalError: down'],
      ['m1', 'InternalError: down'],
    ]);
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageBatchCommand, 3);
  });

  it('does not retry an entry SQS blames on the sender', async () => {
    // Prepare
    sqsMock.on(SendMessageBatchCommand).resolves({
      Successful: [],
      Failed: [{ Id: '0', Code: 'InvalidMessageContents', SenderFault: true, Message: 'bad' }],
    });
    const publisher = createQueuePublisher(client, QUEUE_URL, { retryDelayMs: 1 });

    // Act
    const report = await publisher.publish(messages(1));

    // Assess
    expect(report.failed.get('m0')).toBe('InvalidMessageContents: bad');
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageBatchCommand, 1);
  });

  it('classifies a sender fault as permanent: reported as refused, while a server fault is not', async () => {
    // Prepare: m0 refused as the sender's fault, m1 failing on the server's side every round.
    sqsMock.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => ({
      Successful: [],
      Failed: (input.Entries ?? []).map((entry) =>
        entry.MessageBody?.startsWith('0')
          ? { Id: entry.Id, Code: 'InvalidMessageContents', SenderFault: true, Message: 'bad' }
          : { Id: entry.Id, Code: 'InternalError', SenderFault: false, Message: 'oops' },
      ),
    }));
    const publisher = createQueuePublisher(client, QUEUE_URL, { retryDelayMs: 1 });

    // Act
    const report = await publisher.publish(messages(2));

    // Assess
    expect([...report.refused]).toEqual(['m0']);
    expect(report.failed.get('m1')).toBe('InternalError: oops');
    const bodies = sqsMock
      .commandCalls(SendMessageBatchCommand)
      .flatMap((call) => (call.args[0].input.Entries ?? []).map((entry) => entry.MessageBody?.[0]));
    expect(bodies.filter((body) => body === '0')).toHaveLength(1);
  });

  it('sends the fallback body, once, in place of a message SQS refused as the sender fault', async () => {
    // Prepare: SQS refuses every body but the fallback.
    sqsMock.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => ({
      Successful: (input.Entries ?? [])
        .filter((entry) => entry.MessageBody === 'short')
        .map((entry) => ({ Id: entry.Id, MessageId: 'x', MD5OfMessageBody: '' })),
      Failed: (input.Entries ?? [])
        .filter((entry) => entry.MessageBody !== 'short')
        .map((entry) => ({
          Id: entry.Id,
          Code: 'InvalidMessageContents',
          SenderFault: true,
          Message: 'bad',
        })),
    }));
    const reasons: string[] = [];
    const publisher = createQueuePublisher(client, QUEUE_URL, { retryDelayMs: 1 });

    // Act
    const report = await publisher.publish([
      {
        id: 'a',
        body: 'full',
        fallback: (reason) => {
          reasons.push(reason);
          return 'short';
        },
      },
      { id: 'b', body: 'full', fallback: () => 'still refused' },
    ]);

    // Assess
    expect(reasons).toEqual(['InvalidMessageContents: bad']);
    expect(report.failed.has('a')).toBe(false);
    expect([...report.refused]).toEqual(['b']);
    expect(report.failed.get('b')).toBe('InvalidMessageContents: bad');
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageBatchCommand, 2);
  });

  it('retries a batch whose call failed, and never throws', async () => {
    // Prepare
    sqsMock.on(SendMessageBatchCommand).rejectsOnce(new Error('socket hang up')).callsFake(succeedAll);
    const publisher = createQueuePublisher(client, QUEUE_URL, { retryDelayMs: 1 });

    // Act
    const report = await publisher.publish(messages(3));

    // Assess
    expect(report.failed.size).toBe(0);
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageBatchCommand, 2);
  });

  it('sends outcomes near the SQS size limit in batches SQS accepts, every one exactly once', async () => {
    // Prepare: SQS refuses a SendMessageBatch above 1 MiB in total with BatchRequestTooLong.
    sqsMock.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => {
      const bytes = (input.Entries ?? []).reduce(
        (sum, entry) =>
          sum +
          Buffer.byteLength(entry.MessageBody ?? '') +
          Object.entries(entry.MessageAttributes ?? {}).reduce(
            (attributes, [name, value]) =>
              attributes +
              name.length +
              (value.DataType ?? '').length +
              Buffer.byteLength(value.StringValue ?? ''),
            0,
          ),
        0,
      );
      if (bytes > 1_048_576) {
        throw new BatchRequestTooLong({
          message: 'Batch requests cannot be longer than 1048576 bytes',
          $metadata: {},
        });
      }
      return succeedAll(input);
    });
    const near = [
      ...messages(3, 1_048_576 - 22),
      ...messages(6, 480_000).map((message) => ({ ...message, id: `n${message.id}` })),
    ];
    const publisher = createQueuePublisher(client, QUEUE_URL, { retryDelayMs: 1 });

    // Act
    const report = await publisher.publish(near);

    // Assess
    expect(report.failed.size).toBe(0);
    expect(report.calls).toBe(6);
    const sent = sqsMock
      .commandCalls(SendMessageBatchCommand)
      .flatMap((call) => (call.args[0].input.Entries ?? []).map((entry) => entry.MessageBody?.slice(0, 8)));
    expect(sent).toEqual(near.map((message) => message.body.slice(0, 8)));
  });

  it('reports an outcome too large for SQS as not accepted, without holding back the others', async () => {
    // Prepare
    sqsMock.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => {
      if ((input.Entries ?? []).some((entry) => (entry.MessageBody ?? '').length > 1_048_576)) {
        throw new BatchRequestTooLong({
          message: 'Batch requests cannot be longer than 1048576 bytes',
          $metadata: {},
        });
      }
      return succeedAll(input);
    });
    const publisher = createQueuePublisher(client, QUEUE_URL, { retryDelayMs: 1 });

    // Act
    const report = await publisher.publish([...messages(2), { id: 'huge', body: 'x'.repeat(1_100_000) }]);

    // Assess
    expect([...report.failed.keys()]).toEqual(['huge']);
    expect(report.failed.get('huge')).toMatch(/^BatchRequestTooLong: /);
  });

  it('adds group and deduplication ids on a FIFO queue', async () => {
    // Prepare
    sqsMock.on(SendMessageBatchCommand).callsFake(succeedAll);
    const publisher = createQueuePublisher(client, `${QUEUE_URL}.fifo`);

    // Act
    await publisher.publish([{ id: 'm1', body: '{}', groupId: 'analytics-prod', deduplicationId: 'm1-2' }]);

    // Assess
    expect(sqsMock).toHaveReceivedCommandWith(SendMessageBatchCommand, {
      Entries: [
        { Id: '0', MessageBody: '{}', MessageGroupId: 'analytics-prod', MessageDeduplicationId: 'm1-2' },
      ],
    });
  });
});

describe('createVisibilityController', () => {
  beforeEach(() => {
    sqsMock.reset();
  });

  it('changes visibility in batches of 10 and reports the entries that failed', async () => {
    // Prepare
    sqsMock
      .on(ChangeMessageVisibilityBatchCommand)
      .resolvesOnce({
        Successful: [],
        Failed: [{ Id: '3', Code: 'ReceiptHandleIsInvalid', SenderFault: true }],
      })
      .rejects(new Error('down'));
    const changes = Array.from({ length: 12 }, (_, index) => ({
      id: `m${index}`,
      receiptHandle: `r${index}`,
      seconds: 30,
    }));

    // Act
    const failed = await createVisibilityController(client).defer(QUEUE_URL, changes);

    // Assess
    expect([...failed].sort()).toEqual(['m10', 'm11', 'm3']);
    expect(sqsMock).toHaveReceivedNthCommandWith(ChangeMessageVisibilityBatchCommand, 1, {
      QueueUrl: QUEUE_URL,
      Entries: expect.arrayContaining([{ Id: '0', ReceiptHandle: 'r0', VisibilityTimeout: 30 }]),
    });
  });
});

describe('makeQueueUrlResolver', () => {
  it('prefers the configured URL of the same queue, and builds the others from their ARN', () => {
    const resolve = makeQueueUrlResolver(
      'http://127.0.0.1:4566/000000000000/requests',
      'http://127.0.0.1:4566',
    );
    expect(resolve('arn:aws:sqs:us-east-1:000000000000:requests')).toBe(
      'http://127.0.0.1:4566/000000000000/requests',
    );
    expect(resolve('arn:aws:sqs:us-east-1:000000000000:other')).toBe(
      'http://127.0.0.1:4566/000000000000/other',
    );
    expect(makeQueueUrlResolver()('arn:aws:sqs:eu-west-1:123456789012:requests')).toBe(
      'https://sqs.eu-west-1.amazonaws.com/123456789012/requests',
    );
  });
});

describe('queueUrlFromArn', () => {
  it('builds the regional URL, or one on a custom endpoint', () => {
    expect(queueUrlFromArn('arn:aws:sqs:eu-west-1:123456789012:requests')).toBe(
      'https://sqs.eu-west-1.amazonaws.com/123456789012/requests',
    );
    expect(
      queueUrlFromArn('arn:aws:sqs:us-east-1:000000000000:requests.fifo', 'http://127.0.0.1:4566/'),
    ).toBe('http://127.0.0.1:4566/000000000000/requests.fifo');
    expect(() => queueUrlFromArn('requests')).toThrow('not an SQS queue ARN: "requests"');
  });
});
