import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli as runCliInProcess } from '../../cli/main.js';
import { type Emulator, startEmulator } from '../../local/emulator/index.js';
import { ensureQueues, type LocalQueues } from '../../local/stack.js';
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
function runShell(
  line: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return exited(startGroup('bash', ['-c', line], env)).then(({ code, stdout, stderr }) => ({
    code,
    stdout,
    stderr,
  }));
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
      `npx redshift-ingress submit --endpoint ${endpoint} --queue-url ${requestsUrl} --cluster analytics-prod --cidr 198.51.100.0/24`,
    );
    // aws-cli v1 reads no AWS_REGION: the region is a flag; the dummy keys are those of LocalStack's awslocal.
    expect(aws).toBe(
      `AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test aws --region us-east-1 --endpoint-url ${endpoint} sqs send-message --queue-url ${requestsUrl} --message-body '{"version":2,"clusterIdentifier":"analytics-prod","cidrIp":"198.51.100.0/24"}'`,
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
    expect(sent.stdout).toMatch(
      /^Sent request cli-\d{8}T\d{6}Z-[0-9a-f]{6}-1 to http:\/\/127\.0\.0\.1:\d+\/000000000000\/redshift-ingress-local-requests\n$/,
    );
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
    let outcomes = results.stdout
      .trim()
      .split('\n')
      .filter((line) => line !== '');
    for (let round = 0; outcomes.length < expected && round < 20; round += 1) {
      const more = await runCli(
        ['results', '--json', '--ack', '--endpoint', endpoint, '--results-url', resultsUrl],
        cleanEnv(home),
      );
      outcomes = [
        ...outcomes,
        ...more.stdout
          .trim()
          .split('\n')
          .filter((line) => line !== ''),
      ];
    }
    const statuses = outcomes.map((line) => (JSON.parse(line) as { status: string }).status).sort();
    expect(statuses).toEqual(viaAws === undefined ? ['authorized'] : ['already-authorized', 'authorized']);
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
      expect(
        left.map((message) => JSON.parse(message.Body ?? '{}') as { requestId: string; status: string }),
      ).toEqual([
        expect.objectContaining({
          requestId: 'same-1',
          status: 'rejected',
          rule: expect.objectContaining({ cidrIp: '10.0.0.0/8' }),
        }),
      ]);
    } finally {
      sqs.destroy();
    }
  });
});

describe('start-up and stop of the local stack (spawned)', () => {
  it('a port in use is said in one line with --port 0 and --endpoint, by `local` and by `npm start`', async () => {
    // Prepare: something listens on the port.
    const blocker = createTcpServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      // Act
      const viaCli = await exited(
        startGroup(process.execPath, [BIN, 'local', '--port', String(port), '--no-examples'], cleanEnv(home)),
      );
      const viaStart = await exited(
        startGroup(
          process.execPath,
          ['--import', 'tsx', 'local/start.ts', '--port', String(port), '--no-examples'],
          cleanEnv(home),
        ),
      );

      // Assess
      const message = `port ${port} on 127.0.0.1 is already in use: pass --port 0 to run the embedded emulator on any free port, or --endpoint http://127.0.0.1:${port} to use what listens there`;
      expect(viaCli.code).toBe(2);
      expect(viaCli.stderr).toBe(`error: ${message}\n`);
      expect(viaStart.code).toBe(2);
      expect(viaStart.stderr).toBe(`${message}\n`);
    } finally {
      blocker.close();
    }
  });

  it.each([
    ['npm start', ['--import', 'tsx', 'local/start.ts']],
    ['redshift-ingress local', [BIN, 'local']],
  ])(
    '%s | a reader that is gone, then Ctrl-C: no EPIPE crash, and the compiled desired state is removed',
    async (_, command) => {
      // Prepare
      const child = startGroup(
        process.execPath,
        [...command, '--port', '0', '--no-examples', '--reconcile-every', '0'],
        cleanEnv(home),
      );
      const done = exited(child);
      let banner = '';
      child.stdout.on('data', (chunk: string) => {
        banner += chunk;
      });
      await waitForOutput(child, 'Outcomes (Ctrl-C to stop):');
      const compiled = /\(compiled to (\S+)\)/.exec(banner)?.[1] as string;
      expect(existsSync(compiled)).toBe(true);

      // Act: the reader (tee) ends with the same Ctrl-C: the pipe is closed before "stopping..." is written.
      child.stdout.destroy();
      pressCtrlC(child);
      const result = await done;

      // Assess
      expect(result.stderr).not.toMatch(/EPIPE|Error/);
      expect(result.code).toBe(0);
      expect(existsSync(compiled)).toBe(false);
    },
  );

  it('AWS_ENDPOINT_URL in the shell does not silently override --port: refused, naming both ways out', async () => {
    // Act
    const result = await exited(
      startGroup(
        process.execPath,
        [BIN, 'local', '--port', '0', '--no-examples'],
        cleanEnv(home, { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' }),
      ),
    );

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'error: --port 0 asks for the embedded emulator, but AWS_ENDPOINT_URL=http://127.0.0.1:4566 in the environment names another endpoint: unset AWS_ENDPOINT_URL to run the emulator, or pass --endpoint http://127.0.0.1:4566 (without --port) to use that endpoint\n',
    );
  });
});

