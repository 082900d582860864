import { spawn } from 'node:child_process';
import { join } from 'node:path';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type LocalService, startLocalService } from '../../local/service.js';
import { type Outcome, outcomeSchema } from '../../src/domain/outcome-schema.js';
import { cliEnv, runCli } from '../cli/cli-process.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { describeWithMoto, type MotoServer, startMoto } from '../helpers/moto.js';

// The local runner with the real handlers over moto's SQS, an SQS this project did not write: requests,
// retries, redrive to the DLQ after MAX_RECEIVE_COUNT, Failed[] and `dlq redrive` run against it. moto's
// Redshift cluster security groups are a stub, so Redshift is the embedded emulator's
// (AWS_ENDPOINT_URL_REDSHIFT), which also injects the outage that sends requests to the DLQ. Nothing
// here depends on moto's FIFO delivery order, which is not SQS's.

const MAX_RECEIVE_COUNT = 2;
/** Long enough for no batch to outlive it, short enough that dead letters move within seconds. */
const VISIBILITY_SECONDS = 2;
/** The most any wait below may take before the test fails as stuck (a bound, not a measurement). */
const STUCK_MS = 60_000;

let moto: MotoServer;
let emulator: TestEmulator;
let service: LocalService;
let sqs: SQSClient;
const redshiftEndpointBefore = process.env.AWS_ENDPOINT_URL_REDSHIFT;
/** Every outcome read from the results queue, in arrival order. */
const outcomes: Outcome[] = [];

async function readOutcomes(): Promise<void> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: service.queues.results.url,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 1,
    }),
  );
  for (const message of Messages) outcomes.push(outcomeSchema.parse(JSON.parse(message.Body ?? '')));
  if (Messages.length > 0) {
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: service.queues.results.url,
        Entries: Messages.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle,
        })),
      }),
    );
  }
}

async function depth(queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible)
  );
}

/** Reads outcomes until `done` holds; fails naming `what` if it never does. */
async function until(what: string, done: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + STUCK_MS;
  while (!(await done())) {
    if (Date.now() > deadline)
      throw new Error(`stuck waiting for ${what}; outcomes so far: ${JSON.stringify(outcomes)}`);
    await readOutcomes();
  }
}

async function send(body: unknown): Promise<void> {
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: service.queues.requests.url,
      MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
    }),
  );
}

const request = (requestId: string, cidrIp: string) => ({
  version: 1,
  requestId,
  clusterSecurityGroupName: 'analytics-prod',
  cidrIp,
});
const outcomesOf = (requestId: string) => outcomes.filter((outcome) => outcome.requestId === requestId);

