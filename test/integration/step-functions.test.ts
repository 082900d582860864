import { DeleteMessageBatchCommand, type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import type { InvocationReport } from '../../local/event-source.js';
import type { LocalService, LocalServiceOptions } from '../../local/service.js';
import { outcomeSchema } from '../../src/domain/outcome-schema.js';
import { requestBody } from '../helpers/factories.js';
import { queueDepth, readOutcomes, sendRequests, startTestService } from '../helpers/local-service.js';

let service: LocalService | undefined;

afterEach(async () => {
  await service?.stop();
  service = undefined;
});

const APPROVAL = { ticket: 'CHG-1042', approvedBy: 'alice@example.com', approvedAt: '2026-11-26T10:00:00Z' };

/** A token shaped like a real one (long base64), distinct per test. */
const tokenFor = (name: string): string =>
  `AQCEAAAAKgAAAAMAAAAAAAAAA${Buffer.from(`${name}-`.repeat(40)).toString('base64')}`;

/** The service with its invocations recorded, so a test can wait for the one that settles a record. */
async function startWorkflowService(
  options: LocalServiceOptions = {},
): Promise<{ service: LocalService; invocations: InvocationReport[] }> {
  const invocations: InvocationReport[] = [];
  const started = await startTestService({
    groups: { 'analytics-prod': [] },
    ...options,
    eventSource: { onInvoke: (report) => invocations.push(report) },
  });
  return { service: started, invocations };
}

async function eventually<T>(probe: () => T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Reads raw results-queue messages (bodies byte for byte, with SentTimestamp) until `count`, deleting them. */
async function receiveResults(running: LocalService, count: number, timeoutMs = 20_000): Promise<Message[]> {
  const received: Message[] = [];
  const deadline = Date.now() + timeoutMs;
  while (received.length < count) {
    if (Date.now() > deadline) throw new Error(`timed out with ${received.length} of ${count} outcomes`);
    const { Messages = [] } = await running.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: running.queues.results.url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['SentTimestamp'],
      }),
    );
    if (Messages.length === 0) continue;
    received.push(...Messages);
    await running.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: running.queues.results.url,
        Entries: Messages.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle,
        })),
      }),
    );
  }
  return received;
}