describe('endpoint errors (spawned)', () => {
  let html: Server;
  let empty: Server;
  let list: string;

  beforeAll(async () => {
    const serve = async (body: string): Promise<Server> => {
      const server = createServer((_, response) => {
        response.writeHead(404, { 'content-type': 'text/html' });
        response.end(body);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return server;
    };
    html = await serve('<html><body>Not Found</body></html>');
    empty = await serve('');
    list = join(home, 'offices.txt');
    writeFileSync(
      list,
      Array.from({ length: 200 }, (_, index) => `10.${Math.floor(index / 200)}.${index}.0/24`).join('\n'),
    );
  });

  afterAll(() => {
    html.close();
    empty.close();
  });

  it('an unreachable endpoint: one line naming it and the fix, for a 200-line submit and for results', async () => {
    // Prepare
    const port = await closedPort();
    const endpoint = `http://127.0.0.1:${port}`;
    const queue = `${endpoint}/000000000000/redshift-ingress-local-requests`;

    // Act
    const submit = await runCli(
      ['submit', list, '--group', 'analytics-prod', '--endpoint', endpoint, '--queue-url', queue],
      cleanEnv(home),
    );
    const results = await runCli(['results', '--endpoint', endpoint, '--results-url', queue], cleanEnv(home));

    // Assess
    const fix =
      'is the local stack running (npm start)? Otherwise pass --endpoint, or fix AWS_ENDPOINT_URL or the queue URL';
    expect(submit.code).toBe(5);
    expect(submit.stderr).toBe(`error: cannot reach ${endpoint} (ECONNREFUSED): ${fix}\n`);
    expect(submit.stdout).toBe('');
    expect(results.code).toBe(5);
    expect(results.stderr).toBe(`error: cannot reach ${endpoint} (ECONNREFUSED): ${fix}\n`);
  });

  it('an HTTP server that is not AWS: one line, with none of the SDK’s $response or UnknownError text', async () => {
    for (const server of [html, empty]) {
      // Prepare
      const endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const queue = `${endpoint}/000000000000/q`;

      // Act
      const submit = await runCli(
        [
          'submit',
          '--group',
          'analytics-prod',
          '--cidr',
          '10.1.0.0/16',
          '--endpoint',
          endpoint,
          '--queue-url',
          queue,
        ],
        cleanEnv(home),
      );
      const results = await runCli(
        ['results', '--endpoint', endpoint, '--results-url', queue],
        cleanEnv(home),
      );

      // Assess
      for (const result of [submit, results]) {
        expect(result.code).toBe(5);
        expect(result.stderr).toMatch(
          /^error: (http:\/\/127\.0\.0\.1:\d+|the endpoint) answered HTTP 404, but not as an AWS service does \(is it an AWS endpoint\?\): is the local stack running/,
        );
        expect(result.stderr.trim().split('\n')).toHaveLength(1);
        expect(result.stderr).not.toMatch(/\$response|UnknownError|Unknown:|Deserialization/);
      }
    }
  });
});

describe('Ctrl-C, timeouts and conveniences of submit (spawned, against the emulator alone)', () => {
  let emulator: Emulator;
  let sqs: SQSClient;
  let queues: LocalQueues;
  let flags: string[];

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0 });
    sqs = new SQSClient({
      endpoint: emulator.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    queues = await ensureQueues(sqs, { prefix: 'first-minutes' });
    flags = [
      '--endpoint',
      emulator.url,
      '--queue-url',
      queues.requests.url,
      '--results-url',
      queues.results.url,
    ];
  });

  afterAll(async () => {
    sqs.destroy();
    await emulator.close();
  });

  it.each([
    ['node bin/redshift-ingress.mjs', process.execPath, [BIN]],
    ['npx redshift-ingress', 'npx', ['redshift-ingress']],
  ])('Ctrl-C during --wait exits 130 under %s, after the summary', async (_, command, prefix) => {
    // Prepare: no service consumes the requests queue, so the wait lasts until Ctrl-C.
    const child = startGroup(
      command,
      [
        ...prefix,
        'submit',
        ...flags,
        '--group',
        'analytics-prod',
        '--cidr',
        '10.2.0.0/16',
        '--wait',
        '--timeout',
        '5m',
      ],
      cleanEnv(home),
    );
    const done = exited(child);
    await waitForOutput(child, 'Waiting up to 5m');

    // Act
    pressCtrlC(child);
    const result = await done;

    // Assess
    expect(result.status).toBe(130);
    expect(result.stdout).toMatch(/\(no outcome\)\s+analytics-prod\s+10\.2\.0\.0\/16\n/);
    expect(result.stdout).toContain('Stopped waiting; no outcome yet for: cli-');
  });

  it('the timeout names --no-outcomes when the requests were taken but their outcomes never came', async () => {
    // Prepare: a consumer of the requests queue that publishes nothing, as a service whose outcomes
    // another consumer (npm start printing them) deletes first.
    const stop = new AbortController();
    const { ReceiveMessageCommand, DeleteMessageBatchCommand } = await import('@aws-sdk/client-sqs');
    const drain = (async () => {
      while (!stop.signal.aborted) {
        const { Messages = [] } = await sqs
          .send(new ReceiveMessageCommand({ QueueUrl: queues.requests.url, WaitTimeSeconds: 1 }), {
            abortSignal: stop.signal,
          })
          .catch(() => ({ Messages: [] }));
        if (Messages.length > 0)
          await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queues.requests.url,
              Entries: Messages.map((message, index) => ({
                Id: String(index),
                ReceiptHandle: message.ReceiptHandle,
              })),
            }),
          );
      }
    })();
    try {
      // Act
      const result = await runCli(
        [
          'submit',
          ...flags,
          '--group',
          'analytics-prod',
          '--cidr',
          '10.3.0.0/16',
          '--wait',
          '--timeout',
          '3s',
        ],
        cleanEnv(home),
      );

      // Assess
      expect(result.code).toBe(4);
      expect(result.stdout).toMatch(/\(no outcome\)\s+analytics-prod\s+10\.3\.0\.0\/16\n/);
      expect(result.stderr).toContain(
        'note: the requests queue is empty, so the service processed these requests, but their outcomes did not reach this command: another consumer of the results queue took them. A local stack started without --no-outcomes prints and deletes every outcome: run it as `npm start -- --no-outcomes`',
      );
    } finally {
      stop.abort();
      await drain;
    }
  });

  it('--dry-run validates and reports, sends nothing; unknown fields suggest the nearest known one', async () => {
    // Prepare
    const ndjson = [
      '{"version":1,"requestId":"ok-1","clusterSecurityGroupName":"analytics-prod","cidrIp":"10.4.0.0/16"}',
      '{"version":1,"requestId":"typo-1","clusterSecurityGroupName":"analytics-prod","cidrIP":"10.5.0.0/16"}',
    ].join('\n');

    // Act
    const result = await runCli(['submit', '-', '--dry-run', ...flags], cleanEnv(home), { input: ndjson });

    // Assess
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('stdin:2: cidrIP: is not a known field; did you mean `cidrIp`?\n');
    expect(result.stdout).toMatch(
      /^REQUEST-ID\s+LINE\s+ACTION\s+TARGET\s+SOURCE\s+SECURITY-GROUP\s+PORT\nok-1\s+1\s+authorize\s+analytics-prod\s+10\.4\.0\.0\/16\n/,
    );
    expect(result.stdout).toContain(
      `Dry run: 1 valid request; 1 invalid line reported above; nothing sent to ${queues.requests.url}`,
    );
    expect(await queueCounts(sqs, queues.requests.url)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('a tab-separated file is read as such, and refused with the reason under --format csv', async () => {
    // Prepare
    const tsv = join(home, 'offices.tsv');
    writeFileSync(tsv, 'group\tcidr\trequest-id\nanalytics-prod\t10.6.0.0/16\ttab-1\n');
    const mislabelled = join(home, 'offices-tabs.txt');
    writeFileSync(mislabelled, 'group\tcidr\nanalytics-prod\t10.7.0.0/16\n');

    // Act
    const read = await runCli(['submit', tsv, '--dry-run'], cleanEnv(home));
    const refused = await runCli(['submit', mislabelled, '--format', 'csv', '--dry-run'], cleanEnv(home));

    // Assess
    expect(read.code).toBe(0);
    expect(read.stdout).toMatch(/tab-1\s+2\s+authorize\s+analytics-prod\s+10\.6\.0\.0\/16/);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      `error: ${mislabelled}:1: header: is tab-separated, not comma-separated; pass --format tsv (or --format auto) to read it\n`,
    );
  });

  it('plan and the local stack share one default desired state; reconcile --apply against AWS asks for one by name', async () => {
    // Act: from a folder of its own, with no DESIRED_STATE_PATH.
    const plan = await runCli(['plan', '--endpoint', emulator.url], cleanEnv(home), { cwd: home });
    const apply = await runCli(
      ['reconcile', '--apply', '--queue-url', 'https://sqs.us-east-1.amazonaws.com/111122223333/q'],
      cleanEnv(home),
      { cwd: home },
    );

    // Assess
    expect(plan.stdout).toContain('examples/desired-state.yaml');
    expect(plan.stderr).not.toContain('cannot be read');
    expect(apply.code).toBe(2);
    expect(apply.stderr).toBe(
      'error: reconcile --apply: name the document to apply with --desired-state FILE or DESIRED_STATE_PATH; the default examples/desired-state.yaml holds example ranges meant for the local stack\n',
    );
  });
});

