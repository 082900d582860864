import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliEnv, finished, startCli, waitForOutput } from './cli-process.js';

/**
 * Runs `local` with `flags` on a free port of the embedded emulator (no endpoint in the environment)
 * until it says it is up, then presses Ctrl-C and returns what it printed.
 */
async function runUntilReady(...flags: string[]) {
  const env = cliEnv('');
  delete env.AWS_ENDPOINT_URL;
  const child = startCli(
    ['local', ...flags, '--port', '0', '--no-examples', '--no-outcomes', '--reconcile-every', '0'],
    env,
  );
  const done = finished(child);
  await waitForOutput(child, '(Ctrl-C to stop)');
  child.kill('SIGINT');
  return done;
}

describe('redshift-ingress local (spawned)', () => {
  it('runs the service as npm start does and stops cleanly on Ctrl-C', async () => {
    // Act
    const result = await runUntilReady();

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^redshift-ingress is running on http:\/\/127\.0\.0\.1:\d+ \(embedded emulator\)\n/,
    );
    expect(result.stdout).toMatch(
      /requests queue: http:\/\/127\.0\.0\.1:\d+\/000000000000\/redshift-ingress-local-requests\n/,
    );
    expect(result.stdout).toContain(
      'Outcomes are left on the results queue: npx redshift-ingress results --follow',
    );
    expect(result.stdout).toContain('\nstopping...\n');
    expect(result.stderr).toBe('');
  });

  it('runs FIFO queues with --fifo, as npm start -- --fifo does', async () => {
    // Act
    const result = await runUntilReady('--fifo');

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /requests queue: http:\/\/127\.0\.0\.1:\d+\/000000000000\/redshift-ingress-local-requests\.fifo\n/,
    );
    expect(result.stdout).toMatch(
      /results queue: +http:\/\/127\.0\.0\.1:\d+\/000000000000\/redshift-ingress-local-results\.fifo\n/,
    );
  });

  it('stops with a usage error naming the line when DESIRED_STATE_PATH is invalid', async () => {
    // Prepare
    const scratch = mkdtempSync(join(tmpdir(), 'redshift-ingress-local-'));
    const file = join(scratch, 'desired-state.yaml');
    writeFileSync(file, 'version: 1\ngroups:\n  analytics-prod:\n    cidrIps: [10.0.0.1/8]\n');
    const env = cliEnv('', { DESIRED_STATE_PATH: file });
    delete env.AWS_ENDPOINT_URL;

    try {
      // Act
      const result = await finished(startCli(['local', '--port', '0', '--no-examples'], env));

      // Assess
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`${file}:4:15: groups.analytics-prod.cidrIps.0: has host bits set`);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
