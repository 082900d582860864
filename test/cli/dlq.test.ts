import { PurgeQueueCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureQueues, type LocalQueues } from '../../local/stack.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { cliEnv, queueCounts, receiveAll, runCli } from './cli-process.js';

let emulator: TestEmulator;
let queues: LocalQueues;

beforeAll(async () => {
  emulator = await startTestEmulator();
  queues = await ensureQueues(emulator.sqs, { prefix: 'dlq-cli' });
});

beforeEach(async () => {
  await emulator.sqs.send(new PurgeQueueCommand({ QueueUrl: queues.requestsDlq.url }));
  await emulator.sqs.send(new PurgeQueueCommand({ QueueUrl: queues.requests.url }));
  await fillDlq();
});

afterAll(async () => {
  await emulator.close();
});

const bodies = Array.from({ length: 4 }, (_, i) =>
  JSON.stringify({
    version: 1,
    requestId: `dead-${i}`,
    clusterSecurityGroupName: 'analytics-prod',
    cidrIp: '203.0.113.0/24',
  }),
);

/** Puts the four request bodies on the DLQ, the last with message attributes. */
async function fillDlq(): Promise<void> {
  await emulator.sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: queues.requestsDlq.url,
      Entries: bodies.map((body, index) => ({
        Id: String(index),
        MessageBody: body,
        ...(index === 3 && {
          MessageAttributes: {
            source: { DataType: 'String', StringValue: 'onboarding' },
            priority: { DataType: 'Number', StringValue: '7' },
          },
        }),
      })),
    }),
  );
}

/** Every message of the requests queue: body and attributes. */
async function requestsQueue(): Promise<{ body: string; attributes: Record<string, unknown> }[]> {
  const messages = await receiveAll(emulator.sqs, queues.requests.url);
  return messages.map((message) => ({
    body: message.Body ?? '',
    attributes: message.MessageAttributes ?? {},
  }));
}

describe('redshift-ingress dlq (spawned, against the emulator)', () => {
  it('count and show read the DLQ without consuming it', async () => {
    // Prepare
    const env = cliEnv(emulator.emulator.url, { REQUESTS_DLQ_URL: queues.requestsDlq.url });

    // Act
    const count = await runCli(['dlq', 'count', '--json'], env);
    const show = await runCli(['dlq', 'show', '--json'], env);

    // Assess: NDJSON of the bodies, ready for `submit -`; the messages are visible again.
    expect(count.code).toBe(0);
    expect(JSON.parse(count.stdout)).toEqual({
      queueUrl: queues.requestsDlq.url,
      messages: 4,
      inFlight: 0,
      delayed: 0,
    });
    expect(show.code).toBe(0);
    expect(show.stdout.trim().split('\n').sort()).toEqual([...bodies].sort());
    expect(await queueCounts(emulator.sqs, queues.requestsDlq.url)).toEqual({ visible: 4, inFlight: 0 });
  });

  it('exits 5 with the AWS error when the queue does not exist', async () => {
    // Act
    const result = await runCli(
      ['dlq', 'count', '--dlq-url', `${emulator.emulator.url}/000000000000/no-such-dlq`],
      cliEnv(emulator.emulator.url),
    );

    // Assess
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(/^error: QueueDoesNotExist: .+\n$/);
    expect(result.stdout).toBe('');
  });

  it('redrive moves every message back with StartMessageMoveTask, finding the source queue itself', async () => {
    // Prepare: no requests queue URL is given.
    const env = cliEnv(emulator.emulator.url, { REQUESTS_DLQ_URL: queues.requestsDlq.url });

    // Act
    const result = await runCli(['dlq', 'redrive'], env);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      `Moved 4 messages from ${queues.requestsDlq.url} to ${queues.requests.url} (StartMessageMoveTask)\n`,
    );
    expect(await queueCounts(emulator.sqs, queues.requestsDlq.url)).toEqual({ visible: 0, inFlight: 0 });
    expect((await requestsQueue()).map((message) => message.body).sort()).toEqual([...bodies].sort());
  });

  it('redrive --fallback moves every message by receive, send and delete, keeping its attributes', async () => {
    // Prepare
    const env = cliEnv(emulator.emulator.url);

    // Act: queue URLs as flags this time.
    const result = await runCli(
      [
        'dlq',
        'redrive',
        '--fallback',
        '--json',
        '--dlq-url',
        queues.requestsDlq.url,
        '--queue-url',
        queues.requests.url,
      ],
      env,
    );

    // Assess
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      method: 'manual',
      status: 'completed',
      moved: 4,
      notSent: 0,
      notDeleted: 0,
    });
    expect(await queueCounts(emulator.sqs, queues.requestsDlq.url)).toEqual({ visible: 0, inFlight: 0 });
    const moved = await requestsQueue();
    expect(moved.map((message) => message.body).sort()).toEqual([...bodies].sort());
    expect(moved.find((message) => message.body === bodies[3])?.attributes).toEqual({
      source: { DataType: 'String', StringValue: 'onboarding' },
      priority: { DataType: 'Number', StringValue: '7' },
    });
  });
});
