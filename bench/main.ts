import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from './bundle.js';
import { measureColdStart } from './cold-start.js';
import { measureCpu } from './cpu.js';
import { measureMemory } from './memory.js';
import { CONCURRENCIES, FULL, QUICK, REDSHIFT_LATENCY_MS, WORKLOAD } from './options.js';
import { type BenchResults, renderReport, spliceReport } from './report.js';
import { measureThroughput } from './throughput.js';
import { bundleWorkers } from './worker-process.js';

/** Options of {@link runBench}. */
export interface RunBenchOptions {
  /** Tiny sizes: every path runs, in seconds. */
  readonly quick: boolean;
  /** The markdown file the report is spliced into. */
  readonly out: string;
  /** Progress lines go here. */
  readonly log?: (line: string) => void;
}

/** Runs every section, prints nothing itself, writes the report into `out` and returns it. */
export async function runBench(options: RunBenchOptions): Promise<string> {
  const started = performance.now();
  const say = options.log ?? (() => {});
  const log = (line: string) =>
    say(`${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s  ${line}`);
  const sizes = options.quick ? QUICK : FULL;
  // Inside node_modules, so the bundle that leaves the SDK to the runtime finds it there.
  const outdir = join(ROOT, 'node_modules', '.cache', 'redshift-ingress-bench', String(process.pid));
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  try {
    log(`cold start: bundling, then ${sizes.importRuns} imports per bundle`);
    const coldStart = await measureColdStart({ runs: sizes.importRuns, outdir });

    log(`throughput: ${sizes.throughputRequests} requests per handler over the emulator`);
    const throughput = await measureThroughput({
      workload: { ...WORKLOAD, requests: sizes.throughputRequests },
      redshiftLatencyMs: REDSHIFT_LATENCY_MS,
      concurrencies: CONCURRENCIES,
      floorBatches: sizes.floorBatches,
    });

    const workers = await bundleWorkers(join(outdir, 'workers'));
    log(`cpu: ${sizes.cpuMessages} messages per handler, ${sizes.cpuRounds} rounds`);
    const cpu = await measureCpu({
      workers,
      workload: { ...WORKLOAD, requests: sizes.cpuMessages },
      warmupMessages: sizes.cpuWarmupMessages,
      rounds: sizes.cpuRounds,
    });

    log(`memory: ${sizes.memoryMessages} messages per handler, ${sizes.memoryRounds} rounds`);
    const memory = await measureMemory({
      workers,
      floorBundle: join(outdir, 'floor.mjs'),
      workload: { ...WORKLOAD, requests: sizes.memoryMessages },
      rounds: sizes.memoryRounds,
    });

    const results: BenchResults = { quick: options.quick, coldStart, throughput, cpu, memory };
    const report = renderReport(results);
    const existing = await readFile(options.out, 'utf8').catch(() => undefined);
    await mkdir(dirname(options.out), { recursive: true });
    await writeFile(options.out, spliceReport(existing, report));
    return report;
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

const isMain =
  process.argv[1] !== undefined && resolve(process.argv[1]) === new URL(import.meta.url).pathname;
if (isMain) {
  const usage = `Usage: npm run bench -- [--quick] [--out FILE]

Measures cold start, throughput, CPU and memory of the handlers and writes the report into a markdown file.
  --quick       tiny sizes: every path runs, in seconds; the figures mean nothing
  --out FILE    the report's file (default: docs/benchmarks.md; with --quick, a file in the temporary folder)
  -h, --help    print this help`;
  let values: { quick?: boolean; out?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${usage}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  const quick = values.quick ?? false;
  // A quick run's figures mean nothing: it never replaces the published ones unless told to.
  const out = resolve(
    values.out ??
      (quick ? join(tmpdir(), 'redshift-ingress-benchmarks.quick.md') : join(ROOT, 'docs', 'benchmarks.md')),
  );
  const report = await runBench({ quick, out, log: (line) => process.stderr.write(`bench: ${line}\n`) });
  process.stdout.write(`${report}\n\nWritten to ${out}\n`);
  // Handler modules keep their SDK clients (and keep-alive sockets) for the life of the process, as
  // in Lambda; the run is over.
  process.exit(0);
}
