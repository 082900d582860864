import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { parseRequest } from '../../src/domain/request.js';
import { calculateRetryDelaySeconds } from '../../src/domain/retry.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface Catcher {
  readonly ErrorEquals: string[];
  readonly Next: string;
  readonly ResultPath?: string;
}

interface State {
  readonly Type: string;
  readonly Resource?: string;
  readonly Parameters?: JsonObject;
  readonly ResultSelector?: JsonObject;
  readonly ResultPath?: string | null;
  readonly TimeoutSeconds?: number;
  readonly HeartbeatSeconds?: number;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Default?: string;
  readonly Choices?: { readonly Next: string; readonly [rule: string]: unknown }[];
  readonly Catch?: Catcher[];
  readonly Retry?: { readonly ErrorEquals: string[] }[];
  readonly Error?: string;
  readonly ErrorPath?: string;
}

interface StateMachine {
  readonly StartAt: string;
  readonly States: Record<string, State>;
}

// asl-validator ships no type declarations; this is the shape its README documents.
const validateAsl = createRequire(import.meta.url)('asl-validator') as (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errors: unknown[] };

const directory = join(import.meta.dirname, '..', '..', 'examples', 'state-machine');
const readJson = (file: string): unknown => JSON.parse(readFileSync(join(directory, file), 'utf8'));
const machine = readJson('approval-workflow.asl.json') as StateMachine;
const executionInput = readJson('execution-input.json') as JsonObject;

const EXECUTION_NAME = 'chg-1042-nyc';
/** Shaped like a real token: a long base64 text. */
const TASK_TOKEN = `AQCEAAAAKgAAAAMAAAAAAAAAAf${'Qm9keU9mQVRhc2tUb2tlbg'.repeat(30)}==`;
const APPROVER_OUTPUT = { approvedBy: 'alice@example.com', approvedAt: '2026-11-26T10:00:00Z' };

/** The error codes of a `rejected` outcome, as the README's statuses table lists them. */
const REJECTED_CODES = [
  'InvalidRequest',
  'PolicyRefused',
  'ClusterSecurityGroupNotFoundFault',
  'AuthorizationQuotaExceededFault',
  'InvalidParameterValue',
  'InvalidParameterCombination',
];

function stateNamed(name: string): State {
  const state = machine.States[name];
  if (state === undefined) throw new Error(`States.${name}: no such state`);
  return state;
}

function transitionsOf(state: State): string[] {
  return [
    ...(state.Next !== undefined ? [state.Next] : []),
    ...(state.Default !== undefined ? [state.Default] : []),
    ...(state.Choices ?? []).map((choice) => choice.Next),
    ...(state.Catch ?? []).map((catcher) => catcher.Next),
  ];
}

/** Resolves a reference path (`$.a.b` on the input, `$$.a.b` on the context object) as Step Functions does. */
function resolvePath(path: string, input: Json, context: Json): Json {
  const [root, rest] = path.startsWith('$$') ? [context, path.slice(2)] : [input, path.slice(1)];
  if (!path.startsWith('$')) throw new Error(`${path}: not a path`);
  let value = root;
  for (const segment of rest.split('.').slice(1)) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !(segment in value)) {
      throw new Error(`${path}: no field ${segment} (Step Functions would fail with States.Runtime)`);
    }
    value = value[segment] as Json;
  }
  return value;
}

/** Renders a payload template (Parameters, ResultSelector): fields ending in `.$` take the value at their path. */
function renderTemplate(template: Json, input: Json, context: Json): Json {
  if (Array.isArray(template)) return template.map((item) => renderTemplate(item, input, context));
  if (typeof template !== 'object' || template === null) return template;
  const rendered: JsonObject = {};
  for (const [key, value] of Object.entries(template)) {
    if (!key.endsWith('.$')) {
      rendered[key] = renderTemplate(value, input, context);
      continue;
    }
    if (typeof value !== 'string' || value.startsWith('States.')) {
      throw new Error(`${key}: only reference paths are evaluated here, got ${JSON.stringify(value)}`);
    }
    rendered[key.slice(0, -2)] = resolvePath(value, input, context);
  }
  return rendered;
}

/** Places a task's result into its input at a `$.field` ResultPath. */
function applyResultPath(input: JsonObject, resultPath: string | null | undefined, result: Json): JsonObject {
  if (resultPath === null) return input;
  if (resultPath === undefined || resultPath === '$') return result as JsonObject;
  const field = /^\$\.([A-Za-z]\w*)$/.exec(resultPath)?.[1];
  if (field === undefined) throw new Error(`ResultPath ${resultPath}: only $.field is evaluated here`);
  return { ...input, [field]: result };
}

/** The state a task goes to when it fails with `error`, as Catch matching works. */
function catchTarget(state: State, error: string): string | undefined {
  const matches = (name: string) =>
    name === error || name === 'States.ALL' || (name === 'States.TaskFailed' && error !== 'States.Timeout');
  return state.Catch?.find((catcher) => catcher.ErrorEquals.some(matches))?.Next;
}

/** The state a Choice goes to for an input; supports the rule kinds the example uses (Or, StringEquals). */
function choose(state: State, input: Json): string | undefined {
  const holds = (rule: Record<string, unknown>): boolean => {
    if (Array.isArray(rule.Or)) return rule.Or.some((inner: Record<string, unknown>) => holds(inner));
    if (typeof rule.Variable === 'string' && typeof rule.StringEquals === 'string') {
      return resolvePath(rule.Variable, input, null) === rule.StringEquals;
    }
    throw new Error(`Choice rule ${JSON.stringify(rule)}: kind not evaluated here`);
  };
  return state.Choices?.find((choice) => holds(choice))?.Next ?? state.Default;
}

