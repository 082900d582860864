import { cpus, release } from 'node:os';
import type { ColdStartResult } from './cold-start.js';
import type { CpuResult } from './cpu.js';
import type { MemoryResult } from './memory.js';
import type { MedianInterval } from './stats.js';
import type { ThroughputResult } from './throughput.js';

/** Everything one benchmark run measured. */
export interface BenchResults {
  readonly quick: boolean;
  readonly coldStart: ColdStartResult;
  readonly throughput: ThroughputResult;
  readonly cpu: CpuResult;
  readonly memory: MemoryResult;
}

/**
 * The targets. A function's import time is at most 1.3x the split floor's; what it loads at import is
 * printed beside it, as where that time comes from (code loaded on first use, such as the VPC chunk,
 * is measured in its own row).
 */
export const TARGETS = {
  importRatio: 1.3,
  redshiftCallsPerUniqueRule: 1,
  sqsSendCallsPerOutcome: 0.1,
  distinctGroupsBatchOverLatency: 2,
  memoryOverFloorMiB: 40,
} as const;

const MIB = 1024 * 1024;

const ratio = (value: number): string => `${value.toFixed(2)}x`;
const kib = (bytes: number): string => `${Math.round(bytes / 1024).toLocaleString('en-US')} KiB`;
const mib = (bytes: number): string => `${(bytes / MIB).toFixed(1)} MiB`;
const count = (value: number): string => value.toLocaleString('en-US');
const verdict = (met: boolean): string => (met ? 'met' : '**missed**');
const interval = ({ median, interval }: MedianInterval): string =>
  interval ? `${ratio(median)} (${interval.low.toFixed(2)}-${interval.high.toFixed(2)})` : ratio(median);
/** Says so when the target lies inside the interval: another run may well give the other verdict. */
const withinNoise = ({ interval }: MedianInterval, target: number): string =>
  interval && interval.low <= target && target <= interval.high ? ', within the noise' : '';

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Renders the results as markdown: one section per question, ratios first. */
export function renderReport(results: BenchResults): string {
  const cpu = cpus();
  const machine = `${cpu.length} x ${cpu[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}, Linux ${release()}`;
  return [
    `Measured in one run of \`npm run bench${results.quick ? ' -- --quick' : ''}\` on ${machine}.`,
    'The machine is shared (2 cores, other test suites running): absolute times move from run to run, so',
    'every figure that is a time is given as a ratio to a floor or a baseline measured in the same run,',
    'interleaved with it so both see the same noise.',
    ...(results.quick ? ['', '**Quick run: sizes too small for the figures to mean anything.**'] : []),
    '',
    renderColdStart(results.coldStart),
    '',
    renderThroughput(results.throughput),
    '',
    renderCpu(results.cpu),
    '',
    renderMemory(results.memory),
  ].join('\n');
}

