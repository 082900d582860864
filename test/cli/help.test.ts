import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli as runInProcess } from '../../cli/main.js';
import { captureIo, cliEnv, runCli, startCli } from './cli-process.js';

const directory = mkdtempSync(join(tmpdir(), 'cli-help-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const COMMANDS = [
  [],
  ['submit'],
  ['results'],
  ['plan'],
  ['reconcile'],
  ['dlq'],
  ['dlq', 'count'],
  ['dlq', 'show'],
  ['dlq', 'redrive'],
  ['local'],
];

describe('redshift-ingress --help', () => {
  it('exits 0 from the installed bin, listing every command and the exit codes', async () => {
    // Act
    const result = await runCli(['--help'], cliEnv('http://127.0.0.1:9'));

    // Assess
    expect(result.code).toBe(0);
    for (const command of ['submit', 'results', 'plan', 'reconcile', 'dlq', 'local']) {
      expect(result.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
    expect(result.stdout).toContain(
      '3  some input lines were invalid: they are reported, the valid ones were sent',
    );
    expect(result.stderr).toBe('');
  });

  it('ends quietly when its reader closes the pipe early (`| head`)', async () => {
    // Prepare
    const child = startCli(['submit', '--help'], cliEnv('http://127.0.0.1:9'));
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });

    // Act: read the first chunk, then close our end as `head -1` does.
    await new Promise((resolve) => child.stdout.once('data', resolve));
    child.stdout.destroy();
    const code = await new Promise((resolve) => child.on('close', resolve));

    // Assess
    expect(code).toBe(0);
    expect(stderr).not.toContain('EPIPE');
  });

  it.each(COMMANDS.map((args) => ({ args, command: args.join(' ') || '(no command)' })))(
    '$command --help exits 0 with the usage, the global options and the exit codes',
    async ({ args }) => {
      // Prepare
      const io = captureIo();

      // Act
      const code = await runInProcess([...args, '--help'], io);

      // Assess
      expect(code).toBe(0);
      expect(io.out()).toMatch(new RegExp(`^Usage: redshift-ingress ${args.join(' ')}`));
      expect(io.out()).toContain('--stack-outputs <file>');
      expect(io.out()).toContain('Exit codes (when several apply, the highest wins):');
      expect(io.err()).toBe('');
    },
  );
});

describe('usage errors exit 2 with a message naming the flag and the reason', () => {
  it.each([
    [['bogus'], "error: unknown command 'bogus'"],
    [['submit', '--colour'], "error: unknown option '--colour'"],
    [
      ['submit', '--timeout', 'soon'],
      "error: option '--timeout <duration>' argument 'soon' is invalid. expected a duration such as 30s, 5m or 1h.",
    ],
    [
      ['submit', '--format', 'xml'],
      "error: option '--format <format>' argument 'xml' is invalid. Allowed choices are auto, list, csv, tsv, ndjson.",
    ],
    [
      ['submit', '--queue-url', 'http://q'],
      'error: submit: give a source (--cidr, --source-group, --prefix-list, or --ec2-group with --owner) and a target (--cluster, --workgroup, --security-group or --group), or a file of requests (- for stdin)',
    ],
    [
      ['submit', '--queue-url', 'http://q', '--cidr', '203.0.113.0/24'],
      'error: --cluster: a target is required: --cluster, --workgroup, --security-group or --group',
    ],
    [
      ['submit', '--queue-url', 'http://q', '--group', 'g', '--cidr', '203.0.113.7/24', '--ec2-group', 'bi'],
      'error: --cidr: has host bits set; the network is 203.0.113.0/24\n--cidr: give either --cidr or --ec2-group with --owner, not both',
    ],
    [
      ['submit', 'missing.txt', '--queue-url', 'http://q'],
      'error: missing.txt: cannot be read (no such file)',
    ],
    [
      ['submit', 'list.txt', '--queue-url', 'http://q', '--cidr', '1.2.3.4'],
      'error: --cidr: applies to a single request; the lines of list.txt name their own (see --help)',
    ],
    [
      ['results', '--results-url', 'http://q', '--status', 'ok'],
      'error: --status: unknown status "ok"; the statuses are authorized, already-authorized, revoked, already-revoked, rejected, failed',
    ],
    [
      ['results', '--max', 'ten'],
      "error: option '--max <n>' argument 'ten' is invalid. expected a whole number.",
    ],
    [
      ['plan', '--desired-state', 'nowhere.yaml'],
      'error: --desired-state nowhere.yaml: cannot be read (no such file)',
    ],
    [
      ['plan', '--desired-state', 'bad.yaml'],
      'error: Invalid desired state bad.yaml:\n  bad.yaml:4:15: groups.analytics-prod.cidrIps.0: has host bits set; the network is 203.0.113.0/24',
    ],
    [
      ['plan', '--desired-state', 'good.yaml', '--max-prune', 'many'],
      'error: --max-prune: must be a whole number from 0 to 1000, got "many"',
    ],
    [
      ['dlq', 'count'],
      'error: requests DLQ URL: not given; pass --dlq-url, set REQUESTS_DLQ_URL, or pass --stack-outputs FILE holding RequestsDlqUrl',
    ],
  ])('%j', async (args, message) => {
    // Prepare
    writeFileSync(
      join(directory, 'bad.yaml'),
      'version: 1\ngroups:\n  analytics-prod:\n    cidrIps: [203.0.113.7/24]\n',
    );
    writeFileSync(
      join(directory, 'good.yaml'),
      'version: 1\ngroups:\n  analytics-prod:\n    cidrIps: [203.0.113.0/24]\n',
    );
    const io = { ...captureIo(), cwd: directory };

    // Act
    const code = await runInProcess(args, io);

    // Assess
    expect(code).toBe(2);
    expect(io.err().split('\n(add --help for usage)')[0]?.trimEnd()).toBe(message);
    expect(io.out()).toBe('');
  });
});