/** Follows Next from a state to the terminal state it ends in. */
function endOf(name: string): State {
  let state = stateNamed(name);
  while (state.Next !== undefined) state = stateNamed(state.Next);
  return state;
}

const submitName = Object.entries(machine.States).find(
  ([, state]) => state.Resource === 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
)?.[0] as string;
const submit = stateNamed(submitName);
const approvalName = machine.StartAt;
const approval = stateNamed(approvalName);

/** The input of the submit state: the execution input with the approver's answer at the approval's ResultPath. */
function submitInput(): JsonObject {
  const selected = renderTemplate(approval.ResultSelector ?? APPROVER_OUTPUT, APPROVER_OUTPUT, null);
  return applyResultPath(executionInput, approval.ResultPath, selected);
}

/** The body the submit state sends, rendered with a sample execution name and task token. */
function renderedBody(): string {
  const context = { Execution: { Name: EXECUTION_NAME }, Task: { Token: TASK_TOKEN } };
  const parameters = renderTemplate(submit.Parameters ?? null, submitInput(), context) as JsonObject;
  return JSON.stringify(parameters.MessageBody);
}

describe('example state machine: approval, then a request with a task token, then a branch on the outcome', () => {
  it('is valid Amazon States Language, paths and ARNs included', () => {
    // Act
    const result = validateAsl(structuredClone(machine), { checkPaths: true, checkArn: true });

    // Assess
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it('reaches every state from StartAt, and every branch ends in Succeed or Fail', () => {
    // Prepare
    const reached = new Set<string>();
    const pending = [machine.StartAt];

    // Act
    for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
      if (reached.has(name)) continue;
      reached.add(name);
      pending.push(...transitionsOf(stateNamed(name)));
    }

    // Assess
    expect([...reached].sort()).toEqual(Object.keys(machine.States).sort());
    for (const [name, state] of Object.entries(machine.States)) {
      const terminal = state.Type === 'Succeed' || state.Type === 'Fail' || state.End === true;
      expect(terminal || transitionsOf(state).length > 0, `${name} neither ends nor moves on`).toBe(true);
    }
  });

  it('asks a human first, waiting for the approval app to answer its task token', () => {
    // Assess
    expect(approval.Resource).toMatch(/\.waitForTaskToken$/);
    expect(JSON.stringify(approval.Parameters)).toContain('"taskToken.$":"$$.Task.Token"');
    expect(approval.Next).toBe(submitName);
  });

  it('sends a valid ingress request v1 carrying the task token, the execution name as requestId and the approval', () => {
    // Act
    const parsed = parseRequest(renderedBody(), 'sqs-message-id');

    // Assess
    expect(parsed.ok ? parsed.request : parsed.problems).toEqual({
      version: 1,
      requestId: EXECUTION_NAME,
      action: 'authorize',
      rule: { clusterSecurityGroupName: 'analytics-prod', cidrIp: '203.0.113.0/24' },
      requestedBy: 'change-approval-workflow',
      reason: 'New NYC office',
      approval: { ticket: 'CHG-1042', ...APPROVER_OUTPUT },
      taskToken: TASK_TOKEN,
    });
  });

  it('waits longer than a request can live with the default settings, and expects no heartbeat', () => {
    // Prepare: every retry at its longest backoff, and each delivery held for a whole visibility timeout.
    const config = loadConfig({ RESULTS_QUEUE_URL: 'https://sqs.example/results', ALLOWED_GROUPS: '*' });
    const visibilityTimeoutSeconds = 180;
    let lifetime = config.maxReceiveCount * visibilityTimeoutSeconds;
    for (let attempt = 1; attempt < config.maxReceiveCount; attempt += 1) {
      lifetime += calculateRetryDelaySeconds(
        attempt,
        { baseSeconds: config.retryBaseSeconds, maxSeconds: config.retryMaxSeconds },
        0.999_999,
      );
    }

    // Assess
    expect(submit.TimeoutSeconds).toBeGreaterThan(lifetime);
    expect(submit.HeartbeatSeconds).toBeUndefined();
    expect(submit.Retry?.flatMap((retrier) => retrier.ErrorEquals)).toEqual(['States.Timeout']);
  });

  it.each([
    ['authorized', 'Succeed'],
    ['already-authorized', 'Succeed'],
    ['revoked', 'Fail'],
  ])('a success callback with status %s ends in %s', (status, terminal) => {
    // Prepare
    const input = applyResultPath(submitInput(), submit.ResultPath, { status });

    // Act
    const next = choose(stateNamed(submit.Next as string), input);

    // Assess
    expect(endOf(next as string).Type).toBe(terminal);
  });

  const failureRoutes: readonly (readonly [error: string, notify: string])[] = [
    ...REJECTED_CODES.map((code) => [code, 'NotifyRejected'] as const),
    ['Throttling', 'NotifyFailed'],
    ['NetworkError', 'NotifyFailed'],
    ['InternalFailure', 'NotifyFailed'],
    ['States.Timeout', 'NotifyNoAnswer'],
  ];

  it.each(failureRoutes)(
    'a failure callback with error %s is caught by %s and fails the execution',
    (error, notify) => {
      // Act
      const target = catchTarget(submit, error);

      // Assess
      expect(target).toBe(notify);
      expect(endOf(target as string).Type).toBe('Fail');
    },
  );

  it('catches States.ALL last, so no specific catcher is shadowed', () => {
    // Assess
    const catchers = submit.Catch ?? [];
    expect(catchers.at(-1)?.ErrorEquals).toEqual(['States.ALL']);
    expect(catchers.slice(0, -1).flatMap((catcher) => catcher.ErrorEquals)).not.toContain('States.ALL');
  });
});
