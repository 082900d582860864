import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { BuildOptions } from 'esbuild';
import { compileDesiredState } from '../src/domain/desired-state-yaml.js';
import { type BuiltBundle, bundleEntries, ROOT, readDeployedBuildOptions } from './bundle.js';
import { type MedianInterval, medianInterval, rotate } from './stats.js';

const run = promisify(execFile);

/** The bundles whose cold start is measured, by name, with their entry points. */
const HANDLERS = { authorize: 'handlers/authorize.ts', reconcile: 'handlers/reconcile.ts' } as const;
/** The bundle the alternatives are built from, and compared with. */
const DEPLOYED_AUTHORIZE = 'authorize';
const FLOOR_NAME = 'floor';
const FLOOR = { [FLOOR_NAME]: 'bench/floor/clients-only.ts' } as const;
/** The floor plus one part of a handler each: where the difference to the floor comes from. */
const PARTS = {
  "floor + domain (the request's zod/mini schema, CIDR, policy)": 'bench/floor/with-domain.ts',
  'floor + Powertools Logger, EMF metrics, middy': 'bench/floor/with-powertools.ts',
  'floor + EMF metrics writer, middy': 'bench/floor/with-emf-metrics.ts',
  'floor + Powertools Metrics, middy (replaced)': 'bench/floor/with-powertools-metrics.ts',
  'floor + Step Functions client': 'bench/floor/with-step-functions.ts',
  'floor + the VPC chunk (EC2, Redshift Serverless clients: the first VPC request)':
    'bench/floor/with-vpc-adapters.ts',
  'floor + desired state as deployed (JSON, checked)': 'bench/floor/with-desired-state.ts',
  'floor + the YAML reader (not deployed)': 'bench/floor/with-yaml-reader.ts',
} as const;
const EXAMPLE_DESIRED_STATE = 'examples/desired-state.yaml';
/** The floor built as one file, as bundles were before they were split: what the split saves the floor. */
const FLOOR_ONE_FILE = 'floor, one file (no splitting)';
/** The authorize handler with the SDK left to the runtime, as the alternative to bundling it. */
const SDK_EXTERNAL = 'authorize, SDK from the runtime';
/**
 * The authorize handler built as it was before a choice of docs/benchmarks.md, one choice undone each:
 * what that choice saves.
 */
const ALTERNATIVES: Readonly<Record<string, (deployed: BuildOptions) => BuildOptions>> = {
  'authorize, one file (no splitting)': (deployed) => ({ ...deployed, splitting: false }),
  'authorize, built with keepNames': (deployed) => ({ ...deployed, keepNames: true }),
  'authorize, node:stream/web loaded at import (no stand-in for middy)': (deployed) => ({
    ...deployed,
    plugins: (deployed.plugins ?? []).filter(({ name }) => name !== 'middy-web-streams-on-first-use'),
  }),
};

/** Options of {@link measureColdStart}. */
export interface ColdStartOptions {
  /** Imports of each bundle, each in a fresh Node process; the median is reported. */
  readonly runs: number;
  /** Where the bundles are written; inside node_modules so an external SDK resolves. */
  readonly outdir: string;
}

/** One bundle's figures. */
export interface ColdStartRow {
  readonly name: string;
  /**
   * `reference`: the floor built another way (one file); `alternative`: a handler built another way, not
   * deployed; `variant`: the SDK left to the runtime.
   */
  readonly kind: 'floor' | 'reference' | 'handler' | 'part' | 'alternative' | 'variant';
  /** Every file of the bundle (in a split build, the entry and all its chunks). */
  readonly bytes: number;
  /** The entry and the chunks it imports statically: what its import loads. */
  readonly importedBytes: number;
  /**
   * The wall time of `await import(bundle)` in a fresh process against the floor's in the same round,
   * over the rounds: its median and 95% interval. Pairing by round cancels what the machine's load does
   * to both between rounds.
   */
  readonly importRatio: MedianInterval;
  /** The same for the import's CPU time (user + system): steadier than wall time on a busy machine. */
  readonly importCpuRatio: MedianInterval;
  /** For a handler built another way: its import's wall time against the deployed handler's, per round. */
  readonly importVsDeployed?: MedianInterval;
  /** For a deployed handler: its import's wall time against the one-file floor's, per round. */
  readonly importVsReference?: MedianInterval;
}

/** The cold-start figures: every bundle with its size and its import against the floor's, round by round. */
export interface ColdStartResult {
  readonly runs: number;
  /** Whether the deployed bundles are split (`splitting` in serverless.yml): then a one-file floor is measured too. */
  readonly split: boolean;
  readonly rows: readonly ColdStartRow[];
  readonly floor: ColdStartRow;
}

