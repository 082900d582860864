import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureQueues, type LocalQueues } from '../../local/stack.js';
import { type Emulator, startEmulator } from '../../local/emulator/index.js';
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  BIN,
  cleanEnv,
  exited,
  pressCtrlC,
  queueCounts,
  ROOT,
  receiveAll,
  runCli,
  startGroup,
  waitForOutput,
} from './cli-process.js';

let home: string;

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'cli-first-minutes-'));
});

afterAll(() => {
  rmSync(home, { recursive: true, force: true });
});

/** Text between `start` and the end of its line. */
function lineAfter(text: string, start: string): string {
  const from = text.indexOf(start);
  if (from === -1) throw new Error(`"${start}" not in: ${text}`);
  const end = text.indexOf('\n', from + start.length);
  return text.slice(from + start.length, end === -1 ? undefined : end);
}

/** A free loopback port, closed again: nothing listens there. */
async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Runs a shell command line as a user pastes it, from an environment with no AWS variable. */
function runShell(line: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return exited(startGroup('bash', ['-c', line], env)).then(({ code, stdout, stderr }) => ({ code, stdout, stderr }));
}

describe('the local stack from a clean shell (spawned: redshift-ingress local, then its banner commands)', () => {
  let local: ReturnType<typeof startGroup>;
  let done: ReturnType<typeof exited>;
  let banner = '';
  let endpoint = '';
  let requestsUrl = '';
  let resultsUrl = '';

  beforeAll(async () => {
    local = startGroup(
      process.execPath,
      [BIN, 'local', '--port', '0', '--no-examples', '--no-outcomes', '--reconcile-every', '0'],
      cleanEnv(home),
    );
    done = exited(local);
    local.stdout.on('data', (chunk: string) => {
      banner += chunk;
    });
    await waitForOutput(local, '(Ctrl-C to stop)');
    endpoint = lineAfter(banner, 'redshift-ingress is running on ').replace(' (embedded emulator)', '');
    requestsUrl = lineAfter(banner, 'requests queue: ');
    resultsUrl = lineAfter(banner, 'results queue:  ');
  });

  afterAll(async () => {
    pressCtrlC(local);
    await done;
  });

  it("prints send commands that work as printed: the tool's and aws-cli's, with no AWS variable set", async () => {
    // Prepare: the two commands exactly as the banner prints them.
    const tool = lineAfter(banner, 'Send a request (another terminal, in this folder):\n  ');
    const aws = lineAfter(banner, '  or: ');
    expect(tool).toBe(
      `npx redshift-ingress submit --endpoint ${endpoint} --queue-url ${requestsUrl} --group analytics-prod --cidr 198.51.100.0/24`,
    );
    // aws-cli v1 reads no AWS_REGION: the region is a flag; the dummy keys are those of LocalStack's awslocal.
    expect(aws).toBe(
      `AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test aws --region us-east-1 --endpoint-url ${endpoint} sqs send-message --queue-url ${requestsUrl} --message-body '{"version":1,"clusterSecurityGroupName":"analytics-prod","cidrIp":"198.51.100.0/24"}'`,
    );

    // Act: both, as pasted into a clean shell (aws only where aws-cli is installed).
    const sent = await runShell(tool, cleanEnv(home));
    const hasAws = (() => {
      try {
        execFileSync('bash', ['-c', 'command -v aws'], { env: cleanEnv(home), stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    })();
    const viaAws = hasAws ? await runShell(aws, cleanEnv(home)) : undefined;

    // Assess: the tool names the request id it sent; the service answered both.
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/^Sent request cli-\d{8}T\d{6}Z-[0-9a-f]{6}-1 to http:\/\/127\.0\.0\.1:\d+\/000000000000\/redshift-ingress-local-requests\n$/);
    if (viaAws !== undefined) {
      expect(viaAws.code).toBe(0);
      expect(JSON.parse(viaAws.stdout)).toMatchObject({ MessageId: expect.any(String) });
    }
    const expected = viaAws === undefined ? 1 : 2;
    const results = await runCli(
      ['results', '--json', '--ack', '--endpoint', endpoint, '--results-url', resultsUrl],
      cleanEnv(home),
      { cwd: ROOT },
    );
    let outcomes = results.stdout.trim().split('\n').filter((line) => line !== '');
    for (let round = 0; outcomes.length < expected && round < 20; round += 1) {
      const more = await runCli(
        ['results', '--json', '--ack', '--endpoint', endpoint, '--results-url', resultsUrl],
        cleanEnv(home),
      );
      outcomes = [...outcomes, ...more.stdout.trim().split('\n').filter((line) => line !== '')];
    }
    const statuses = outcomes.map((line) => (JSON.parse(line) as { status: string }).status).sort();
    expect(statuses).toEqual(
      viaAws === undefined ? ['authorized'] : ['already-authorized', 'authorized'],
    );
  });

  it('--wait reports the outcome of the request it sent, not an older one with the same request id, and leaves that one on the queue', async () => {
    // Prepare: same-1 refused by policy (a /8), its outcome left on the results queue.
    const env = cleanEnv(home);
    const flags = ['--endpoint', endpoint, '--queue-url', requestsUrl, '--results-url', resultsUrl];
    const first = await runCli(
      ['submit', ...flags, '--request-id', 'same-1', '--group', 'analytics-prod', '--cidr', '10.0.0.0/8'],
      env,
    );
    expect(first.code).toBe(0);
    const sqs = new SQSClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    try {
      for (let round = 0; (await queueCounts(sqs, resultsUrl)).visible < 1 && round < 200; round += 1)
        await new Promise((resolve) => setTimeout(resolve, 100));

      // Act: the same request id again, for a range the policy allows.
      const second = await runCli(
        [
          'submit',
          ...flags,
          '--request-id',
          'same-1',
          '--group',
          'analytics-prod',
          '--cidr',
          '10.9.0.0/16',
          '--wait',
          '--timeout',
          '20s',
        ],
        env,
      );

      // Assess: its own outcome, exit 0; the older rejected outcome is still there, visible to others.
      expect(second.stderr).toBe('');
      expect(second.code).toBe(0);
      expect(second.stdout).toMatch(/same-1\s+1\s+authorized\s+analytics-prod\s+10\.9\.0\.0\/16/);
      expect(second.stdout).not.toContain('rejected');
      const left = await receiveAll(sqs, resultsUrl);
      expect(left.map((message) => JSON.parse(message.Body ?? '{}') as { requestId: string; status: string })).toEqual([
        expect.objectContaining({ requestId: 'same-1', status: 'rejected', rule: expect.objectContaining({ cidrIp: '10.0.0.0/8' }) }),
      ]);
    } finally {
      sqs.destroy();
    }
  });
});
