import { RedshiftClient } from '@aws-sdk/client-redshift';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type Emulator, startEmulator } from '../local/emulator/index.js';
import { createLambdaContext } from '../local/lambda-context.js';
import { ensureClusterSecurityGroup, ensureQueues, type LocalQueues } from '../local/stack.js';
import { loadConfig } from '../src/config.js';
import { median } from './stats.js';
import {
  describeWorkload,
  generateBatches,
  groupNames,
  toSqsEvent,
  type WorkloadOptions,
} from './workload.js';

/** Options of {@link measureThroughput}. */
export interface ThroughputOptions {
  readonly workload: WorkloadOptions;
  /** Latency injected into every Redshift call by the emulator. */
  readonly redshiftLatencyMs: number;
  /** The CONCURRENCY values our handler is run with. */
  readonly concurrencies: readonly number[];
  /** Batches of 10 distinct groups timed for the floor comparison; the median is reported. */
  readonly floorBatches: number;
}

/** One handler's run over the workload, and its 10-distinct-groups batches. */
export interface ThroughputRow {
  readonly name: string;
  /** CONCURRENCY of our handler; undefined for the baseline. */
  readonly concurrency?: number;
  readonly wallMs: number;
  readonly redshiftCalls: number;
  /** SendMessage and SendMessageBatch calls to the results queue. */
  readonly sqsSendCalls: number;
  /** Outcomes that reached the results queue. */
  readonly outcomes: number;
  /** Records reported as batch item failures (none are expected: nothing fails here). */
  readonly failures: number;
  /** Median wall time of one batch of 10 requests for 10 distinct groups. */
  readonly distinctGroupsBatchMs: number;
}

/** The throughput figures of every handler over one workload. */
export interface ThroughputResult {
  readonly requests: number;
  readonly batches: number;
  readonly uniqueRequests: number;
  readonly groups: number;
  readonly duplicateRate: number;
  readonly redshiftLatencyMs: number;
  readonly rows: readonly ThroughputRow[];
}

type SqsLambdaHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

interface Subject {
  readonly name: string;
  readonly module: string;
  readonly concurrency?: number;
}

let instance = 0;

/** The handler's CONCURRENCY when the variable is unset. */
const DEFAULT_CONCURRENCY = loadConfig({
  RESULTS_QUEUE_URL: 'https://example.com/q',
  ALLOWED_GROUPS: 'x',
}).concurrency;

/**
 * Runs our handler (at each CONCURRENCY) and the Powertools baseline, one after another in this
 * process, over identical batches on the embedded emulator with latency injected into Redshift,
 * counting the API calls each makes. Batches run one at a time, as one Lambda instance runs them,
 * so the wall time is the billed duration.
 */
export async function measureThroughput(options: ThroughputOptions): Promise<ThroughputResult> {
  const subjects: Subject[] = [
    ...options.concurrencies.map((concurrency) => ({
      name: `ours, CONCURRENCY=${concurrency}${concurrency === DEFAULT_CONCURRENCY ? ' (default)' : ''}`,
      module: '../handlers/authorize.js',
      concurrency,
    })),
    { name: 'baseline (Powertools BatchProcessor)', module: './baseline/powertools-handler.js' },
  ];
  const emulator = await startEmulator({ port: 0, host: '127.0.0.1' });
  const clientConfig = {
    endpoint: emulator.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  };
  const sqs = new SQSClient(clientConfig);
  const redshift = new RedshiftClient(clientConfig);
  const shape = describeWorkload(options.workload);
  try {
    const rows: ThroughputRow[] = [];
    for (const subject of subjects) {
      rows.push(await runSubject(subject, { emulator, sqs, redshift, options }));
    }
    return {
      requests: shape.requests,
      batches: shape.batches,
      uniqueRequests: shape.uniqueRequests,
      groups: options.workload.groups,
      duplicateRate: options.workload.duplicateRate,
      redshiftLatencyMs: options.redshiftLatencyMs,
      rows,
    };
  } finally {
    sqs.destroy();
    redshift.destroy();
    await emulator.close();
  }
}

