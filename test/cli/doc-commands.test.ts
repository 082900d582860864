/**
 * Every shell command the README and docs/*.md show runs here, against a local stack this test starts.
 *
 * The convention, for whoever writes those files:
 * - Commands are the lines of fenced blocks opened with ```sh or ```bash. A line ending in `\` goes on
 *   on the next line; a shell function (`name() {` to its closing `}`) is one command; blank lines and
 *   `#` comment lines are left out.
 * - The blocks of one file run in order in one bash session (a terminal, as a reader follows the page),
 *   from the repository's root, in an environment with no AWS variable but the local stack's
 *   REQUESTS_QUEUE_URL, RESULTS_QUEUE_URL and REQUESTS_DLQ_URL: `export`, variables and functions
 *   carry on to later blocks of the same file.
 * - `127.0.0.1:4566` and `localhost:4566` stand for the local stack, which runs on a free port with
 *   `--no-outcomes` (outcomes stay on the results queue for `submit --wait` and `results`).
 * - A command must exit 0, unless it ends with the comment `# exits N` (`plan` on drift: `# exits 1`).
 * - `npm start` and `redshift-ingress local` run until Ctrl-C: they are started on a free port of
 *   their own, must print their banner, and must stop cleanly on Ctrl-C.
 * - A leading `npm ci && ` is dropped: the checkout under test is installed already.
 * - A command is skipped only when SKIPPED below names it, with the reason (an AWS account, or a run
 *   another test already makes); so is a later command that uses a variable or function a skipped
 *   command defined.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanEnv, exited, pressCtrlC, ROOT, startGroup, waitForOutput } from './cli-process.js';

/** The commands that do not run here, each with its reason. */
const SKIPPED: readonly { readonly pattern: RegExp; readonly reason: string }[] = [
  { pattern: /\bosls (deploy|remove)\b/, reason: 'deploys to (or removes from) an AWS account' },
  { pattern: /\baws cloudformation\b/, reason: "reads a deployed stack's outputs from an AWS account" },
  { pattern: /--stack-outputs outputs\.json/, reason: "needs a deployed stack's outputs and an AWS profile" },
  {
    pattern: /^npm ci$/,
    reason: 'reinstalls node_modules from the registry; the checkout under test is installed',
  },
  { pattern: /^npm test\b|&& npm test\b/, reason: 'the test suite itself, which runs this test' },
  {
    pattern: /^npm run package\b/,
    reason:
      'test/deploy/template.test.ts packages the ci stage when stale; another stage here would overwrite what it reads',
  },
  {
    pattern: /^npm run chaos(?! -- --help)/,
    reason:
      'thousands of requests, minutes of load; test/integration/chaos.test.ts runs the same runner smaller',
  },
];

/** Commands that run until Ctrl-C: started apart on a free port, with the line that says they are up. */
const LONG_RUNNING: readonly { readonly pattern: RegExp; readonly ready: string; readonly args: string }[] = [
  { pattern: /^npm start\b/, ready: '(Ctrl-C to stop)', args: ' -- --port 0 --reconcile-every 0' },
  { pattern: /\bredshift-ingress local\b/, ready: '(Ctrl-C to stop)', args: ' --port 0 --reconcile-every 0' },
];

/** One command of a page. */
interface DocCommand {
  readonly file: string;
  readonly line: number;
  readonly text: string;
  /** The exit status the page says it has (`# exits N`), else 0. */
  readonly status: number;
}