describe('submit --wait on a terminal (in process, stderr a terminal)', () => {
  it('shows the wait line from the start, for one request, before any outcome', async () => {
    // Prepare: an emulator with no service, so no outcome ever comes.
    const emulator = await startEmulator({ port: 0 });
    const sqs = new SQSClient({
      endpoint: emulator.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const queues = await ensureQueues(sqs, { prefix: 'tty-wait' });
    let err = '';
    let out = '';
    const io = {
      stdout: { write: (text: string) => (out += text) },
      stderr: { isTTY: true, write: (text: string) => (err += text) },
      stdin: (async function* () {})(),
      env: cleanEnv(home),
      cwd: ROOT,
      signal: new AbortController().signal,
    };
    try {
      // Act
      const code = await runCliInProcess(
        [
          'submit',
          '--endpoint',
          emulator.url,
          '--queue-url',
          queues.requests.url,
          '--results-url',
          queues.results.url,
          '--group',
          'analytics-prod',
          '--cidr',
          '10.8.0.0/16',
          '--wait',
          '--timeout',
          '1s',
        ],
        io,
      );

      // Assess
      expect(code).toBe(4);
      expect(err).toMatch(/^\rwaiting for 1 outcome: 0 in, 0s elapsed, 1s left/);
      expect(out).toContain('Timed out after 1s');
    } finally {
      sqs.destroy();
      await emulator.close();
    }
  });
});
