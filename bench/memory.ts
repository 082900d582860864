import { execFile } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { ROOT } from './bundle.js';
import { childEnv } from './cold-start.js';
import { median } from './stats.js';
import { runWorkerProcess, type WorkerBundles } from './worker-process.js';
import type { WorkloadOptions } from './workload.js';

const run = promisify(execFile);

/** Options of {@link measureMemory}. */
export interface MemoryOptions {
  readonly workers: WorkerBundles;
  /** The floor bundle: the two SDK clients constructed, nothing else. */
  readonly floorBundle: string;
  readonly workload: WorkloadOptions;
  /** Processes per subject and heap sizing; the median peak is reported. */
  readonly rounds: number;
}

/**
 * How V8 sizes its heap in a run. V8 derives its limits from the machine's memory: on a large host
 * the young generation alone may take 3 x 16 MiB and the old generation grows long before it is
 * collected, so a process's peak says more about the host than about the code. A 256 MB function
 * gets about half its memory as old generation and the smallest semi-spaces; the second sizing pins
 * those, so the figure that decides `memorySize` does not depend on this host.
 */
export const HEAP_SIZINGS = [
  { name: "V8's defaults on this host", execArgv: [] },
  {
    name: 'V8 sized as for 256 MB (--max-old-space-size=128 --max-semi-space-size=1)',
    execArgv: ['--max-old-space-size=128', '--max-semi-space-size=1'],
  },
] as const;

/** Peak memory of the floor and of each handler under one heap sizing. */
export interface MemorySizingResult {
  readonly sizing: string;
  /** Median peak RSS of the process that constructs the two clients and idles. */
  readonly floorBytes: number;
  /** Median peak RSS of each handler's process, by handler name. */
  readonly peaks: readonly {
    readonly name: string;
    readonly maxRssBytes: number;
    readonly liveHeapBytes: number;
  }[];
}

/** Peak memory over a workload, under each heap sizing. */
export interface MemoryResult {
  readonly messages: number;
  readonly rounds: number;
  readonly sizings: readonly MemorySizingResult[];
}

// The floor stays alive a moment, as an idle function would, then reports its peak.
const FLOOR_SCRIPT = `
await import(process.argv[1]);
await new Promise((resolve) => setTimeout(resolve, 100));
process.stdout.write(String(process.resourceUsage().maxRSS * 1024));
`;

const PRODUCTION = { POWERTOOLS_SERVICE_NAME: 'redshift-ingress', POWERTOOLS_LOG_LEVEL: 'INFO' };

/**
 * Measures the peak RSS of a fresh process running each handler over the workload (in-memory
 * clients, production logging) against a process that only constructs the two SDK clients, under
 * each heap sizing; also the live heap after a full collection at the end, which shows nothing leaks.
 */
export async function measureMemory(options: MemoryOptions): Promise<MemoryResult> {
  const subjects = [
    {
      name: 'ours (INFO logs, EMF metrics, as deployed)',
      bundle: options.workers.authorize,
      env: PRODUCTION,
    },
    { name: 'baseline (Powertools BatchProcessor)', bundle: options.workers.baseline, env: {} },
  ];
  const sizings: MemorySizingResult[] = [];
  for (const sizing of HEAP_SIZINGS) {
    const floor: number[] = [];
    const peaks = new Map(
      subjects.map((subject) => [subject.name, { rss: [] as number[], live: [] as number[] }]),
    );
    for (let round = 0; round < options.rounds; round += 1) {
      const { stdout } = await run(
        process.execPath,
        [
          ...sizing.execArgv,
          '--input-type=module',
          '-e',
          FLOOR_SCRIPT,
          pathToFileURL(options.floorBundle).href,
        ],
        { env: childEnv(), cwd: ROOT },
      );
      floor.push(Number(stdout));
      for (const subject of subjects) {
        const result = await runWorkerProcess(
          subject.bundle,
          { env: subject.env, warmupMessages: 0, workload: options.workload },
          // --expose-gc only lets the worker collect once at the end, after the peak is read.
          [...sizing.execArgv, '--expose-gc'],
        );
        peaks.get(subject.name)?.rss.push(result.maxRssBytes);
        peaks.get(subject.name)?.live.push(result.heapUsedBytes);
      }
    }
    sizings.push({
      sizing: sizing.name,
      floorBytes: median(floor),
      peaks: subjects.map((subject) => {
        const samples = peaks.get(subject.name) ?? { rss: [], live: [] };
        return { name: subject.name, maxRssBytes: median(samples.rss), liveHeapBytes: median(samples.live) };
      }),
    });
  }
  return { messages: options.workload.requests, rounds: options.rounds, sizings };
}