/** The cold-start section: the table, each handler against the targets, and what each choice undone costs. */
export function renderColdStart(result: ColdStartResult): string {
  const { floor } = result;
  const row = (r: ColdStartResult['rows'][number]): string[] => [
    r.kind === 'part' ? `_${r.name}_` : r.name,
    r.kind === 'variant' ? `${kib(r.bytes)} + the runtime's SDK` : kib(r.bytes),
    r.kind === 'variant' ? 'n/a' : ratio(r.bytes / floor.bytes),
    r.kind === 'variant' ? 'n/a' : kib(r.importedBytes),
    r.kind === 'floor' ? ratio(1) : interval(r.importRatio),
    r.kind === 'floor' ? ratio(1) : interval(r.importCpuRatio),
  ];
  const order: Record<string, number> = {
    floor: 0,
    reference: 1,
    handler: 2,
    part: 3,
    alternative: 4,
    variant: 5,
  };
  const rows = [...result.rows].sort((a, b) => (order[a.kind] ?? 9) - (order[b.kind] ?? 9));
  const handlers = result.rows.filter((r) => r.kind === 'handler');
  const targets = handlers.map(
    (r) =>
      `${r.name}: loaded at import ${ratio(r.importedBytes / floor.importedBytes)} the floor's, ` +
      `import ${interval(r.importRatio)} (target <= ${TARGETS.importRatio}x, ${verdict(r.importRatio.median <= TARGETS.importRatio)}${withinNoise(r.importRatio, TARGETS.importRatio)})` +
      (r.importVsReference ? `; ${interval(r.importVsReference)} the one-file floor's import` : ''),
  );
  const savings = result.rows.flatMap((r) =>
    r.importVsDeployed
      ? [`${r.name}: import ${interval(r.importVsDeployed)} the deployed authorize's, round by round`]
      : [],
  );
  return [
    '### 1. Cold start',
    '',
    `Bundles built with the esbuild options of \`serverless.yml\` (\`custom.esbuild\`, read by the benchmark).`,
    ...(result.split
      ? [
          'A bundle is split: its size counts every file (the entry and all its chunks, as zipped); "loaded',
          'at import" the entry and the chunks it imports statically. The rest (chunks imported with',
          '`import()`) loads on first use.',
        ]
      : []),
    `Import time: \`await import(bundle)\` in a fresh \`node\` process, ${result.runs} round${result.runs === 1 ? '' : 's'} in which every bundle`,
    "is imported once, in turn. A ratio is the median over the rounds of the bundle's import against the",
    "floor's in the same round, with the 95% interval of that median in brackets: the machine's noise.",
    'The floor constructs an SQS and a Redshift client and nothing else.',
    ...(result.split
      ? ['The row after it is the same floor built as one file, as bundles were before the split.']
      : []),
    'Rows in italics are the floor plus one part of a handler: where the difference comes from. The rows',
    'after them are the authorize handler with one choice of docs/benchmarks.md undone: what that choice',
    'saves.',
    '',
    table(
      ['bundle', 'size', 'size / floor', 'loaded at import', 'import time / floor', 'import CPU / floor'],
      rows.map(row),
    ),
    '',
    ...targets.map((line) => `- ${line}`),
    ...savings.map((line) => `- ${line}`),
  ].join('\n');
}

function renderThroughput(result: ThroughputResult): string {
  const baseline = result.rows.find((r) => r.concurrency === undefined);
  const rows = result.rows.map((r) => [
    r.name,
    baseline ? ratio(r.wallMs / baseline.wallMs) : 'n/a',
    (r.redshiftCalls / result.uniqueRequests).toFixed(2),
    (r.sqsSendCalls / Math.max(1, r.outcomes)).toFixed(2),
    (r.sqsSendCalls / result.batches).toFixed(2),
    ratio(r.distinctGroupsBatchMs / result.redshiftLatencyMs),
    `${count(r.outcomes)} / ${count(r.failures)}`,
  ]);
  return [
    '### 2. Batch throughput and API economy',
    '',
    `${count(result.requests)} requests in ${count(result.batches)} batches of 10 over ${result.groups} cluster security groups,`,
    `${Math.round(result.duplicateRate * 100)}% duplicates (a repeat of a request in the same batch; ${count(result.uniqueRequests)} unique),`,
    'authorizes and revokes in turn so no group reaches its 20-rule quota. The embedded emulator adds',
    `${result.redshiftLatencyMs} ms to every Redshift call. Each handler runs the same SQS events one batch at a time, as one`,
    'Lambda instance does, in this process; API calls are counted by the emulator. The last column is',
    'the median of batches of 10 requests for 10 distinct groups against one Redshift call.',
    '',
    table(
      [
        'handler',
        'wall time / baseline',
        'Redshift calls / unique rule',
        'SQS send calls / outcome',
        'SQS send calls / batch',
        '10-group batch / one call',
        'outcomes / failures',
      ],
      rows,
    ),
    '',
    `Targets: Redshift calls per unique rule ${TARGETS.redshiftCallsPerUniqueRule.toFixed(1)}; SQS send calls per outcome <= ${TARGETS.sqsSendCallsPerOutcome}`,
    `(one SendMessageBatch per 10 outcomes, one more per batch at most); a batch of 10 distinct groups in under`,
    `${TARGETS.distinctGroupsBatchOverLatency}x one call's latency.`,
    ...result.rows
      .filter((r) => r.concurrency !== undefined)
      .map(
        (r) =>
          `- ${r.name}: ${verdict(r.redshiftCalls / result.uniqueRequests <= TARGETS.redshiftCallsPerUniqueRule)} calls per rule, ` +
          `${verdict(r.sqsSendCalls / Math.max(1, r.outcomes) <= TARGETS.sqsSendCallsPerOutcome)} sends per outcome, ` +
          `${verdict(r.distinctGroupsBatchMs / result.redshiftLatencyMs < TARGETS.distinctGroupsBatchOverLatency)} 10-group batch`,
      ),
  ].join('\n');
}