/** The shell commands of a markdown file, by the convention above. */
function extractCommands(file: string, markdown: string): DocCommand[] {
  const commands: DocCommand[] = [];
  const lines = markdown.split('\n');
  let inBlock = false;
  let pending: { line: number; parts: string[]; braces: number } | undefined;
  lines.forEach((raw, index) => {
    const fence = /^\s*```\s*(\S*)/.exec(raw);
    if (fence) {
      inBlock = !inBlock && (fence[1] === 'sh' || fence[1] === 'bash');
      pending = undefined;
      return;
    }
    if (!inBlock) return;
    const trimmed = raw.trim();
    if (pending === undefined && (trimmed === '' || trimmed.startsWith('#'))) return;
    pending ??= { line: index + 1, parts: [], braces: 0 };
    pending.parts.push(raw);
    pending.braces += (raw.match(/\{\s*$|\(\)\s*\{/g) ?? []).length - (/^\s*\}/.test(raw) ? 1 : 0);
    if (trimmed.endsWith('\\') || pending.braces > 0) return;
    // A block inside a list item is indented: the command is what a reader copies, without it.
    const indent = /^\s*/.exec(pending.parts[0] as string)?.[0] ?? '';
    const text = pending.parts
      .map((part) => (part.startsWith(indent) ? part.slice(indent.length) : part))
      .join('\n');
    const status = Number(/#\s*exits (\d+)\s*$/.exec(text)?.[1] ?? 0);
    commands.push({ file, line: pending.line, text, status });
    pending = undefined;
  });
  return commands;
}

/** The names a command defines: `name=...`, `export A=1 B=2`, `name() {`. */
function definedNames(text: string): string[] {
  const names = [...text.matchAll(/(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=/g)].map((match) => match[1] as string);
  const fn = /^\s*([A-Za-z_][A-Za-z0-9_]*)\(\)\s*\{/.exec(text)?.[1];
  return fn === undefined ? names : [...names, fn];
}

/** Why a command does not run here, if it does not. */
function skipReason(command: DocCommand, tainted: ReadonlyMap<string, string>): string | undefined {
  const listed = SKIPPED.find((entry) => entry.pattern.test(command.text));
  if (listed) return listed.reason;
  for (const [name, reason] of tainted) {
    if (new RegExp(`\\$\\{?${name}\\b|\\$\\(${name}\\b`).test(command.text)) return `uses ${name}: ${reason}`;
  }
  return undefined;
}

const PAGES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

let home: string;
let stack: ReturnType<typeof startGroup>;
let stackDone: ReturnType<typeof exited>;
let address = '';
/** The local stack's queue URLs, as a reader who started it has them from its banner. */
let queueVariables: Record<string, string> = {};

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'doc-commands-'));
  stack = startGroup(
    process.execPath,
    [BIN, 'local', '--port', '0', '--no-examples', '--no-outcomes', '--reconcile-every', '0'],
    cleanEnv(home),
  );
  stackDone = exited(stack);
  let banner = '';
  stack.stdout.on('data', (chunk: string) => {
    banner += chunk;
  });
  await waitForOutput(stack, '(Ctrl-C to stop)');
  address = /running on http:\/\/(127\.0\.0\.1:\d+)/.exec(banner)?.[1] as string;
  const url = (label: string) => new RegExp(`${label}\\s+(\\S+)`).exec(banner)?.[1] as string;
  queueVariables = {
    REQUESTS_QUEUE_URL: url('requests queue:'),
    RESULTS_QUEUE_URL: url('results queue:'),
    REQUESTS_DLQ_URL: url('requests DLQ:'),
  };
});

afterAll(async () => {
  pressCtrlC(stack);
  await stackDone;
  rmSync(home, { recursive: true, force: true });
});

describe('the commands of the README and docs/*.md (spawned, against a local stack)', () => {
  it('extracts commands by the convention: continuations, functions, comments, # exits N', () => {
    // Act
    const commands = extractCommands(
      'x.md',
      [
        'text',
        '```sh',
        '# a comment',
        'npm run x -- \\',
        '  --flag',
        'f() {',
        '  echo "$1"',
        '}',
        'npx redshift-ingress plan   # exits 1',
        '```',
        '```json',
        '{"not": "a command"}',
        '```',
      ].join('\n'),
    );

    // Assess
    expect(commands).toEqual([
      { file: 'x.md', line: 4, text: 'npm run x -- \\\n  --flag', status: 0 },
      { file: 'x.md', line: 6, text: 'f() {\n  echo "$1"\n}', status: 0 },
      { file: 'x.md', line: 9, text: 'npx redshift-ingress plan   # exits 1', status: 1 },
    ]);
  });

  it.each(PAGES)('%s: every command runs as shown, or is skipped for a listed reason', async (page) => {
    // Prepare
    const commands = extractCommands(page, readFileSync(join(ROOT, page), 'utf8'));
    const tainted = new Map<string, string>();
    const session: string[] = [];
    const skipped: string[] = [];
    const local = (text: string) => text.replaceAll(/(127\.0\.0\.1|localhost):4566\b/g, address);

    // Act: long-running commands apart; the others in one bash session, each reporting its status.
    for (const [index, shown] of commands.entries()) {
      // `npm ci && npm start`: the checkout under test is installed; npm ci would reach the registry.
      const command = { ...shown, text: shown.text.replace(/^npm ci && /, '') };
      const reason = skipReason(command, tainted);
      if (reason !== undefined) {
        skipped.push(`${page}:${command.line}: ${command.text.split('\n')[0]} (${reason})`);
        for (const name of definedNames(command.text)) tainted.set(name, reason);
        continue;
      }
      const long = LONG_RUNNING.find((entry) => entry.pattern.test(command.text));
      if (long) {
        const child = startGroup('bash', ['-c', `${local(command.text)}${long.args}`], cleanEnv(home));
        const done = exited(child);
        await waitForOutput(child, long.ready);
        pressCtrlC(child);
        const result = await done;
        expect(result.stderr, `${page}:${command.line}: ${command.text}`).not.toMatch(/error|Error/);
        expect(result.stdout, `${page}:${command.line}: ${command.text}`).toContain('stopping...');
        continue;
      }
      session.push(`echo "::begin ${index}"`, local(command.text), `echo "::status ${index} $?"`);
    }
    const result =
      session.length === 0
        ? undefined
        : await exited(startGroup('bash', ['-c', session.join('\n')], cleanEnv(home, queueVariables)));

    // Assess: every command ran, each with the status its page gives.
    const statuses = new Map(
      [...(result?.stdout ?? '').matchAll(/^::status (\d+) (\d+)$/gm)].map((match) => [
        Number(match[1]),
        Number(match[2]),
      ]),
    );
    for (const [index, command] of commands.entries()) {
      if (!session.includes(`echo "::begin ${index}"`)) continue;
      const output = result?.stdout.split(`::begin ${index}\n`)[1]?.split('::status')[0] ?? '';
      expect(
        statuses.get(index),
        `${page}:${command.line}: ${command.text}\n${output}\n${result?.stderr}`,
      ).toBe(command.status);
    }
    // The skipped ones, for the record: each names its reason.
    for (const line of skipped) expect(line).toMatch(/\(.+\)$/);
  });
});
