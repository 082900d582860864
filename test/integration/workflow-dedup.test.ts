import { afterEach, describe, expect, it } from 'vitest';
import type { LocalService } from '../../local/service.js';
import { requestBody } from '../helpers/factories.js';
import { queueDepth, readOutcomes, sendRequests, startTestService } from '../helpers/local-service.js';

let service: LocalService | undefined;

afterEach(async () => {
  await service?.stop();
  service = undefined;
});

const APPROVAL = { ticket: 'CHG-1042', approvedBy: 'alice@example.com', approvedAt: '2026-11-26T10:00:00Z' };

describe('a producer resubmitting the same requestId (local stack)', () => {
  it('gets one rule in Redshift and outcomes authorized, then already-authorized', async () => {
    // Prepare
    service = await startTestService({ groups: { 'analytics-prod': ['192.0.2.0/24'] } });
    const submission = requestBody({ requestId: 'chg-1042-nyc', approval: APPROVAL });

    // Act: the second submission is sent only once the first was answered, so they are separate batches.
    await sendRequests(service, [submission]);
    const [first] = await readOutcomes(service, 1);
    await sendRequests(service, [submission]);
    const [second] = await readOutcomes(service, 1);

    // Assess
    expect([first, second].map((outcome) => [outcome?.requestId, outcome?.status])).toEqual([
      ['chg-1042-nyc', 'authorized'],
      ['chg-1042-nyc', 'already-authorized'],
    ]);
    expect(second?.approval).toEqual(APPROVAL);
    expect(second?.messageId).not.toBe(first?.messageId);
    expect(service.emulator?.redshiftGroups()).toEqual([
      expect.objectContaining({ name: 'analytics-prod', cidrIps: ['192.0.2.0/24', '203.0.113.0/24'] }),
    ]);
    expect(await queueDepth(service, service.queues.requests.url)).toBe(0);
  });

  it('answers each submission of a workflow on its own task token, the retry with already-authorized', async () => {
    // Prepare: a state machine retrying its send step sends the same requestId with a new token.
    service = await startTestService({ groups: { 'analytics-prod': [] } });
    const running = service;
    const submit = (taskToken: string) =>
      sendRequests(running, [requestBody({ requestId: 'chg-1042-nyc', approval: APPROVAL, taskToken })]);

    // Act
    // The retry is sent once the first attempt's task was answered, as a workflow retries after a
    // step ends: Step Functions does not order callbacks sent at once, so neither does this test.
    const answered = async (count: number) => {
      const deadline = Date.now() + 20_000;
      while ((running.emulator?.sfnCalls.length ?? 0) < count && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    await submit('token-of-the-first-send-attempt');
    await readOutcomes(service, 1);
    await answered(1);
    await submit('token-of-the-retried-send-attempt');
    await readOutcomes(service, 1);
    await answered(2);

    // Assess
    const answers = (service.emulator?.sfnCalls ?? []).map((call) => ({
      operation: call.operation,
      taskToken: call.input.taskToken,
      status: (JSON.parse(String(call.input.output)) as { status: string }).status,
    }));
    expect(answers).toEqual([
      { operation: 'SendTaskSuccess', taskToken: 'token-of-the-first-send-attempt', status: 'authorized' },
      {
        operation: 'SendTaskSuccess',
        taskToken: 'token-of-the-retried-send-attempt',
        status: 'already-authorized',
      },
    ]);
    expect(service.emulator?.stats.calls['redshift.AuthorizeClusterSecurityGroupIngress']).toBe(2);
    expect(service.emulator?.redshiftGroups()[0]?.cidrIps).toEqual(['203.0.113.0/24']);
  });
});
