import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { queueUrlFromArn } from '../src/adapters/sqs.js';
import { isRecord } from '../src/domain/validate.js';
import type { GlobalOptions } from './context.js';
import { UsageError } from './errors.js';

/** The three queues of a deployment. */
export const QueueRole = { requests: 'requests', results: 'results', dlq: 'dlq' } as const;
/** The three queues of a deployment. */
export type QueueRole = (typeof QueueRole)[keyof typeof QueueRole];

interface RoleSources {
  readonly label: string;
  readonly flag: string;
  readonly option: 'queueUrl' | 'resultsUrl' | 'dlqUrl';
  readonly env: string;
  readonly urlOutput: string;
  readonly arnOutput: string;
}

/** Where each queue's URL may come from, in order: flag, environment, stack outputs (URL, then ARN). */
const SOURCES: Readonly<Record<QueueRole, RoleSources>> = {
  requests: {
    label: 'requests queue',
    flag: '--queue-url',
    option: 'queueUrl',
    env: 'REQUESTS_QUEUE_URL',
    urlOutput: 'RequestsQueueUrl',
    arnOutput: 'RequestsQueueArn',
  },
  results: {
    label: 'results queue',
    flag: '--results-url',
    option: 'resultsUrl',
    env: 'RESULTS_QUEUE_URL',
    urlOutput: 'ResultsQueueUrl',
    arnOutput: 'ResultsQueueArn',
  },
  dlq: {
    label: 'requests DLQ',
    flag: '--dlq-url',
    option: 'dlqUrl',
    env: 'REQUESTS_DLQ_URL',
    urlOutput: 'RequestsDlqUrl',
    arnOutput: 'RequestsDlqArn',
  },
};

/** The output names this tool reads from a deployed stack. */
const OUTPUT_NAMES = new Set(Object.values(SOURCES).flatMap((s) => [s.urlOutput, s.arnOutput]));

/** Resolves queue URLs for one invocation, reading the stack outputs file at most once. */
export interface QueueResolver {
  /** The queue's URL, or undefined when no source names it. */
  find(role: QueueRole): string | undefined;
  /**
   * The queue's URL.
   *
   * @throws UsageError naming every way to give it, when none does
   */
  require(role: QueueRole): string;
}

/**
 * Creates a resolver over the flags (`--queue-url`, `--results-url`, `--dlq-url`), the environment
 * (`REQUESTS_QUEUE_URL`, `RESULTS_QUEUE_URL`, `REQUESTS_DLQ_URL`) and `--stack-outputs FILE`, in that order.
 */
export function createQueueResolver(
  options: GlobalOptions,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): QueueResolver {
  let outputs: Readonly<Record<string, string>> | undefined;
  const stackOutputs = (): Readonly<Record<string, string>> => {
    if (options.stackOutputs === undefined) return {};
    outputs ??= readStackOutputs(resolve(cwd, options.stackOutputs), options.stackOutputs);
    return outputs;
  };
  const endpoint = options.endpoint ?? env.AWS_ENDPOINT_URL_SQS ?? env.AWS_ENDPOINT_URL;

  const find = (role: QueueRole): string | undefined => {
    const sources = SOURCES[role];
    const flag = options[sources.option];
    if (flag !== undefined) return checkUrl(flag, sources.flag);
    const fromEnv = env[sources.env]?.trim();
    if (fromEnv) return checkUrl(fromEnv, sources.env);
    const fromOutputs = stackOutputs();
    const url = fromOutputs[sources.urlOutput];
    if (url !== undefined) return checkUrl(url, `${options.stackOutputs}: ${sources.urlOutput}`);
    const arn = fromOutputs[sources.arnOutput];
    if (arn === undefined) return undefined;
    try {
      return queueUrlFromArn(arn, endpoint);
    } catch (error) {
      throw new UsageError(`${options.stackOutputs}: ${sources.arnOutput}: ${(error as Error).message}`);
    }
  };

  return {
    find,
    require(role) {
      const url = find(role);
      if (url !== undefined) return url;
      const sources = SOURCES[role];
      throw new UsageError(
        `${sources.label} URL: not given; pass ${sources.flag}, set ${sources.env}, or pass --stack-outputs FILE holding ${sources.urlOutput}`,
      );
    },
  };
}

/**
 * Reads a deployed stack's outputs: `{"RequestsQueueUrl": "..."}`, the answer of
 * `aws cloudformation describe-stacks` (or its `Stacks[0].Outputs` list), or a CDK outputs file
 * (`{"StackName": {...}}`).
 *
 * @throws UsageError when the file cannot be read or holds none of the known outputs
 */
export function readStackOutputs(path: string, label = path): Record<string, string> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`--stack-outputs ${label}: cannot be read as JSON (${(error as Error).message})`, {
      cause: error,
    });
  }
  const found = outputsOf(json);
  if (found === undefined || Object.keys(found).length === 0) {
    throw new UsageError(
      `--stack-outputs ${label}: holds none of the outputs ${[...OUTPUT_NAMES].join(', ')} (give the outputs object, or the answer of aws cloudformation describe-stacks)`,
    );
  }
  return found;
}

function outputsOf(json: unknown): Record<string, string> | undefined {
  if (Array.isArray(json)) return fromOutputList(json);
  if (!isRecord(json)) return undefined;
  if (Array.isArray(json.Stacks)) {
    for (const stack of json.Stacks) {
      const found =
        isRecord(stack) && Array.isArray(stack.Outputs) ? fromOutputList(stack.Outputs) : undefined;
      if (found !== undefined && Object.keys(found).length > 0) return found;
    }
    return undefined;
  }
  if (Array.isArray(json.Outputs)) return fromOutputList(json.Outputs);
  const flat = pickKnown(json);
  if (Object.keys(flat).length > 0) return flat;
  // CDK's --outputs-file nests the outputs under the stack name.
  for (const value of Object.values(json)) {
    if (!isRecord(value)) continue;
    const nested = pickKnown(value);
    if (Object.keys(nested).length > 0) return nested;
  }
  return undefined;
}

function fromOutputList(list: readonly unknown[]): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const item of list) {
    if (!isRecord(item)) continue;
    const { OutputKey: key, OutputValue: value } = item;
    if (typeof key === 'string' && typeof value === 'string' && OUTPUT_NAMES.has(key)) entries[key] = value;
  }
  return entries;
}

function pickKnown(object: Record<string, unknown>): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const [key, value] of Object.entries(object)) {
    if (OUTPUT_NAMES.has(key) && typeof value === 'string') entries[key] = value;
  }
  return entries;
}

function checkUrl(value: string, source: string): string {
  if (URL.canParse(value)) {
    const { protocol } = new URL(value);
    if (protocol === 'https:' || protocol === 'http:') return value;
  }
  throw new UsageError(`${source}: must be an http(s) queue URL, got "${value}"`);
}
