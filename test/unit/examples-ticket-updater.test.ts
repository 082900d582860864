import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  describeTicketPost,
  handleMessage,
  runTicketUpdater,
  type TicketPost,
} from '../../examples/consumers/ticket-updater.js';
import { type Outcome, outcomeSchema } from '../../src/domain/outcome-schema.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

const root = join(import.meta.dirname, '..', '..');
const example = (path: string): string => readFileSync(join(root, 'examples', path), 'utf8');
const authorized = outcomeSchema.parse(JSON.parse(example('outcomes/authorized.json')));

function outcome(overrides: Partial<Outcome>): Outcome {
  return outcomeSchema.parse({ ...authorized, ...overrides });
}

describe('ticket updater: the comment an outcome posts', () => {
  it('comments on the ticket of an authorized request, naming rule and request', () => {
    // Act
    const post = describeTicketPost(authorized);

    // Assess
    expect(post).toEqual({
      ticket: 'CHG-1042',
      comment: 'authorized 203.0.113.0/24 on analytics-prod (request chg-1042-nyc)',
      idempotencyKey: '5fea7756-0ea4-451a-a703-a558b933e274/1',
    });
  });

  it('gives the code and reason of a rejection, and where a failed request went', () => {
    // Prepare
    const error = {
      code: 'AuthorizationQuotaExceededFault',
      message: 'this group already has 20 rules',
      retryable: false,
    };

    // Act
    const rejected = describeTicketPost(outcome({ status: 'rejected', error }));
    const failed = describeTicketPost(
      outcome({
        status: 'failed',
        attempt: 5,
        error: { code: 'Throttling', message: 'Rate exceeded', retryable: true },
      }),
    );

    // Assess
    expect(rejected?.comment).toBe(
      'rejected 203.0.113.0/24 on analytics-prod (request chg-1042-nyc): AuthorizationQuotaExceededFault: this group already has 20 rules',
    );
    expect(failed?.comment).toBe(
      'failed 203.0.113.0/24 on analytics-prod (request chg-1042-nyc): Throttling: Rate exceeded; gave up after 5 attempts, the request is in the requests DLQ',
    );
  });

  it('names an EC2 security group target with its account, and a body too broken to name a rule', () => {
    // Act
    const ec2 = describeTicketPost(
      outcome({
        status: 'already-authorized',
        rule: {
          clusterSecurityGroupName: 'analytics-prod',
          ec2SecurityGroupName: 'bi-tools',
          ec2SecurityGroupOwnerId: '111122223333',
        },
      }),
    );
    const { rule: _rule, ...noRule } = outcome({
      status: 'rejected',
      error: { code: 'InvalidRequest', message: 'body: is not valid JSON', retryable: false },
    });
    const broken = describeTicketPost(noRule);

    // Assess
    expect(ec2?.comment).toBe(
      'already-authorized bi-tools (111122223333) on analytics-prod (request chg-1042-nyc)',
    );
    expect(broken?.comment).toBe('rejected (request chg-1042-nyc): InvalidRequest: body: is not valid JSON');
  });

  it.each([
    [
      'an outcome without a ticket',
      example('outcomes/failed.json'),
      'skip',
      /^request chg-1060-eu named no ticket$/,
    ],
    [
      'a reconciliation report',
      example('reports/reconciliation-report.json'),
      'skip',
      /^a reconciliation report$/,
    ],
    ['a body that is not JSON', 'not json', 'keep', /^body: is not JSON$/],
    ['an unknown type', '{"type":"something-else"}', 'keep', /^type: "something-else" is not known$/],
    [
      'an outcome of another version',
      JSON.stringify({ ...authorized, version: 2 }),
      'keep',
      /^version: 2 is not 1$/,
    ],
    [
      'an outcome with a field outside v1',
      JSON.stringify({ ...authorized, durationMs: 12 }),
      'keep',
      /^not an outcome v1: durationMs: is not a known field$/,
    ],
    [
      'an outcome with fields of the wrong kind',
      JSON.stringify({ ...authorized, status: 'done', attempt: '1' }),
      'keep',
      /^not an outcome v1: status: must be one of "authorized", .*; attempt: must be a number, got a string$/,
    ],
  ] as const)('%s: %s', (_name, body, kind, reason) => {
    // Act
    const handling = handleMessage(body);

    // Assess
    expect(handling).toEqual({ kind, reason: expect.stringMatching(reason) });
  });
});

