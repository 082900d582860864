import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalService } from '../../local/service.js';
import { outcomeSchema } from '../../src/domain/outcome-schema.js';
import { requestBody } from '../helpers/factories.js';
import { sendRequests, startTestService } from '../helpers/local-service.js';
import { cliEnv, finished, queueCounts, runCli, startCli, waitForOutput } from './cli-process.js';

let service: LocalService;
let directory: string;
let env: Record<string, string>;

beforeAll(async () => {
  service = await startTestService({ groups: { 'analytics-prod': ['192.0.2.0/24'] } });
  directory = mkdtempSync(join(tmpdir(), 'cli-wait-'));
  env = cliEnv(service.endpoint, {
    REQUESTS_QUEUE_URL: service.queues.requests.url,
    RESULTS_QUEUE_URL: service.queues.results.url,
  });
});

afterAll(async () => {
  await service.stop();
  rmSync(directory, { recursive: true, force: true });
});

/** Waits until the results queue holds `count` visible messages. */
async function resultsVisible(count: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while ((await queueCounts(service.sqs, service.queues.results.url)).visible < count) {
    if (Date.now() > deadline) throw new Error(`the results queue never held ${count} messages`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('redshift-ingress submit --wait and results (spawned, against the running service)', () => {
  it('--wait prints each outcome matched by request id and exits 1 when one was rejected', async () => {
    // Prepare
    const csv = join(directory, 'changes.csv');
    writeFileSync(
      csv,
      [
        'group,cidr,action,request-id,reason',
        'analytics-prod,203.0.113.0/24,,onb-1,new office',
        'analytics-prod,192.0.2.0/24,,onb-2,"exists, already"',
        'other-prod,198.51.100.0/24,,onb-3,not allowed',
        'analytics-prod,10.9.0.0/16,revoke,onb-4,never there',
      ].join('\n'),
    );

    // Act
    const result = await runCli(['submit', csv, '--wait', '--timeout', '20s'], env);

    // Assess
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/onb-1\s+2\s+authorized\s+analytics-prod\s+203\.0\.113\.0\/24/);
    expect(result.stdout).toMatch(/onb-2\s+3\s+already-authorized\s+analytics-prod\s+192\.0\.2\.0\/24/);
    expect(result.stdout).toMatch(
      /onb-3\s+4\s+rejected\s+other-prod\s+198\.51\.100\.0\/24\s+PolicyRefused: .*ALLOWED_GROUPS/,
    );
    expect(result.stdout).toMatch(/onb-4\s+5\s+already-revoked\s+analytics-prod\s+10\.9\.0\.0\/16/);
    expect(result.stdout).toMatch(
      /4 requests: (?=.*1 authorized)(?=.*1 already-authorized)(?=.*1 rejected)(?=.*1 already-revoked)/,
    );
    expect(await queueCounts(service.sqs, service.queues.results.url)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('--wait --json exits 0 when every request succeeded, with the outcomes in one JSON document', async () => {
    // Act
    const result = await runCli(
      [
        'submit',
        '--group',
        'analytics-prod',
        '--cidr',
        '198.51.100.7',
        '--request-id',
        'one-ip',
        '--ticket',
        'CHG-7',
        '--wait',
        '--json',
      ],
      env,
    );

    // Assess
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as {
      sent: unknown[];
      wait: { outcomes: unknown[]; missing: string[]; counts: Record<string, number> };
    };
    expect(summary.sent).toEqual([{ line: 1, requestId: 'one-ip', messageId: expect.any(String) }]);
    expect(summary.wait.missing).toEqual([]);
    expect(summary.wait.counts).toEqual({ authorized: 1 });
    const outcome = outcomeSchema.parse(summary.wait.outcomes[0]);
    expect(outcome).toMatchObject({
      requestId: 'one-ip',
      status: 'authorized',
      rule: { cidrIp: '198.51.100.7/32' },
      approval: { ticket: 'CHG-7' },
    });
  });

  it('results shows without consuming, filters by status, deletes only with --ack, and --follow stops on Ctrl-C', async () => {
    // Prepare: two outcomes on the results queue.
    await sendRequests(service, [
      requestBody({ requestId: 'r-ok', cidrIp: '203.0.113.64/26' }),
      requestBody({ requestId: 'r-refused', clusterSecurityGroupName: 'finance-prod' }),
    ]);
    await resultsVisible(2);

    // Act 1: NDJSON, nothing consumed.
    const json = await runCli(['results', '--json'], env);

    // Assess 1
    expect(json.code).toBe(0);
    const lines = json.stdout
      .trim()
      .split('\n')
      .map((line) => outcomeSchema.parse(JSON.parse(line)));
    expect(lines.map((outcome) => [outcome.requestId, outcome.status]).sort()).toEqual([
      ['r-ok', 'authorized'],
      ['r-refused', 'rejected'],
    ]);
    expect(await queueCounts(service.sqs, service.queues.results.url)).toEqual({ visible: 2, inFlight: 0 });

    // Act 2: only the rejected one, as a table, acknowledged.
    const rejected = await runCli(['results', '--status', 'rejected,failed', '--ack'], env);

    // Assess 2
    expect(rejected.code).toBe(0);
    expect(rejected.stdout).toMatch(
      /^STATUS\s+REQUEST-ID\s+TARGET\s+SOURCE\s+SECURITY-GROUP\s+PORT\s+PROCESSED-AT\s+DETAIL\n/,
    );
    expect(rejected.stdout).toMatch(
      /rejected\s+r-refused\s+finance-prod\s+203\.0\.113\.0\/24\s+\S+\s+PolicyRefused/,
    );
    expect(rejected.stdout).not.toContain('r-ok');
    expect(rejected.stderr).toBe('1 result shown, deleted (--ack)\n');
    expect(await queueCounts(service.sqs, service.queues.results.url)).toEqual({ visible: 1, inFlight: 0 });

    // Act 3: follow until Ctrl-C.
    const follower = startCli(['results', '--follow'], env);
    const done = finished(follower);
    await waitForOutput(follower, 'r-ok');
    follower.kill('SIGINT');
    const followed = await done;

    // Assess 3: the line format of npm start, a clean exit, and the message visible again.
    expect(followed.code).toBe(0);
    expect(followed.stdout).toMatch(/^\+ authorized\s+r-ok\s+analytics-prod 203\.0\.113\.64\/26\n$/);
    expect(await queueCounts(service.sqs, service.queues.results.url)).toEqual({ visible: 1, inFlight: 0 });
  });
});
