import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalService } from '../../local/service.js';
import { requestBody } from '../helpers/factories.js';
import { queueDepth, readOutcomes, startTestService } from '../helpers/local-service.js';

let service: LocalService | undefined;

/** Shaped like a real task token: a long base64 text. */
const TOKEN = `AQCEAAAAKgAAAAMAAAAAAAAAA${Buffer.from('echoes-'.repeat(40)).toString('base64')}`;

afterEach(async () => {
  await service?.stop();
  service = undefined;
});

/** The JSON of a request, in ASCII: every character SQS refuses written as the JSON escape a producer sends. */
function asciiBody(overrides: Record<string, unknown>): string {
  return JSON.stringify(requestBody(overrides)).replace(
    /[\ufffe\uffff]/g,
    (character) => `\\u${(character.codePointAt(0) as number).toString(16)}`,
  );
}

/** The depth of a queue once the event source has settled its batches (deletes follow the outcomes). */
async function settledDepth(running: LocalService, queueUrl: string): Promise<number> {
  const deadline = Date.now() + 20_000;
  let depth = await queueDepth(running, queueUrl);
  while (depth > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    depth = await queueDepth(running, queueUrl);
  }
  return depth;
}

/** Sends bodies in one batch, in one FIFO message group when `groupId` is given. */
async function send(running: LocalService, bodies: readonly string[], groupId?: string): Promise<void> {
  const response = await running.sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: running.queues.requests.url,
      Entries: bodies.map((body, index) => ({
        Id: String(index),
        MessageBody: body,
        ...(groupId !== undefined && { MessageGroupId: groupId, MessageDeduplicationId: `d${index}` }),
      })),
    }),
  );
  if ((response.Failed ?? []).length > 0) throw new Error(`send failed: ${JSON.stringify(response.Failed)}`);
}

describe('outcomes SQS accepts, whatever a request echoes (local stack, real SDK and handler)', () => {
  it('answers each request once with an outcome, echoed text made safe, fields sent to AWS refused', async () => {
    // Prepare
    service = await startTestService({ groups: { 'analytics-prod': [] } });

    // Act
    await send(service, [
      asciiBody({
        requestId: 'echoes',
        requestedBy: 'ops\uffff',
        reason: 'lone \ud800 surrogate',
        approval: { ticket: 'CHG-\ufffe' },
        taskToken: TOKEN,
      }),
      asciiBody({ requestId: 'bad-cidr', cidrIp: '203.0.113.0/24\uffff' }),
      asciiBody({ requestId: 'unknown-key', 'note\uffff': 'x' }),
      asciiBody({
        requestId: 'ec2-name',
        cidrIp: undefined,
        ec2SecurityGroupName: 'bi\uffff',
        ec2SecurityGroupOwnerId: '111122223333',
      }),
    ]);
    const outcomes = await readOutcomes(service, 4);

    // Assess
    const byId = Object.fromEntries(outcomes.map((outcome) => [outcome.requestId, outcome]));
    expect(byId.echoes).toMatchObject({
      status: 'authorized',
      attempt: 1,
      requestedBy: 'ops\ufffd',
      reason: 'lone \ufffd surrogate',
      approval: { ticket: 'CHG-\ufffd' },
    });
    expect(byId['bad-cidr']).toMatchObject({ status: 'rejected', error: { code: 'InvalidRequest' } });
    expect(byId['bad-cidr']?.error?.message).toMatch(/^cidrIp: /);
    expect(byId['unknown-key']?.error?.message).toBe('"note\ufffd": is not a known field');
    expect(byId['ec2-name']).toMatchObject({
      status: 'rejected',
      error: {
        code: 'InvalidRequest',
        message: 'ec2SecurityGroupName: contains U+FFFF at character 3, which SQS and the AWS APIs refuse',
      },
    });
    expect(service.emulator?.redshiftGroups()).toEqual([
      expect.objectContaining({ name: 'analytics-prod', cidrIps: ['203.0.113.0/24'], ec2SecurityGroups: [] }),
    ]);
    expect(await settledDepth(service, service.queues.requests.url)).toBe(0);
    expect(await queueDepth(service, service.queues.requestsDlq.url)).toBe(0);
    // The waiting task is answered with the outcome as published.
    const answered = service.emulator?.sfnCalls.find((call) => call.input.taskToken === TOKEN);
    expect(answered?.operation).toBe('SendTaskSuccess');
    expect(JSON.parse(String(answered?.input.output))).toEqual(byId.echoes);
  });

  it('on a FIFO queue, does not hold back the request behind one whose outcome echoes U+FFFF', async () => {
    // Prepare
    service = await startTestService({ groups: { 'analytics-prod': [] }, queues: { fifo: true } });

    // Act
    await send(
      service,
      [
        asciiBody({ requestId: 'first', requestedBy: '\uffff', cidrIp: '203.0.113.0/24' }),
        asciiBody({ requestId: 'second', cidrIp: '198.51.100.0/24' }),
      ],
      'analytics-prod',
    );
    const outcomes = await readOutcomes(service, 2);

    // Assess
    expect(outcomes.map((outcome) => [outcome.requestId, outcome.status, outcome.attempt])).toEqual([
      ['first', 'authorized', 1],
      ['second', 'authorized', 1],
    ]);
    expect(await settledDepth(service, service.queues.requests.url)).toBe(0);
  });
});