describe('ticket updater over the results queue (emulator on 127.0.0.1)', () => {
  let stack: TestEmulator;
  let queueUrl: string;

  beforeAll(async () => {
    stack = await startTestEmulator({ maxAttempts: 1 });
  });

  afterAll(async () => {
    await stack.close();
  });

  beforeEach(async () => {
    stack.emulator.reset();
    ({ QueueUrl: queueUrl = '' } = await stack.sqs.send(
      new CreateQueueCommand({ QueueName: 'results', Attributes: { VisibilityTimeout: '60' } }),
    ));
  });

  async function send(...bodies: string[]): Promise<void> {
    await stack.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: bodies.map((body, index) => ({ Id: String(index), MessageBody: body })),
      }),
    );
  }

  async function messagesOnQueue(): Promise<number> {
    const { Attributes = {} } = await stack.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(Attributes.ApproximateNumberOfMessages) +
      Number(Attributes.ApproximateNumberOfMessagesNotVisible)
    );
  }

  it('posts outcomes with a ticket, deletes what it handled and leaves what is not an outcome v1', async () => {
    // Prepare
    await send(
      example('outcomes/authorized.json'),
      example('outcomes/failed.json'),
      example('reports/reconciliation-report.json'),
      'not json',
      JSON.stringify({ ...authorized, version: 2 }),
    );
    const lines: string[] = [];

    // Act
    const summary = await runTicketUpdater({
      sqs: stack.sqs,
      queueUrl,
      once: true,
      waitTimeSeconds: 0,
      print: (line) => lines.push(line),
    });

    // Assess
    expect(summary).toEqual({ posted: 1, skipped: 2, kept: 2 });
    expect(lines).toContain(
      "CHG-1042: comment 'authorized 203.0.113.0/24 on analytics-prod (request chg-1042-nyc)'",
    );
    expect(lines.filter((line) => line.startsWith('left on the queue'))).toHaveLength(2);
    expect(await messagesOnQueue()).toBe(2);
  });

  it('leaves an outcome on the queue when posting to its ticket fails', async () => {
    // Prepare
    await send(example('outcomes/authorized.json'));
    const attempts: TicketPost[] = [];

    // Act
    const summary = await runTicketUpdater({
      sqs: stack.sqs,
      queueUrl,
      once: true,
      waitTimeSeconds: 0,
      print: () => {},
      post: (post) => {
        attempts.push(post);
        throw new Error('ticketing tool unavailable');
      },
    });

    // Assess
    expect(summary).toEqual({ posted: 0, skipped: 0, kept: 1 });
    expect(attempts.map((post) => post.ticket)).toEqual(['CHG-1042']);
    expect(await messagesOnQueue()).toBe(1);
  });

  it('runs as a script with --once and prints each post and a summary', async () => {
    // Prepare
    await send(example('outcomes/authorized.json'));
    const script = join(root, 'examples', 'consumers', 'ticket-updater.ts');

    // Act
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', script, '--once', '--wait-seconds', '0', '--queue-url', queueUrl],
      {
        cwd: root,
        env: {
          ...process.env,
          AWS_ENDPOINT_URL: stack.emulator.url,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
        },
      },
    );

    // Assess
    expect(stdout.trim().split('\n')).toEqual([
      "CHG-1042: comment 'authorized 203.0.113.0/24 on analytics-prod (request chg-1042-nyc)'",
      'posted 1, skipped 0, left on the queue 0',
    ]);
    expect(await messagesOnQueue()).toBe(0);
  });
});