function renderCpu(result: CpuResult): string {
  const baseline = result.rows.find((r) => r.name.startsWith('baseline'));
  const rows = result.rows.map((r) => [
    r.name,
    baseline ? ratio(r.microsPerMessage / baseline.microsPerMessage) : 'n/a',
    r.microsPerMessage.toFixed(0),
    baseline ? ratio(r.cpuMicrosPerMessage / baseline.cpuMicrosPerMessage) : 'n/a',
    Object.entries(r.callsPerMessage)
      .map(([key, value]) => `${key} ${value.toFixed(2)}`)
      .join(', '),
  ]);
  return [
    '### 3. Per-message CPU',
    '',
    `${count(result.messages)} messages in batches of 10 (the workload of section 2) through each handler's minified`,
    'bundle, in a fresh process per run, median of',
    `${result.rounds} interleaved runs after a warm-up. The SDK clients are real but answer from memory with no`,
    'latency: serialization, signing, middleware, response parsing and MD5 checks are counted, the network',
    "is not. Logs go to the process's stdout as in Lambda (discarded here).",
    '',
    table(
      ['handler', 'time / baseline', 'us / message (this machine)', 'CPU / baseline', 'SDK calls / message'],
      rows,
    ),
  ].join('\n');
}

function renderMemory(result: MemoryResult): string {
  const [host, lambda] = result.sizings;
  if (host === undefined || lambda === undefined) throw new Error('memory: expected two heap sizings');
  const over = (peak: number, floor: number) => `+${mib(peak - floor)}`;
  const rows = [
    ['floor (two clients constructed, idle)', mib(host.floorBytes), '-', mib(lambda.floorBytes), '-', '-'],
    ...lambda.peaks.map((peak, index) => {
      const onHost = host.peaks[index] ?? peak;
      return [
        peak.name,
        mib(onHost.maxRssBytes),
        over(onHost.maxRssBytes, host.floorBytes),
        mib(peak.maxRssBytes),
        over(peak.maxRssBytes, lambda.floorBytes),
        mib(peak.liveHeapBytes),
      ];
    }),
  ];
  const ours = lambda.peaks[0];
  const oversize = ours ? (ours.maxRssBytes - lambda.floorBytes) / MIB : Number.NaN;
  return [
    '### 4. Memory',
    '',
    `Peak RSS (\`process.resourceUsage().maxRSS\`) of a fresh process running ${count(result.messages)} messages through`,
    'the bundled handler (in-memory clients, as in section 3), against a process that constructs the two',
    `clients and idles; median of ${result.rounds}. V8 sizes its heap from the machine's memory, so each is run twice:`,
    `with ${host.sizing}, and ${lambda.sizing.replace(/^V8 /, 'with V8 ')}. The live heap is what`,
    'remains after a full collection at the end of the 256 MB run: what the handler holds on to.',
    '',
    table(
      [
        'process',
        'peak RSS, host defaults',
        'over the floor',
        'peak RSS, 256 MB sizing',
        'over the floor',
        'live heap after the run',
      ],
      rows,
    ),
    '',
    `Target: within ${TARGETS.memoryOverFloorMiB} MiB of the floor at 256 MB: ${verdict(oversize <= TARGETS.memoryOverFloorMiB)} (+${oversize.toFixed(1)} MiB).`,
  ].join('\n');
}

const BEGIN = '<!-- bench:begin (generated by npm run bench; edit outside these markers) -->';
const END = '<!-- bench:end -->';

/**
 * Puts a generated report into a document between the bench markers, keeping everything else
 * (the hand-written choices); a document without markers gets a title and the report.
 */
export function spliceReport(document: string | undefined, report: string): string {
  const block = `${BEGIN}\n${report}\n${END}`;
  if (document === undefined || document.trim() === '') return `# Benchmarks\n\n${block}\n`;
  const start = document.indexOf(BEGIN);
  const end = document.indexOf(END);
  if (start === -1 || end === -1 || end < start) return `${document.trimEnd()}\n\n${block}\n`;
  return `${document.slice(0, start)}${block}${document.slice(end + END.length)}`;
}
