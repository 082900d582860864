import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureQueues, type LocalQueues } from '../../local/stack.js';
import { requestMessageGroupId } from '../../src/domain/message-group.js';
import { buildOutcome } from '../../src/domain/outcome.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { cliEnv, receiveAll, runCli } from './cli-process.js';

let emulator: TestEmulator;
let queues: LocalQueues;
let directory: string;

beforeAll(async () => {
  emulator = await startTestEmulator();
  directory = mkdtempSync(join(tmpdir(), 'cli-submit-'));
});

afterAll(async () => {
  await emulator.close();
  rmSync(directory, { recursive: true, force: true });
});

/** Fresh queues per test, so counts belong to one test. */
async function freshQueues(prefix: string): Promise<LocalQueues> {
  return ensureQueues(emulator.sqs, { prefix });
}

describe('redshift-ingress submit (spawned, against the emulator)', () => {
  it('sends the 997 valid lines of a 1,000-line office list and reports the 3 invalid ones', async () => {
    // Prepare: the queue URL comes from a describe-stacks answer, as after a deploy.
    queues = await freshQueues('office-list');
    const lines = Array.from(
      { length: 1000 },
      (_, i) => `10.${Math.floor(i / 250)}.${i % 250}.0/24 # office ${i + 1}`,
    );
    lines[99] = '10.99.0.7/24 # host bits set';
    lines[499] = '300.1.2.3';
    lines[899] = '2001:db8::/32 # IPv6';
    const list = join(directory, 'offices.txt');
    writeFileSync(list, `# NYC onboarding\n${lines.join('\n')}\n`);
    const outputs = join(directory, 'stack.json');
    writeFileSync(
      outputs,
      JSON.stringify({
        Stacks: [{ Outputs: [{ OutputKey: 'RequestsQueueUrl', OutputValue: queues.requests.url }] }],
      }),
    );

    // Act
    const result = await runCli(
      [
        'submit',
        list,
        '--group',
        'analytics-prod',
        '--request-id-prefix',
        'nyc',
        '--ticket',
        'CHG-1',
        '--stack-outputs',
        outputs,
      ],
      cliEnv(emulator.emulator.url),
    );

    // Assess: exit 3 (partially invalid), each invalid line named with its number (header comment is line 1).
    expect(result.code).toBe(3);
    const errors = result.stderr.trim().split('\n');
    expect(errors).toEqual([
      `${list}:101: cidrIp: has host bits set; the network is 10.99.0.0/24`,
      expect.stringMatching(new RegExp(`^${list}:501: cidrIp: .+`)),
      expect.stringMatching(new RegExp(`^${list}:901: cidrIp: .+IPv6`)),
    ]);
    expect(result.stdout).toContain(`Sent 997 requests to ${queues.requests.url}; 3 invalid lines skipped`);
    const messages = await receiveAll(emulator.sqs, queues.requests.url);
    expect(messages).toHaveLength(997);
    const bodies = messages.map((message) => JSON.parse(message.Body ?? '{}') as Record<string, unknown>);
    const ids = new Set(bodies.map((body) => body.requestId));
    expect(ids.size).toBe(997);
    expect(ids.has('nyc-2')).toBe(true);
    expect(ids.has('nyc-101')).toBe(false);
    expect(bodies.find((body) => body.requestId === 'nyc-2')).toEqual({
      version: 1,
      requestId: 'nyc-2',
      action: 'authorize',
      clusterSecurityGroupName: 'analytics-prod',
      cidrIp: '10.0.0.0/24',
      requestedBy: expect.stringMatching(/^cli:/),
      reason: 'office 1',
      approval: { ticket: 'CHG-1' },
    });
  });

  it('--wait times out listing the request ids without outcome, and leaves other messages on the results queue, even one with the same request id', async () => {
    // Prepare: no service runs; an older request's outcome with the same request id as one sent now is
    // already there (a stale outcome: not this send's message id), plus another producer's outcome.
    queues = await freshQueues('wait-timeout');
    const outcome = (requestId: string) =>
      JSON.stringify(
        buildOutcome({
          requestId,
          messageId: `m-${requestId}`,
          action: 'authorize',
          status: 'authorized',
          rule: { clusterSecurityGroupName: 'analytics-prod', cidrIp: '203.0.113.0/24' },
          attempt: 1,
          processedAt: new Date(),
        }),
      );
    await emulator.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queues.results.url,
        Entries: [
          { Id: 'mine', MessageBody: outcome('chg-1') },
          { Id: 'theirs', MessageBody: outcome('someone-else') },
        ],
      }),
    );
    const ndjson = [
      {
        version: 1,
        requestId: 'chg-1',
        clusterSecurityGroupName: 'analytics-prod',
        cidrIp: '203.0.113.0/24',
      },
      {
        version: 1,
        requestId: 'chg-2',
        clusterSecurityGroupName: 'analytics-prod',
        cidrIp: '198.51.100.0/24',
      },
      {
        version: 1,
        requestId: 'chg-3',
        action: 'revoke',
        clusterSecurityGroupName: 'analytics-prod',
        cidrIp: '192.0.2.0/24',
      },
    ]
      .map((line) => JSON.stringify(line))
      .join('\n');

    // Act: stdin as NDJSON.
    const result = await runCli(
      ['submit', '-', '--wait', '--timeout', '2s'],
      cliEnv(emulator.emulator.url, {
        REQUESTS_QUEUE_URL: queues.requests.url,
        RESULTS_QUEUE_URL: queues.results.url,
      }),
      { input: ndjson },
    );

    // Assess: exit 4; the stale outcome is not taken for chg-1's; every row names its target; the
    // hint says the requests were never taken; both outcomes are still on the results queue.
    expect(result.code).toBe(4);
    expect(result.stdout).toContain('Sent 3 requests');
    expect(result.stdout).toMatch(/chg-1\s+1\s+\(no outcome\)\s+analytics-prod\s+203\.0\.113\.0\/24\n/);
    expect(result.stdout).toMatch(/chg-2\s+2\s+\(no outcome\)\s+analytics-prod\s+198\.51\.100\.0\/24\n/);
    expect(result.stdout).toMatch(/chg-3\s+3\s+\(no outcome\)\s+analytics-prod\s+192\.0\.2\.0\/24\n/);
    expect(result.stdout).toContain('3 requests: 3 no outcome');
    expect(result.stdout).toContain('Timed out after 2s; no outcome yet for: chg-1, chg-2, chg-3');
    expect(result.stderr).toContain(
      'note: 3 messages wait on the requests queue and none is being processed: is the service running against',
    );
    const left = await receiveAll(emulator.sqs, queues.results.url);
    expect(
      left.map((message) => (JSON.parse(message.Body ?? '{}') as { requestId: string }).requestId).sort(),
    ).toEqual(['chg-1', 'someone-else']);
  });

  it('sends to a FIFO queue with the group as message group and a content-based deduplication id', async () => {
    // Prepare
    const fifo = await ensureQueues(emulator.sqs, { prefix: 'fifo-submit', fifo: true });
    const list = '203.0.113.0/24\n198.51.100.0/24\n';

    // Act
    const result = await runCli(
      [
        'submit',
        '-',
        '--group',
        'analytics-prod',
        '--request-id-prefix',
        'f',
        '--queue-url',
        fifo.requests.url,
      ],
      cliEnv(emulator.emulator.url),
      { input: list },
    );

    // Assess
    expect(result.code).toBe(0);
    const { Messages = [] } = await emulator.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: fifo.requests.url,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['MessageGroupId', 'MessageDeduplicationId'],
      }),
    );
    expect(
      Messages.map((message) => (JSON.parse(message.Body ?? '{}') as { requestId: string }).requestId),
    ).toEqual(['f-1', 'f-2']);
    for (const message of Messages) {
      expect(message.Attributes?.MessageGroupId).toBe('analytics-prod');
      expect(message.Attributes?.MessageDeduplicationId).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('groups FIFO messages by the target as Redshift identifies it, whatever case the group is given in', async () => {
    // Prepare
    const fifo = await ensureQueues(emulator.sqs, { prefix: 'fifo-case', fifo: true });

    // Act
    const result = await runCli(
      [
        'submit',
        '-',
        '--group',
        'Analytics-Prod',
        '--request-id-prefix',
        'c',
        '--queue-url',
        fifo.requests.url,
      ],
      cliEnv(emulator.emulator.url),
      { input: '203.0.113.0/24\n' },
    );

    // Assess
    expect(result.code).toBe(0);
    const { Messages = [] } = await emulator.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: fifo.requests.url,
        MessageSystemAttributeNames: ['MessageGroupId'],
      }),
    );
    expect(Messages.map((message) => message.Attributes?.MessageGroupId)).toEqual([
      requestMessageGroupId({ clusterSecurityGroupName: 'analytics-prod' }),
    ]);
  });

  it('refuses to run without a requests queue URL, naming every way to give one (exit 2)', async () => {
    // Act
    const result = await runCli(
      ['submit', '--group', 'analytics-prod', '--cidr', '203.0.113.0/24'],
      cliEnv(emulator.emulator.url),
    );

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'error: requests queue URL: not given; pass --queue-url, set REQUESTS_QUEUE_URL, or pass --stack-outputs FILE holding RequestsQueueUrl\n',
    );
  });
});