/** The environment a handler needs at import, with dummy values: nothing is called. */
export function dummyHandlerEnv(): Record<string, string> {
  return {
    RESULTS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/redshift-ingress-bench-results',
    REQUESTS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/redshift-ingress-bench-requests',
    ALLOWED_GROUPS: 'bench-*',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    // Lambda runs Node 22, where the SDK prints no support warning; printing it would be counted here.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

/**
 * A clean environment for a child Node process: no NODE_OPTIONS (tsx registers its loader there),
 * so the child runs the bundle as Lambda would, with plain Node.
 */
export function childEnv(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '', ...dummyHandlerEnv(), ...extra };
}

const IMPORT_SCRIPT = `
const cpu = process.cpuUsage();
const started = performance.now();
await import(process.argv[1]);
const wallMs = performance.now() - started;
const used = process.cpuUsage(cpu);
process.stdout.write(JSON.stringify({ wallMs, cpuMs: (used.user + used.system) / 1000 }));
`;

async function timeImport(
  bundle: BuiltBundle,
  env: Readonly<Record<string, string>>,
): Promise<{ wallMs: number; cpuMs: number }> {
  const { stdout } = await run(
    process.execPath,
    ['--input-type=module', '-e', IMPORT_SCRIPT, pathToFileURL(bundle.file).href],
    { env: childEnv(env), cwd: ROOT },
  );
  return JSON.parse(stdout) as { wallMs: number; cpuMs: number };
}

/**
 * Builds the handlers, the floor and the parts as serverless.yml builds them, then imports each
 * bundle `runs` times in fresh processes, interleaved so they share the machine's noise.
 */
export async function measureColdStart(options: ColdStartOptions): Promise<ColdStartResult> {
  const deployed = readDeployedBuildOptions();
  // The reconcile function reads the desired state compiled to JSON when it is packaged.
  const desiredState = join(options.outdir, 'desired-state.json');
  await writeFile(
    desiredState,
    compileDesiredState(await readFile(join(ROOT, EXAMPLE_DESIRED_STATE), 'utf8'), EXAMPLE_DESIRED_STATE),
  );
  const env = { DESIRED_STATE_PATH: desiredState };
  const built = await bundleEntries({ ...FLOOR, ...HANDLERS, ...PARTS }, options.outdir, deployed);
  const external = await bundleEntries(
    { [SDK_EXTERNAL]: HANDLERS.authorize },
    join(options.outdir, 'sdk-external'),
    {
      ...deployed,
      external: [...(deployed.external ?? []), '@aws-sdk/*'],
    },
  );
  const split = deployed.splitting === true;
  const floorOneFile = split
    ? await bundleEntries({ [FLOOR_ONE_FILE]: FLOOR[FLOOR_NAME] }, join(options.outdir, 'floor-one-file'), {
        ...deployed,
        splitting: false,
      })
    : {};
  const alternatives: BuiltBundle[] = [];
  for (const [index, [name, undoChoice]] of Object.entries(ALTERNATIVES).entries()) {
    const alternative = await bundleEntries(
      { [name]: HANDLERS.authorize },
      join(options.outdir, `alternative-${index}`),
      undoChoice(deployed),
    );
    alternatives.push(...Object.values(alternative));
  }
  const kinds: Record<string, ColdStartRow['kind']> = {
    [FLOOR_NAME]: 'floor',
    [FLOOR_ONE_FILE]: 'reference',
    ...Object.fromEntries(Object.keys(HANDLERS).map((name) => [name, 'handler'])),
    ...Object.fromEntries(Object.keys(PARTS).map((name) => [name, 'part'])),
    ...Object.fromEntries(Object.keys(ALTERNATIVES).map((name) => [name, 'alternative'])),
    [SDK_EXTERNAL]: 'variant',
  };
  const bundles = [
    ...Object.values(built),
    ...Object.values(floorOneFile),
    ...alternatives,
    ...Object.values(external),
  ];
  const samples = new Map(
    bundles.map((bundle) => [bundle.name, { wall: [] as number[], cpu: [] as number[] }]),
  );
  for (let round = 0; round < options.runs; round += 1) {
    for (const bundle of rotate(bundles, round)) {
      const { wallMs, cpuMs } = await timeImport(bundle, env);
      const sample = samples.get(bundle.name);
      sample?.wall.push(wallMs);
      sample?.cpu.push(cpuMs);
    }
  }
  const sampleOf = (name: string) => samples.get(name) ?? { wall: [], cpu: [] };
  const perRound = (values: readonly number[], references: readonly number[]) =>
    medianInterval(values.map((value, round) => value / (references[round] as number)));
  const floorSample = sampleOf(FLOOR_NAME);
  const rows = bundles.map((bundle): ColdStartRow => {
    const sample = sampleOf(bundle.name);
    const kind = kinds[bundle.name] ?? 'variant';
    return {
      name: bundle.name,
      kind,
      bytes: bundle.bytes,
      importedBytes: bundle.importedBytes,
      importRatio: perRound(sample.wall, floorSample.wall),
      importCpuRatio: perRound(sample.cpu, floorSample.cpu),
      ...(kind === 'alternative' && {
        importVsDeployed: perRound(sample.wall, sampleOf(DEPLOYED_AUTHORIZE).wall),
      }),
      ...(kind === 'handler' &&
        split && {
          importVsReference: perRound(sample.wall, sampleOf(FLOOR_ONE_FILE).wall),
        }),
    };
  });
  const floor = rows.find((row) => row.kind === 'floor') as ColdStartRow;
  return { runs: options.runs, split, rows, floor };
}
