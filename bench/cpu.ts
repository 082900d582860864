import { median, rotate } from './stats.js';
import { runWorkerProcess, type WorkerBundles } from './worker-process.js';
import type { WorkerResult } from './workers/run-worker.js';
import type { WorkloadOptions } from './workload.js';

/** Options of {@link measureCpu}. */
export interface CpuOptions {
  readonly workers: WorkerBundles;
  /** The measured workload of each run. */
  readonly workload: WorkloadOptions;
  readonly warmupMessages: number;
  /** Runs of each handler, interleaved; the median is reported. */
  readonly rounds: number;
}

/** One handler's per-message cost. */
export interface CpuRow {
  readonly name: string;
  /** Median wall time per message, in microseconds; with zero-latency clients the process is busy throughout. */
  readonly microsPerMessage: number;
  /** Median process CPU time (user + system, GC threads included) per message, in microseconds. */
  readonly cpuMicrosPerMessage: number;
  /** SDK calls per message of the last run, per `service.Operation`. */
  readonly callsPerMessage: Readonly<Record<string, number>>;
}

/** Per-message cost of every handler over the same workload. */
export interface CpuResult {
  readonly messages: number;
  readonly rounds: number;
  readonly rows: readonly CpuRow[];
}

interface Subject {
  readonly name: string;
  readonly bundle: string;
  readonly env: Record<string, string>;
}

/**
 * Runs each handler over the workload with in-memory SDK clients (no network, no latency), each run
 * in a fresh process, interleaved, and reports the median time per message.
 */
export async function measureCpu(options: CpuOptions): Promise<CpuResult> {
  const production = { POWERTOOLS_SERVICE_NAME: 'redshift-ingress', POWERTOOLS_LOG_LEVEL: 'INFO' };
  const subjects: Subject[] = [
    {
      name: 'ours (INFO logs, EMF metrics, as deployed)',
      bundle: options.workers.authorize,
      env: production,
    },
    {
      name: 'ours, POWERTOOLS_LOG_LEVEL=WARN',
      bundle: options.workers.authorize,
      env: { ...production, POWERTOOLS_LOG_LEVEL: 'WARN' },
    },
    { name: 'baseline (Powertools BatchProcessor)', bundle: options.workers.baseline, env: {} },
  ];
  const results = new Map<string, WorkerResult[]>(subjects.map((subject) => [subject.name, []]));
  for (let round = 0; round < options.rounds; round += 1) {
    for (const subject of rotate(subjects, round)) {
      const result = await runWorkerProcess(subject.bundle, {
        env: subject.env,
        warmupMessages: options.warmupMessages,
        workload: options.workload,
      });
      if (result.batchItemFailures > 0) {
        throw new Error(
          `${subject.name}: ${result.batchItemFailures} records failed against in-memory clients`,
        );
      }
      results.get(subject.name)?.push(result);
    }
  }
  const rows = subjects.map((subject): CpuRow => {
    const runs = results.get(subject.name) ?? [];
    const last = runs[runs.length - 1] as WorkerResult;
    return {
      name: subject.name,
      microsPerMessage: median(runs.map((run) => (run.wallMs * 1000) / run.messages)),
      cpuMicrosPerMessage: median(runs.map((run) => (run.cpuMs * 1000) / run.messages)),
      callsPerMessage: Object.fromEntries(
        Object.entries(last.calls).map(([key, count]) => [key, count / last.messages]),
      ),
    };
  });
  return { messages: options.workload.requests, rounds: options.rounds, rows };
}
