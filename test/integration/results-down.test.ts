import { ReceiveMessageCommand, SendMessageCommand, StartMessageMoveTaskCommand } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import type { FaultRule } from '../../local/emulator/index.js';
import type { LocalService } from '../../local/service.js';
import { requestBody } from '../helpers/factories.js';
import { queueDepth, readResults, startTestService } from '../helpers/local-service.js';

/** The results queue refuses every SendMessageBatch (the outcomes), as during an SQS outage. */
const RESULTS_DOWN: FaultRule[] = [
  { service: 'sqs', operation: 'SendMessageBatch', errorRate: 1, errors: ['ServiceUnavailable503'] },
];

let service: LocalService | undefined;

afterEach(async () => {
  await service?.stop();
  service = undefined;
});

/** Sends with SendMessage, which the fault on SendMessageBatch leaves alone. */
async function send(target: LocalService, bodies: readonly Record<string, unknown>[]): Promise<string[]> {
  const ids: string[] = [];
  for (const body of bodies) {
    const { MessageId } = await target.sqs.send(
      new SendMessageCommand({ QueueUrl: target.queues.requests.url, MessageBody: JSON.stringify(body) }),
    );
    ids.push(MessageId as string);
  }
  return ids;
}

async function waitFor(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const bodies = Array.from({ length: 12 }, (_, i) =>
  requestBody({ requestId: `r-${i}`, cidrIp: `10.0.${i}.0/24` }),
);

describe('results queue down', () => {
  it('keeps every request on its queue while outcomes cannot be published, then completes them all', async () => {
    // Prepare
    service = await startTestService({
      queues: { maxReceiveCount: 10, visibilityTimeoutSeconds: 2 },
      groups: { 'analytics-prod': [] },
      env: { RETRY_BASE_SECONDS: '1', RETRY_MAX_SECONDS: '2' },
    });
    const { emulator, eventSource, queues } = service;
    emulator?.faults.setRules(RESULTS_DOWN);

    // Act: every request is delivered at least twice while the results queue is down...
    await send(service, bodies);
    await waitFor('two deliveries of every request', () => eventSource.stats.records >= 2 * bodies.length);
    const during = {
      deleted: eventSource.stats.deleted,
      requests: await queueDepth(service, queues.requests.url),
      results: await queueDepth(service, queues.results.url),
      dlq: await queueDepth(service, queues.requestsDlq.url),
      rules: emulator?.redshiftGroups()[0]?.cidrIps.length,
      refusedSends: emulator?.faults.stats.ServiceUnavailable503 ?? 0,
    };
    // ...then it comes back.
    emulator?.faults.clear();
    const { outcomes } = await readResults(
      service,
      (results) => new Set(results.outcomes.map((o) => o.requestId)).size === bodies.length,
    );

    // Assess: while down, nothing was acknowledged or dead-lettered, though Redshift had applied the changes.
    expect(during).toMatchObject({
      deleted: 0,
      requests: bodies.length,
      results: 0,
      dlq: 0,
      rules: bodies.length,
    });
    expect(during.refusedSends).toBeGreaterThan(0);
    // Afterwards every request has its outcome, from a later delivery, reporting the idempotent success.
    const last = new Map(outcomes.map((outcome) => [outcome.requestId, outcome]));
    expect([...last.keys()].sort()).toEqual(bodies.map((body) => body.requestId as string).sort());
    for (const outcome of last.values()) {
      expect(outcome).toMatchObject({ status: 'already-authorized' });
      expect(outcome.attempt).toBeGreaterThanOrEqual(2);
    }
    await waitFor(
      'the requests queue to empty',
      async () => (await queueDepth(service as LocalService, queues.requests.url)) === 0,
    );
    expect(await queueDepth(service, queues.requestsDlq.url)).toBe(0);
  }, 60_000);

  it('moves a request whose every delivery met the outage to the DLQ intact; a redrive then completes it', async () => {
    // Prepare
    service = await startTestService({
      queues: { maxReceiveCount: 2, visibilityTimeoutSeconds: 1 },
      groups: { 'analytics-prod': [] },
    });
    const { emulator, queues, sqs } = service;
    emulator?.faults.setRules(RESULTS_DOWN);

    // Act: outage through the last delivery, then recovery and a redrive of the DLQ.
    const ids = await send(service, bodies.slice(0, 3));
    await waitFor(
      'the DLQ to hold every request',
      async () => (await queueDepth(service as LocalService, queues.requestsDlq.url)) === 3,
    );
    const dead = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queues.requestsDlq.url,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 0,
      }),
    );
    const resultsDuringOutage = await queueDepth(service, queues.results.url);
    emulator?.faults.clear();
    await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: queues.requestsDlq.arn }));
    const { outcomes } = await readResults(service, (results) => results.outcomes.length >= 3);

    // Assess: the DLQ held the very messages, bodies intact; no outcome could be published meanwhile.
    expect(resultsDuringOutage).toBe(0);
    expect((dead.Messages ?? []).map((message) => message.MessageId).sort()).toEqual([...ids].sort());
    expect((dead.Messages ?? []).map((message) => JSON.parse(message.Body ?? '').requestId).sort()).toEqual([
      'r-0',
      'r-1',
      'r-2',
    ]);
    // Redriven, each completes: Redshift had applied it, so it reports already-authorized.
    expect(outcomes.map((outcome) => [outcome.requestId, outcome.status]).sort()).toEqual([
      ['r-0', 'already-authorized'],
      ['r-1', 'already-authorized'],
      ['r-2', 'already-authorized'],
    ]);
  }, 60_000);
});
