import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join } from 'node:path';
import {
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { CliIo } from '../../cli/context.js';

/** The tool as users run it: node and the package's bin. */
export const BIN = join(import.meta.dirname, '..', '..', 'bin', 'redshift-ingress.mjs');

/** What a finished run of the tool printed and how it exited. */
export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The environment of a spawned run: dummy credentials, the emulator as endpoint, and nothing of the
 * test process's own queue variables (the local service sets them in this process).
 */
export function cliEnv(endpoint: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    ...(process.env.TMPDIR !== undefined && { TMPDIR: process.env.TMPDIR }),
    HOME: process.env.HOME ?? '/tmp',
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    // No shared config files and no instance metadata: the run must not depend on this machine's setup.
    AWS_CONFIG_FILE: '/nonexistent/config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
}

/** Starts the tool as a child process. */
export function startCli(
  args: readonly string[],
  env: Record<string, string>,
  cwd?: string,
): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [BIN, ...args], { env, ...(cwd !== undefined && { cwd }) });
}

/**
 * Runs the tool to its end, feeding `input` to stdin. Asynchronous on purpose: the emulator the tool
 * talks to runs in this process's event loop.
 */
export function runCli(
  args: readonly string[],
  env: Record<string, string>,
  options: { input?: string; cwd?: string } = {},
): Promise<CliResult> {
  const child = startCli(args, env, options.cwd);
  return finished(child, options.input);
}

/** Waits for a started child to exit, collecting its output. */
export function finished(child: ChildProcessWithoutNullStreams, input?: string): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  child.stdin.end(input ?? '');
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Resolves once the child's stdout contains `text`. */
export function waitForOutput(child: ChildProcessWithoutNullStreams, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer | string): void => {
      seen += chunk.toString();
      if (!seen.includes(text)) return;
      child.stdout.off('data', onData);
      resolve();
    };
    child.stdout.on('data', onData);
    child.once('close', () => reject(new Error(`exited before printing "${text}"; printed: ${seen}`)));
  });
}

/** In-process streams for `runCli` from cli/main.ts: what the tool printed, as text. */
export function captureIo(
  env: Record<string, string | undefined> = {},
  signal = new AbortController().signal,
): CliIo & {
  out(): string;
  err(): string;
} {
  let out = '';
  let err = '';
  return {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    stdin: (async function* () {})(),
    env,
    cwd: process.cwd(),
    signal,
    out: () => out,
    err: () => err,
  };
}

/** The visible and in-flight message counts of a queue. */
export async function queueCounts(
  sqs: SQSClient,
  queueUrl: string,
): Promise<{ visible: number; inFlight: number }> {
  const { Attributes = {} } = await sqs.send(
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

/** Receives every visible message of a queue (keeping them in flight), with their attributes. */
export async function receiveAll(sqs: SQSClient, queueUrl: string): Promise<Message[]> {
  const all: Message[] = [];
  while (true) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 300,
        MessageAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) return all;
    all.push(...Messages);
  }
}

/** The repository's root, where `npm start` and `npx redshift-ingress` run. */
export const ROOT = join(import.meta.dirname, '..', '..');

/**
 * An environment with no AWS variable at all, as a new user's shell: PATH, a HOME of its own (no
 * ~/.aws), and npm told not to look for its own updates (tests never reach the internet).
 */
export function cleanEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: home,
    ...(process.env.TMPDIR !== undefined && { TMPDIR: process.env.TMPDIR }),
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    ...extra,
  };
}

/** Starts a command in a process group of its own, so Ctrl-C can reach it and its children as a terminal's does. */
export function startGroup(
  command: string,
  args: readonly string[],
  env: Record<string, string>,
  cwd = ROOT,
): ChildProcessWithoutNullStreams {
  return spawn(command, args, { env, cwd, detached: true });
}

/** Sends SIGINT to a child's whole process group: what Ctrl-C in a terminal does. */
export function pressCtrlC(child: ChildProcessWithoutNullStreams): void {
  if (child.pid !== undefined) process.kill(-child.pid, 'SIGINT');
}

/** The status a shell reports: the exit code, or 128 + the signal's number when a signal ended the process. */
export function shellStatus(code: number | null, signal: NodeJS.Signals | null): number | null {
  if (code !== null) return code;
  return signal === null ? null : 128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 0);
}

/** Waits for a child to exit, with what it printed and the status a shell would report. */
export function exited(
  child: ChildProcessWithoutNullStreams,
): Promise<CliResult & { status: number | null }> {
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  child.stdin.end();
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) =>
      resolve({ code, stdout, stderr, status: shellStatus(code, signal) }),
    );
  });
}
