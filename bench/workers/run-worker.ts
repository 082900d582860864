import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createLambdaContext } from '../../local/lambda-context.js';
import { installInMemoryClients } from '../in-memory-clients.js';
import { generateBatches, toSqsEvent, type WorkloadOptions } from '../workload.js';

/** What a worker is asked to do: the handler's environment and the messages to push through it. */
export interface WorkerTask {
  /** Environment set before the handler module is loaded (it reads its configuration at import). */
  readonly env: Readonly<Record<string, string>>;
  /** Messages run first and left out of the figures, so the JIT has seen every path. */
  readonly warmupMessages: number;
  /** The measured workload. */
  readonly workload: WorkloadOptions;
}

/** What a worker measured over the measured messages. */
export interface WorkerResult {
  readonly messages: number;
  readonly wallMs: number;
  /** User and system CPU time of the whole process (GC threads included). */
  readonly cpuMs: number;
  /** Peak resident set size of the process, from `process.resourceUsage().maxRSS`. */
  readonly maxRssBytes: number;
  /** V8 heap in use at the end, after a full collection when the process runs with `--expose-gc`. */
  readonly heapUsedBytes: number;
  /** V8 heap reserved at the end. */
  readonly heapTotalBytes: number;
  /** Memory held outside the V8 heap (buffers) at the end. */
  readonly externalBytes: number;
  /** Records the handler reported as failed; the in-memory services never fail, so anything above 0 is a defect. */
  readonly batchItemFailures: number;
  /** SDK calls the handler made over the measured messages, per `service.Operation`. */
  readonly calls: Readonly<Record<string, number>>;
}

type SqsLambdaHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;

const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:bench-requests';

/**
 * Runs in a child process: loads a handler module after setting its environment, with every SDK
 * client answering from memory, pushes the workload through it batch by batch as Lambda would, and
 * sends the figures to the parent over IPC.
 */
export async function runWorker(load: () => Promise<{ handler: SqsLambdaHandler }>): Promise<void> {
  const task = JSON.parse(process.argv[2] ?? '{}') as WorkerTask;
  Object.assign(process.env, task.env);
  const inMemory = installInMemoryClients();
  const { handler } = await load();

  const run = async (workload: WorkloadOptions): Promise<number> => {
    let failures = 0;
    let batch = 0;
    for (const bodies of generateBatches(workload)) {
      const context = createLambdaContext('redshift-ingress-bench', 'us-east-1', 30_000);
      const response = await handler(toSqsEvent(bodies, batch, QUEUE_ARN), context);
      failures += response?.batchItemFailures.length ?? 0;
      batch += 1;
    }
    return failures;
  };

  if (task.warmupMessages > 0) {
    await run({ ...task.workload, requests: task.warmupMessages, seed: (task.workload.seed ?? 42) + 1 });
  }
  const before = { ...inMemory.calls };
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const batchItemFailures = await run(task.workload);
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  const calls: Record<string, number> = {};
  for (const [key, value] of Object.entries(inMemory.calls)) {
    const delta = value - (before[key] ?? 0);
    if (delta > 0) calls[key] = delta;
  }
  const peak = process.resourceUsage().maxRSS * 1024;
  (globalThis as { gc?: () => void }).gc?.();
  const memory = process.memoryUsage();
  const result: WorkerResult = {
    messages: task.workload.requests,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    maxRssBytes: peak,
    heapUsedBytes: memory.heapUsed,
    heapTotalBytes: memory.heapTotal,
    externalBytes: memory.external,
    batchItemFailures,
    calls,
  };
  process.send?.(result);
  process.disconnect?.();
}