interface Stack {
  readonly emulator: Emulator;
  readonly sqs: SQSClient;
  readonly redshift: RedshiftClient;
  readonly options: ThroughputOptions;
}

async function runSubject(subject: Subject, stack: Stack): Promise<ThroughputRow> {
  const { emulator, options } = stack;
  const queues = await resetStack(stack);
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: emulator.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    RESULTS_QUEUE_URL: queues.results.url,
    REQUESTS_QUEUE_URL: queues.requests.url,
    ALLOWED_GROUPS: 'bench-*',
    // Log and metric output would flood the terminal; their cost is in the per-message CPU figures.
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  if (subject.concurrency === undefined) delete process.env.CONCURRENCY;
  else process.env.CONCURRENCY = String(subject.concurrency);
  instance += 1;
  const { handler } = (await import(
    new URL(`${subject.module}?bench=${instance}`, import.meta.url).href
  )) as {
    handler: SqsLambdaHandler;
  };
  const invoke = async (event: SQSEvent): Promise<number> => {
    const response = await handler(event, createLambdaContext('redshift-ingress-bench', 'us-east-1', 30_000));
    return response.batchItemFailures.length;
  };

  const before = emulator.stats.calls;
  let failures = 0;
  let batch = 0;
  const started = performance.now();
  for (const bodies of generateBatches(options.workload)) {
    failures += await invoke(toSqsEvent(bodies, batch, queues.requests.arn));
    batch += 1;
  }
  const wallMs = performance.now() - started;
  const after = emulator.stats.calls;
  const delta = (key: string): number => (after[key] ?? 0) - (before[key] ?? 0);
  const outcomes = await queueDepth(stack.sqs, queues.results.url);

  // A batch of 10 requests for 10 distinct groups: with enough concurrency, one Redshift latency.
  const names = groupNames(options.workload.groups).slice(0, 10);
  const durations: number[] = [];
  for (let round = 0; round < options.floorBatches; round += 1) {
    // Authorize, then revoke, the same rules: the groups stay far from their 20-rule quota.
    const action = round % 2 === 0 ? 'authorize' : 'revoke';
    const bodies = names.map((group, index) =>
      JSON.stringify({
        version: 1,
        action,
        clusterSecurityGroupName: group,
        cidrIp: `172.16.${Math.floor(round / 2) % 256}.${index}/32`,
      }),
    );
    const event = toSqsEvent(bodies, 100_000 + round, queues.requests.arn);
    const batchStarted = performance.now();
    failures += await invoke(event);
    durations.push(performance.now() - batchStarted);
  }

  return {
    name: subject.name,
    ...(subject.concurrency !== undefined && { concurrency: subject.concurrency }),
    wallMs,
    redshiftCalls:
      delta('redshift.AuthorizeClusterSecurityGroupIngress') +
      delta('redshift.RevokeClusterSecurityGroupIngress'),
    sqsSendCalls: delta('sqs.SendMessageBatch') + delta('sqs.SendMessage'),
    outcomes,
    failures,
    distinctGroupsBatchMs: median(durations),
  };
}

/** Empties the emulator and creates the queues and groups again, with Redshift's latency injected. */
async function resetStack(stack: Stack): Promise<LocalQueues> {
  const { emulator, options } = stack;
  emulator.reset();
  const queues = await ensureQueues(stack.sqs, { prefix: 'redshift-ingress-bench' });
  for (const name of groupNames(options.workload.groups))
    await ensureClusterSecurityGroup(stack.redshift, name);
  emulator.faults.setRules([{ service: 'redshift', latencyMs: options.redshiftLatencyMs }]);
  return queues;
}

async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  return Number(Attributes.ApproximateNumberOfMessages ?? 0);
}