describeWithMoto('the local runner over moto’s SQS, Redshift on the embedded emulator', () => {
  beforeAll(async () => {
    moto = await startMoto();
    emulator = await startTestEmulator();
    process.env.AWS_ENDPOINT_URL_REDSHIFT = emulator.emulator.url;
    service = await startLocalService({
      endpoint: moto.url,
      queues: {
        prefix: 'moto-e2e',
        maxReceiveCount: MAX_RECEIVE_COUNT,
        visibilityTimeoutSeconds: VISIBILITY_SECONDS,
      },
      groups: { 'analytics-prod': [] },
      env: {
        ALLOWED_GROUPS: 'analytics-*',
        RETRY_BASE_SECONDS: '0',
        RETRY_MAX_SECONDS: '1',
        AWS_MAX_ATTEMPTS: '1',
        POWERTOOLS_LOG_LEVEL: 'SILENT',
      },
      eventSource: { waitTimeSeconds: 1 },
    });
    sqs = new SQSClient({ endpoint: moto.url, region: 'us-east-1' });
  }, 60_000);

  afterAll(async () => {
    sqs?.destroy();
    await service?.stop();
    await emulator?.close();
    await moto?.close();
    if (redshiftEndpointBefore === undefined) delete process.env.AWS_ENDPOINT_URL_REDSHIFT;
    else process.env.AWS_ENDPOINT_URL_REDSHIFT = redshiftEndpointBefore;
  });

  it('runs on moto’s queues with the handler’s MAX_RECEIVE_COUNT equal to the queue’s redrive count', () => {
    // Assess
    expect(service.queues.requests.url.startsWith(moto.url)).toBe(true);
    expect(service.queues.requestsSettings).toEqual({
      maxReceiveCount: MAX_RECEIVE_COUNT,
      visibilityTimeoutSeconds: VISIBILITY_SECONDS,
    });
    expect(process.env.MAX_RECEIVE_COUNT).toBe(String(MAX_RECEIVE_COUNT));
  });

  it('while Redshift is down: every request ends in moto’s DLQ, each with a `failed` outcome on its last attempt', async () => {
    // Prepare
    emulator.emulator.faults.setRules([
      {
        service: 'redshift',
        operation: 'AuthorizeClusterSecurityGroupIngress',
        errorRate: 1,
        errors: ['ServiceUnavailable503'],
      },
    ]);
    const ids = ['down-1', 'down-2', 'down-3'];

    // Act
    await send(request('down-1', '203.0.113.0/24'));
    await send(request('down-2', '198.51.100.0/24'));
    await send(request('down-3', '192.0.2.0/24'));
    await until('three failed outcomes', () => ids.every((id) => outcomesOf(id).length > 0));
    await until(
      'the three requests in the DLQ',
      async () => (await depth(service.queues.requestsDlq.url)) === 3,
    );
    emulator.emulator.faults.clear();

    // Assess
    for (const id of ids) {
      expect(outcomesOf(id)).toEqual([
        expect.objectContaining({
          status: 'failed',
          attempt: MAX_RECEIVE_COUNT,
          error: expect.objectContaining({ retryable: true }),
        }),
      ]);
    }
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: service.queues.requestsDlq.url,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 0,
        MessageSystemAttributeNames: ['ApproximateReceiveCount'],
      }),
    );
    const dead = Messages.map(
      (message) => (JSON.parse(message.Body ?? '{}') as { requestId: string }).requestId,
    );
    expect(dead.sort()).toEqual(ids);
    expect(await depth(service.queues.requests.url)).toBe(0);
  });

  it('with Redshift back: each request gets one outcome, an invalid body a rejection naming its field', async () => {
    // Act
    await send(request('up-1', '203.0.113.0/24'));
    await send(request('up-2', '10.10.0.0/16'));
    await send(
      '{"version":1,"clusterSecurityGroupName":"analytics-prod","cidrIp":"203.0.113.7/24","requestId":"bad-1"}',
    );
    await until('three outcomes', () => ['up-1', 'up-2', 'bad-1'].every((id) => outcomesOf(id).length > 0));
    await until('an empty requests queue', async () => (await depth(service.queues.requests.url)) === 0);

    // Assess
    expect(outcomesOf('up-1')).toEqual([expect.objectContaining({ status: 'authorized', attempt: 1 })]);
    expect(outcomesOf('up-2')).toEqual([expect.objectContaining({ status: 'authorized' })]);
    expect(outcomesOf('bad-1')).toEqual([
      expect.objectContaining({
        status: 'rejected',
        error: expect.objectContaining({ message: expect.stringContaining('203.0.113.0/24') }),
      }),
    ]);
  });

  it('`dlq redrive` on moto falls back to receive-and-send, saying why, and the redriven requests are applied', async () => {
    // Act: moto answers StartMessageMoveTask with HTTP 500 and an HTML page.
    const result = await runCli(
      [
        'dlq',
        'redrive',
        '--dlq-url',
        service.queues.requestsDlq.url,
        '--queue-url',
        service.queues.requests.url,
      ],
      cliEnv(moto.url),
    );
    await until('outcomes of the redriven requests', () =>
      ['down-1', 'down-2', 'down-3'].every((id) => outcomesOf(id).length === 2),
    );
    await until('an empty requests queue', async () => (await depth(service.queues.requests.url)) === 0);

    // Assess
    expect(result.stderr).toContain(
      'note: StartMessageMoveTask is not available here (the endpoint answered StartMessageMoveTask with HTTP 500 and a body that is not an AWS error, so it does not implement message move tasks); moving by receive, send and delete',
    );
    expect(result.stdout).toContain('Moved 3 messages');
    expect(result.code).toBe(0);
    expect(result.stderr).not.toMatch(/Deserialization|<!doctype/i);
    // down-1 names the range up-1 authorized meanwhile: an idempotent success.
    expect(outcomesOf('down-1')[1]).toMatchObject({ status: 'already-authorized' });
    expect(outcomesOf('down-2')[1]).toMatchObject({ status: 'authorized' });
    expect(outcomesOf('down-3')[1]).toMatchObject({ status: 'authorized' });
    expect(await depth(service.queues.requestsDlq.url)).toBe(0);
    const group = emulator.emulator.redshiftGroups().find(({ name }) => name === 'analytics-prod');
    expect(group?.cidrIps.sort()).toEqual([
      '10.10.0.0/16',
      '192.0.2.0/24',
      '198.51.100.0/24',
      '203.0.113.0/24',
    ]);
  });

  it('`npm start -- --endpoint` on moto stops on a queue it cannot adopt with one line naming the attribute and the fix, no stack trace', async () => {
    // Prepare: a requests queue of the local stack's name, made by hand without a redrive policy.
    await sqs.send(
      new CreateQueueCommand({
        QueueName: 'redshift-ingress-local-requests',
        Attributes: { VisibilityTimeout: '60' },
      }),
    );
    const root = join(import.meta.dirname, '..', '..');

    // Act
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(root, 'local', 'start.ts'), '--endpoint', moto.url, '--no-examples'],
      { cwd: root, env: { ...process.env, AWS_ENDPOINT_URL_REDSHIFT: emulator.emulator.url } },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));

    // Assess
    expect(code).toBe(2);
    expect(stderr.trim()).toBe(
      `queue redshift-ingress-local-requests already exists with no RedrivePolicy: failed requests would never reach redshift-ingress-local-requests-dlq: delete it (aws --endpoint-url <endpoint> sqs delete-queue --queue-url ${moto.url}/123456789012/redshift-ingress-local-requests) and start again`,
    );
  });
});
