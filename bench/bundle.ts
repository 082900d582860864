import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { type BuildOptions, build, type Metafile, type Plugin } from 'esbuild';
import { parse } from 'yaml';

/** The repository root, where serverless.yml and node_modules are. */
export const ROOT = new URL('..', import.meta.url).pathname;

// serverless-esbuild's own keys, removed before its options reach esbuild (its bundle.ts does the same).
const PLUGIN_KEYS = [
  'concurrency',
  'zipConcurrency',
  'exclude',
  'nativeZip',
  'packager',
  'packagePath',
  'watch',
  'keepOutputDirectory',
  'packagerOptions',
  'installExtraArgs',
  'outputFileExtension',
  'outputBuildFolder',
  'outputWorkFolder',
  'nodeExternals',
  'skipBuild',
  'skipRebuild',
  'skipBuildExcludeFns',
  'stripEntryResolveExtensions',
  'disposeContext',
];

// serverless-esbuild's defaults under the options a service gives; arrays are replaced, not merged.
const PLUGIN_DEFAULTS = {
  bundle: true,
  target: 'node18',
  exclude: ['aws-sdk'],
  platform: 'node',
  outputFileExtension: '.js',
};

/**
 * The esbuild options of the deployed bundles, read from `custom.esbuild` of serverless.yml and
 * translated as serverless-esbuild translates them, so the benchmark measures what Lambda runs.
 *
 * @throws Error naming serverless.yml when it has no `custom.esbuild`
 */
export function readDeployedBuildOptions(
  serverlessYml = join(ROOT, 'serverless.yml'),
  parameters: Readonly<Record<string, string>> = DEFAULT_PARAMETERS,
): BuildOptions {
  // CloudFormation tags (!Ref, !GetAtt) are not YAML core tags; they do not matter here.
  const service = parse(readFileSync(serverlessYml, 'utf8'), { logLevel: 'silent' }) as {
    custom?: { esbuild?: Record<string, unknown> };
  };
  const custom = service.custom?.esbuild;
  if (typeof custom !== 'object' || custom === null) {
    throw new Error(`${serverlessYml}: custom.esbuild is missing; the benchmark bundles as it says`);
  }
  const merged: Record<string, unknown> = { ...PLUGIN_DEFAULTS, ...custom };
  const exclude = stringArray(merged.exclude);
  const extension = String(merged.outputFileExtension);
  const options: Record<string, unknown> = { ...merged };
  for (const key of PLUGIN_KEYS) delete options[key];
  if (typeof merged.define === 'object' && merged.define !== null) {
    options.define = Object.fromEntries(
      Object.entries(merged.define as Record<string, unknown>).map(([name, value]) => [
        name,
        resolveParameters(String(value), parameters, `custom.esbuild.define["${name}"]`),
      ]),
    );
  }
  // serverless-esbuild requires `plugins` when it names a file, relative to the service's directory.
  if (typeof merged.plugins === 'string') {
    const file = resolve(dirname(serverlessYml), merged.plugins);
    options.plugins = createRequire(import.meta.url)(file) as Plugin[];
  }
  return {
    ...(options as BuildOptions),
    external: [...stringArray(merged.external), ...(exclude.includes('*') ? [] : exclude)],
    ...(extension !== '.js' && { outExtension: { '.js': extension } }),
  };
}

/** The parameters `custom.esbuild` may reference, at their serverless.yml defaults. */
const DEFAULT_PARAMETERS: Readonly<Record<string, string>> = {};

/** Replaces `${self:custom.parameters.<name>}` as osls would; any other variable is an error. */
function resolveParameters(
  value: string,
  parameters: Readonly<Record<string, string>>,
  where: string,
): string {
  return value.replace(/\$\{([^}]*)\}/g, (variable, expression: string) => {
    const name = /^self:custom\.parameters\.(\w+)$/.exec(expression.trim())?.[1];
    const resolved = name === undefined ? undefined : parameters[name];
    if (resolved === undefined) throw new Error(`${where}: cannot resolve ${variable} outside osls`);
    return resolved;
  });
}

function stringArray(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter((item): item is string => typeof item === 'string');
}

/** One bundle built: its entry name, entry file and sizes. */
export interface BuiltBundle {
  readonly name: string;
  /** The entry module, the file Lambda imports. */
  readonly file: string;
  /** Every file of the bundle: the entry and, in a split build, all its chunks (what the zip carries). */
  readonly bytes: number;
  /** The entry and the chunks it imports statically: what an import of the bundle loads and parses. */
  readonly importedBytes: number;
}

/**
 * Bundles entry points (name to source path, relative to the root) into `outdir` with `options`,
 * returning each bundle's file and sizes in bytes. A split build (`splitting`) builds each entry on its
 * own, as serverless-esbuild does, so that no chunk is shared between bundles.
 */
export async function bundleEntries(
  entries: Readonly<Record<string, string>>,
  outdir: string,
  options: BuildOptions,
): Promise<Record<string, BuiltBundle>> {
  const groups = options.splitting
    ? Object.entries(entries).map(([name, entry]) => ({ [name]: entry }))
    : [entries];
  const built: Record<string, BuiltBundle> = {};
  for (const group of groups) {
    const result = await build({
      ...options,
      absWorkingDir: ROOT,
      entryPoints: group,
      outdir,
      metafile: true,
      write: true,
      logLevel: 'error',
    });
    const { outputs } = result.metafile;
    for (const [file, output] of Object.entries(outputs)) {
      if (output.entryPoint === undefined) continue;
      const name = Object.keys(group).find((key) => group[key] === output.entryPoint);
      if (name === undefined) continue;
      built[name] = {
        name,
        file: join(ROOT, file),
        bytes: options.splitting ? totalBytes(outputs) : output.bytes,
        importedBytes: sumBytes(outputs, reachableFiles(outputs, file, ['import-statement'])),
      };
    }
  }
  for (const name of Object.keys(entries)) {
    if (built[name] === undefined) throw new Error(`bundle "${name}": esbuild produced no output for it`);
  }
  return built;
}

function totalBytes(outputs: Metafile['outputs']): number {
  return Object.values(outputs).reduce((sum, output) => sum + output.bytes, 0);
}

function sumBytes(outputs: Metafile['outputs'], files: ReadonlySet<string>): number {
  return [...files].reduce((sum, file) => sum + (outputs[file]?.bytes ?? 0), 0);
}

/** A file of an esbuild metafile (an input or an output) with the imports esbuild recorded. */
type ImportingFile = { readonly imports: readonly { readonly path: string; readonly kind: string }[] };

/**
 * The files of a metafile's inputs or outputs reached from `root` through imports of the given kinds
 * (`import-statement`, `dynamic-import`), `root` included; imports of files not in `files` are not
 * followed.
 */
export function reachableFiles(
  files: Readonly<Record<string, ImportingFile>>,
  root: string,
  kinds: readonly string[],
): Set<string> {
  const reached = new Set<string>();
  const pending = [root];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (reached.has(file)) continue;
    reached.add(file);
    for (const { path, kind } of files[file]?.imports ?? []) {
      if (kinds.includes(kind) && files[path] !== undefined) pending.push(path);
    }
  }
  return reached;
}
