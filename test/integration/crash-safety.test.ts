import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureClusterSecurityGroup, ensureQueues, type LocalQueues } from '../../local/stack.js';
import { type Outcome, outcomeSchema } from '../../src/domain/outcome-schema.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { requestBody } from '../helpers/factories.js';

const RUNNER = fileURLToPath(new URL('../../local/chaos/runner-process.ts', import.meta.url));
const PREFIX = 'crash';
const VISIBILITY_SECONDS = 2;
const GROUP = 'analytics-prod';

let stack: TestEmulator | undefined;
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  }
  await stack?.close();
  stack = undefined;
});

/** Starts the runner in a process of its own, its handler configured by `env` on top of test defaults. */
function spawnRunner(
  endpoint: string,
  env: Record<string, string> = {},
): { child: ChildProcess; output: () => string } {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      RUNNER,
      '--endpoint',
      endpoint,
      '--prefix',
      PREFIX,
      '--max-receive-count',
      '5',
      '--visibility-timeout',
      String(VISIBILITY_SECONDS),
    ],
    {
      env: {
        ...process.env,
        ALLOWED_GROUPS: 'analytics-*',
        RETRY_BASE_SECONDS: '0',
        RETRY_MAX_SECONDS: '0',
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_REGION: 'us-east-1',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  return { child, output: () => output };
}

/** Starts the runner and resolves once it polls. */
async function startRunner(endpoint: string): Promise<ChildProcess> {
  const { child, output } = spawnRunner(endpoint);
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', () => {
      if (output().includes('ready\n')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`runner exited (${code}) before polling: ${output()}`)));
  });
  return child;
}

async function waitFor(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function counts(queueUrl: string): Promise<{ visible: number; inFlight: number }> {
  const { Attributes = {} } = await (stack as TestEmulator).sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

/** Reads and deletes what the results queue holds now. */
async function readOutcomes(queues: LocalQueues, into: Outcome[]): Promise<void> {
  const { sqs } = stack as TestEmulator;
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queues.results.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
  );
  if (Messages.length === 0) return;
  into.push(...Messages.map((message) => outcomeSchema.parse(JSON.parse(message.Body ?? ''))));
  await sqs.send(
    new DeleteMessageBatchCommand({
      QueueUrl: queues.results.url,
      Entries: Messages.map((message, index) => ({
        Id: String(index),
        ReceiptHandle: message.ReceiptHandle,
      })),
    }),
  );
}

describe('crash safety: the runner process killed mid-batch and restarted', () => {
  it('completes every request after the visibility timeout, losing nothing', async () => {
    // Prepare: one group, so a batch runs its requests one after another, each Redshift call slowed
    // to 300 ms: the first batch is mid-way for about three seconds.
    stack = await startTestEmulator();
    const { emulator, sqs, redshift } = stack;
    const queues = await ensureQueues(sqs, {
      prefix: PREFIX,
      maxReceiveCount: 5,
      visibilityTimeoutSeconds: VISIBILITY_SECONDS,
    });
    await ensureClusterSecurityGroup(redshift, GROUP, ['192.0.2.0/24']);
    const bodies = [
      ...Array.from({ length: 15 }, (_, i) =>
        requestBody({ requestId: `add-${i}`, cidrIp: `10.0.${i}.0/24` }),
      ),
      requestBody({ requestId: 'remove-initial', action: 'revoke', cidrIp: '192.0.2.0/24' }),
    ];
    for (let start = 0; start < bodies.length; start += 10) {
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queues.requests.url,
          Entries: bodies
            .slice(start, start + 10)
            .map((body, index) => ({ Id: String(index), MessageBody: JSON.stringify(body) })),
        }),
      );
    }
    emulator.faults.setRules([{ service: 'redshift', latencyMs: 300 }]);
    const changes = () =>
      (emulator.stats.calls['redshift.AuthorizeClusterSecurityGroupIngress'] ?? 0) +
      (emulator.stats.calls['redshift.RevokeClusterSecurityGroupIngress'] ?? 0);

    // Act: kill the first runner once its batches have made some Redshift calls but published nothing.
    const first = await startRunner(emulator.url);
    await waitFor('the first batch to be mid-way', () => changes() >= 3);
    first.kill('SIGKILL');
    await once(first, 'exit');
    const atCrash = { changes: changes(), requests: await counts(queues.requests.url) };
    const outcomes: Outcome[] = [];
    await readOutcomes(queues, outcomes);
    const outcomesAtCrash = outcomes.length;
    emulator.faults.clear();
    await startRunner(emulator.url);
    await waitFor(
      'an outcome for every request',
      async () => {
        await readOutcomes(queues, outcomes);
        return new Set(outcomes.map((outcome) => outcome.requestId)).size === bodies.length;
      },
      30_000,
    );

    // Assess: the crash happened mid-batch, with requests in flight and no outcome yet.
    expect(first.signalCode).toBe('SIGKILL');
    expect(atCrash.changes).toBeGreaterThanOrEqual(3);
    expect(atCrash.requests.inFlight).toBeGreaterThan(0);
    expect(outcomesAtCrash).toBe(0);
    // Every request completed, those of the killed batch on a later delivery; the changes Redshift
    // had already applied report the idempotent already-authorized.
    const last = new Map(outcomes.map((outcome) => [outcome.requestId, outcome]));
    expect([...last.keys()].sort()).toEqual(bodies.map((body) => body.requestId as string).sort());
    expect(
      [...last.values()].every((outcome) => outcome.status !== 'failed' && outcome.status !== 'rejected'),
    ).toBe(true);
    const redelivered = outcomes.filter((outcome) => outcome.attempt >= 2);
    expect(redelivered.length).toBeGreaterThan(0);
    expect(redelivered.some((outcome) => outcome.status === 'already-authorized')).toBe(true);
    // Nothing left behind, nothing dead-lettered, and the rules are what the requests asked.
    await waitFor('the requests queue to empty', async () => {
      const now = await counts(queues.requests.url);
      return now.visible + now.inFlight === 0;
    });
    expect(await counts(queues.requestsDlq.url)).toEqual({ visible: 0, inFlight: 0 });
    const group = emulator.redshiftGroups().find((candidate) => candidate.name === GROUP);
    expect(group?.cidrIps.sort()).toEqual(Array.from({ length: 15 }, (_, i) => `10.0.${i}.0/24`).sort());
  }, 60_000);

  it('a runner with invalid configuration exits before polling, naming every bad variable', async () => {
    // Prepare
    stack = await startTestEmulator();
    await ensureQueues(stack.sqs, {
      prefix: PREFIX,
      maxReceiveCount: 5,
      visibilityTimeoutSeconds: VISIBILITY_SECONDS,
    });

    // Act
    const { child, output } = spawnRunner(stack.emulator.url, {
      ALLOWED_GROUPS: '',
      MIN_CIDR_PREFIX: 'wide',
    });
    const [code] = await once(child, 'exit');

    // Assess
    expect(code).toBe(1);
    expect(output()).not.toContain('ready');
    expect(output()).toContain(
      'runner could not start: Invalid configuration: ALLOWED_GROUPS: is required unless ALLOWED_CLUSTERS, ALLOWED_WORKGROUPS or ALLOWED_SECURITY_GROUP_IDS is set (names or * patterns of the targets the service may change; nothing is allowed by default); MIN_CIDR_PREFIX: must be a whole number from 0 to 32, got "wide"',
    );
    expect(stack.emulator.stats.calls['sqs.ReceiveMessage'] ?? 0).toBe(0);
  }, 30_000);
});
