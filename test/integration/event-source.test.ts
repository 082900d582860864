import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type EventSource, type InvocationReport, startEventSource } from '../../local/event-source.js';
import { ensureQueues, type LocalQueues } from '../../local/stack.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

let stack: TestEmulator;
let queues: LocalQueues;
let source: EventSource | undefined;

beforeEach(async () => {
  stack = await startTestEmulator();
  queues = await ensureQueues(stack.sqs, { maxReceiveCount: 3, visibilityTimeoutSeconds: 1 });
});

afterEach(async () => {
  await source?.stop();
  source = undefined;
  await stack.close();
});

const send = async (count: number) =>
  stack.sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: queues.requests.url,
      Entries: Array.from({ length: count }, (_, i) => ({ Id: String(i), MessageBody: `body-${i}` })),
    }),
  );

const depth = async (url: string) => {
  const { Attributes = {} } = await stack.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible)
  );
};

/** Runs the event source with a handler until `reports` satisfies `done`. */
async function run(
  handler: (event: SQSEvent) => Promise<SQSBatchResponse | undefined>,
  done: (reports: InvocationReport[]) => boolean,
  options: { batchSize?: number; maximumBatchingWindowInSeconds?: number; functionTimeoutMs?: number } = {},
): Promise<InvocationReport[]> {
  const reports: InvocationReport[] = [];
  source = startEventSource({
    sqs: stack.sqs,
    queueUrl: queues.requests.url,
    queueArn: queues.requests.arn,
    handler,
    waitTimeSeconds: 1,
    maximumConcurrency: 1,
    ...options,
    onInvoke: (report) => reports.push(report),
  });
  const deadline = Date.now() + 15_000;
  while (!done(reports)) {
    if (Date.now() > deadline)
      throw new Error(
        `timed out: ${JSON.stringify(reports.map((r) => [r.outcome, r.deleted, r.records.length, String(r.error)]))}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await source.stop();
  return reports;
}

describe('startEventSource (Lambda SQS event source semantics)', () => {
  it('delivers real-shaped records and deletes all on success', async () => {
    // Prepare
    await send(3);
    const events: SQSEvent[] = [];

    // Act
    const reports = await run(
      async (event) => {
        events.push(event);
        return { batchItemFailures: [] };
      },
      (r) => r.reduce((n, report) => n + report.deleted, 0) === 3,
    );

    // Assess
    expect(reports.every((r) => r.outcome === 'success')).toBe(true);
    const record = events[0]?.Records[0];
    expect(record).toMatchObject({
      eventSource: 'aws:sqs',
      eventSourceARN: queues.requests.arn,
      awsRegion: 'us-east-1',
      body: expect.stringMatching(/^body-/),
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: expect.stringMatching(/^\d+$/) },
    });
    expect(record?.receiptHandle).not.toBe('');
    expect(await depth(queues.requests.url)).toBe(0);
  });

  it('deletes only the records not in batchItemFailures; the others come back', async () => {
    // Prepare
    await send(2);
    let failedOnce = false;

    // Act
    const reports = await run(
      async (event) => {
        const target = event.Records.find((r) => r.body === 'body-1');
        if (target && !failedOnce) {
          failedOnce = true;
          return { batchItemFailures: [{ itemIdentifier: target.messageId }] };
        }
        return { batchItemFailures: [] };
      },
      (r) => r.reduce((n, report) => n + report.deleted, 0) === 2,
    );

    // Assess
    expect(reports[0]?.outcome).toBe('partial');
    expect(reports.at(-1)?.records.map((r) => [r.body, r.attributes.ApproximateReceiveCount])).toEqual([
      ['body-1', '2'],
    ]);
  });

  it('leaves the whole batch on a thrown error, and on an unknown itemIdentifier', async () => {
    // Prepare
    await send(2);
    let calls = 0;

    // Act
    const reports = await run(
      async () => {
        calls += 1;
        if (calls === 1) throw new Error('boom');
        if (calls === 2) return { batchItemFailures: [{ itemIdentifier: 'not-in-batch' }] };
        return { batchItemFailures: [] };
      },
      (r) => r.reduce((n, report) => n + report.deleted, 0) === 2,
    );

    // Assess
    expect(reports.map((r) => r.outcome).slice(0, 2)).toEqual(['error', 'error']);
    expect(reports.at(-1)?.records).toHaveLength(2);
    expect(reports.at(-1)?.records.map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['3', '3']);
  });

  it('freezes an invocation that timed out: a call its handler starts afterwards never reaches AWS', async () => {
    // Prepare
    await send(1);
    let calls = 0;
    let lateCall: Promise<unknown> | undefined;

    // Act: the first invocation outlives its timeout, then tries to publish.
    const reports = await run(
      async () => {
        calls += 1;
        if (calls === 1) {
          await new Promise((resolve) => setTimeout(resolve, 400));
          lateCall = stack.sqs
            .send(
              new SendMessageBatchCommand({
                QueueUrl: queues.results.url,
                Entries: [{ Id: '0', MessageBody: 'late' }],
              }),
            )
            .catch((error: unknown) => error);
          await lateCall;
        }
        return { batchItemFailures: [] };
      },
      (r) => r.reduce((n, report) => n + report.deleted, 0) === 1,
      { functionTimeoutMs: 200 },
    );

    // Assess
    expect(reports[0]).toMatchObject({ outcome: 'error', deleted: 0 });
    expect(String(reports[0]?.error)).toContain('Task timed out after 0.20 seconds');
    expect(String(await lateCall)).toContain('the invocation timed out');
    expect(await depth(queues.results.url)).toBe(0);
  });

  it('gathers records arriving within the batching window into one invocation', async () => {
    // Prepare: visibility longer than the window, as serverless.yml sets it.
    await stack.sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: queues.requests.url,
        Attributes: { VisibilityTimeout: '10' },
      }),
    );
    await send(1);
    setTimeout(() => void send(2), 300);

    // Act
    const reports = await run(
      async () => ({ batchItemFailures: [] }),
      (r) => r.reduce((n, report) => n + report.deleted, 0) === 3,
      { batchSize: 10, maximumBatchingWindowInSeconds: 2 },
    );

    // Assess
    expect(reports.map((r) => r.records.length)).toEqual([3]);
  });

  it('moves a record that keeps failing to the DLQ after maxReceiveCount', async () => {
    // Prepare
    await send(1);

    // Act
    const reports = await run(
      async (event) => ({ batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) }),
      (r) => r.length === 3,
    );
    const deadline = Date.now() + 10_000;
    while ((await depth(queues.requestsDlq.url)) === 0 && Date.now() < deadline) {
      await stack.sqs.send(new ReceiveMessageCommand({ QueueUrl: queues.requests.url, WaitTimeSeconds: 1 }));
    }

    // Assess: three deliveries, then the fourth receive moves it to the DLQ.
    expect(reports.map((r) => r.records[0]?.attributes.ApproximateReceiveCount)).toEqual(['1', '2', '3']);
    expect(await depth(queues.requestsDlq.url)).toBe(1);
    expect(await depth(queues.requests.url)).toBe(0);
  });
});
