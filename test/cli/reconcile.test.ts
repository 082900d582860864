import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureClusterSecurityGroup, ensureQueues, type LocalQueues } from '../../local/stack.js';
import { reconciliationReportSchema } from '../../src/domain/reconciliation-report-schema.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { cliEnv, receiveAll, runCli } from './cli-process.js';

let emulator: TestEmulator;
let queues: LocalQueues;
let directory: string;
let env: Record<string, string>;

const DRIFTED = `version: 1
groups:
  analytics-prod:
    cidrIps:
      - 203.0.113.0/24
      - 198.51.100.7/32 # VPN egress
  analytics-dev:
    prune: true
    cidrIps:
      - 203.0.113.0/24
`;

const IN_SYNC = `version: 1
groups:
  analytics-prod:
    cidrIps: [192.0.2.0/24, 203.0.113.0/24]
`;

beforeAll(async () => {
  emulator = await startTestEmulator();
  queues = await ensureQueues(emulator.sqs, { prefix: 'reconcile-cli' });
  await ensureClusterSecurityGroup(emulator.redshift, 'analytics-prod', ['192.0.2.0/24', '203.0.113.0/24']);
  await ensureClusterSecurityGroup(emulator.redshift, 'analytics-dev', ['10.20.0.0/16', '203.0.113.0/24']);
  directory = mkdtempSync(join(tmpdir(), 'cli-reconcile-'));
  writeFileSync(join(directory, 'drifted.yaml'), DRIFTED);
  writeFileSync(join(directory, 'in-sync.yaml'), IN_SYNC);
  env = cliEnv(emulator.emulator.url, {
    REQUESTS_QUEUE_URL: queues.requests.url,
    RESULTS_QUEUE_URL: queues.results.url,
  });
});

afterAll(async () => {
  await emulator.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('redshift-ingress plan and reconcile (spawned, against the emulator)', () => {
  it('plan prints per group what would be added and removed, and exits 1 on drift', async () => {
    // Act
    const result = await runCli(['plan', '--desired-state', 'drifted.yaml'], env, { cwd: directory });

    // Assess
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^Plan for drifted\.yaml \(dry run: nothing is enqueued\)\n/);
    expect(result.stdout).toContain('analytics-prod (prune: off)');
    expect(result.stdout).toMatch(
      /\+ 198\.51\.100\.7\/32\s+missing: would be authorized \(reconcile-authorize-[0-9a-f]{16}\)/,
    );
    expect(result.stdout).toMatch(/~ 192\.0\.2\.0\/24\s+extra: kept \(prune is off\)/);
    expect(result.stdout).toContain('analytics-dev (prune: on)');
    expect(result.stdout).toMatch(
      /- 10\.20\.0\.0\/16\s+extra: would be revoked \(reconcile-revoke-[0-9a-f]{16}\)/,
    );
    expect(result.stdout).toContain(
      'Drift: 1 missing and 2 extra rules in 2 groups; 1 authorize request and 1 revoke request would be enqueued.',
    );
    expect(await receiveAll(emulator.sqs, queues.requests.url)).toEqual([]);
  });

  it('plan exits 0 when the groups are as desired', async () => {
    // Act
    const result = await runCli(['plan', '--desired-state', join(directory, 'in-sync.yaml')], env);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('analytics-prod (in sync)');
    expect(result.stdout).toContain('No drift: 1 group as desired.');
  });

  it('reconcile --apply enqueues the requests and publishes the report, as the scheduled run does', async () => {
    // Act
    const result = await runCli(
      ['reconcile', '--apply', '--json', '--desired-state', join(directory, 'drifted.yaml')],
      env,
    );

    // Assess
    expect(result.code).toBe(0);
    const report = reconciliationReportSchema.parse(JSON.parse(result.stdout));
    expect(report).toMatchObject({
      dryRun: false,
      counts: { missing: 1, extra: 2, enqueued: 1, pruned: 1, errors: 0 },
    });
    const requests = (await receiveAll(emulator.sqs, queues.requests.url)).map(
      (message) => JSON.parse(message.Body ?? '{}') as Record<string, unknown>,
    );
    expect(requests).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: 'revoke',
          clusterSecurityGroupName: 'analytics-dev',
          cidrIp: '10.20.0.0/16',
          requestedBy: 'reconciler',
        }),
        expect.objectContaining({
          action: 'authorize',
          clusterSecurityGroupName: 'analytics-prod',
          cidrIp: '198.51.100.7/32',
        }),
      ]),
    );
    expect(requests).toHaveLength(2);
    const published = (await receiveAll(emulator.sqs, queues.results.url)).map((message) =>
      reconciliationReportSchema.parse(JSON.parse(message.Body ?? '{}')),
    );
    expect(published.map((item) => item.runId)).toEqual([report.runId]);
  });
});