describe('Step Functions callbacks over the local stack (real SFN client, emulator records the calls)', () => {
  it('answers a request with a task token by SendTaskSuccess whose output is the published outcome', async () => {
    // Prepare
    const token = tokenFor('success');
    ({ service } = await startWorkflowService());

    // Act
    await sendRequests(service, [
      requestBody({ requestId: 'chg-1042-nyc', approval: APPROVAL, taskToken: token }),
    ]);
    const [message] = await receiveResults(service, 1);
    const calls = await eventually(
      () => (service?.emulator?.sfnCalls.length ? service.emulator.sfnCalls : undefined),
      'the callback',
    );

    // Assess
    const outcome = outcomeSchema.parse(JSON.parse(message?.Body ?? ''));
    expect(outcome).toMatchObject({ requestId: 'chg-1042-nyc', status: 'authorized', approval: APPROVAL });
    expect(calls).toEqual([
      {
        operation: 'SendTaskSuccess',
        input: { taskToken: token, output: message?.Body },
        at: expect.any(Number),
      },
    ]);
    expect(JSON.parse(String(calls[0]?.input.output))).toEqual(outcome);
    // The callback follows the outcome: the results queue had accepted it before Step Functions was told.
    expect(calls[0]?.at).toBeGreaterThanOrEqual(Number(message?.Attributes?.SentTimestamp));
    expect(message?.Body).not.toContain(token);
  });

  it('answers rejected requests by SendTaskFailure with the fault code as error and the message as cause', async () => {
    // Prepare
    ({ service } = await startWorkflowService({ env: { REQUIRE_APPROVAL: 'true' } }));
    const unapproved = tokenFor('unapproved');
    const missingGroup = tokenFor('missing-group');

    // Act
    await sendRequests(service, [
      requestBody({ requestId: 'unapproved', taskToken: unapproved }),
      requestBody({
        requestId: 'missing-group',
        clusterSecurityGroupName: 'analytics-missing',
        approval: APPROVAL,
        taskToken: missingGroup,
      }),
    ]);
    const outcomes = await readOutcomes(service, 2);
    const calls = await eventually(
      () => (service?.emulator?.sfnCalls.length === 2 ? service.emulator.sfnCalls : undefined),
      'two callbacks',
    );

    // Assess
    const errorOf = (requestId: string) => outcomes.find((outcome) => outcome.requestId === requestId)?.error;
    expect(errorOf('unapproved')).toMatchObject({ code: 'PolicyRefused' });
    expect(errorOf('missing-group')).toMatchObject({ code: 'ClusterSecurityGroupNotFoundFault' });
    expect(
      calls.map((call) => call.input).sort((a, b) => String(a.error).localeCompare(String(b.error))),
    ).toEqual([
      {
        taskToken: missingGroup,
        error: 'ClusterSecurityGroupNotFoundFault',
        cause: errorOf('missing-group')?.message,
      },
      { taskToken: unapproved, error: 'PolicyRefused', cause: errorOf('unapproved')?.message },
    ]);
    expect(calls.map((call) => call.operation)).toEqual(['SendTaskFailure', 'SendTaskFailure']);
  });

  it('acknowledges a request whose task timed out: outcome published, nothing redelivered, nothing in the DLQ', async () => {
    // Prepare
    const token = tokenFor('timed-out');
    const started = await startWorkflowService();
    service = started.service;
    service.emulator?.setTaskTokenState(token, 'timed-out');

    // Act
    await sendRequests(service, [requestBody({ requestId: 'late', approval: APPROVAL, taskToken: token })]);
    const outcomes = await readOutcomes(service, 1);
    const invocation = await eventually(
      () => started.invocations.find((report) => report.records.length > 0),
      'the invocation to settle',
    );

    // Assess
    expect(outcomes).toEqual([
      expect.objectContaining({ requestId: 'late', status: 'authorized', attempt: 1 }),
    ]);
    expect(invocation).toMatchObject({ outcome: 'success', deleted: 1, failed: [] });
    expect(service.emulator?.sfnCalls).toEqual([]);
    expect(await queueDepth(service, service.queues.requests.url)).toBe(0);
    expect(await queueDepth(service, service.queues.requestsDlq.url)).toBe(0);
  });

  it('retries a request when Step Functions is unreachable, answering the task on the redelivery', async () => {
    // Prepare: the first SendTaskSuccess meets a 503 and the SDK does not retry it.
    const token = tokenFor('unreachable');
    ({ service } = await startWorkflowService({ env: { AWS_MAX_ATTEMPTS: '1' } }));
    service.emulator?.faults.setRules([
      {
        service: 'sfn',
        operation: 'SendTaskSuccess',
        errorRate: 1,
        errors: ['ServiceUnavailable503'],
        count: 1,
      },
    ]);

    // Act
    await sendRequests(service, [requestBody({ requestId: 'chg-7', approval: APPROVAL, taskToken: token })]);
    const messages = await receiveResults(service, 2);
    const calls = await eventually(
      () => (service?.emulator?.sfnCalls.length ? service.emulator.sfnCalls : undefined),
      'the callback',
    );

    // Assess: the redelivery is idempotent at Redshift and its outcome is the one the task gets.
    const outcomes = messages.map((message) => outcomeSchema.parse(JSON.parse(message.Body ?? '')));
    expect(outcomes.map((outcome) => [outcome.status, outcome.attempt])).toEqual([
      ['authorized', 1],
      ['already-authorized', 2],
    ]);
    expect(calls.map((call) => [call.operation, call.input.output])).toEqual([
      ['SendTaskSuccess', messages[1]?.Body],
    ]);
    expect(service.emulator?.redshiftGroups()[0]?.cidrIps).toEqual(['203.0.113.0/24']);
  });
});
