import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { reachableFiles } from '../../bench/bundle.js';

/** How a packaged bundle's files load: at import, or on first use (`import()`). */
export interface BundleGraph {
  /** The entry and every file it imports statically, transitively: what an import of the entry loads. */
  readonly imported: readonly string[];
  /** Files reached only through `import()`: loaded when the code that imports them first runs. */
  readonly onDemand: readonly string[];
}

/**
 * Follows the imports of an unpacked bundle from its entry, as Node would resolve them, with esbuild's
 * parser (esbuild records the kind of every import: statement or `import()`).
 *
 * @param dir the unpacked zip (the task root)
 * @param entry the entry's path inside it, e.g. `handlers/authorize.mjs`
 */
export async function bundleGraph(dir: string, entry: string): Promise<BundleGraph> {
  const { metafile } = await build({
    absWorkingDir: dir,
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform: 'node',
    logLevel: 'silent',
  });
  const imported = reachableFiles(metafile.inputs, entry, ['import-statement']);
  const all = reachableFiles(metafile.inputs, entry, ['import-statement', 'dynamic-import']);
  return {
    imported: [...imported].sort(),
    onDemand: [...all].filter((file) => !imported.has(file)).sort(),
  };
}

/** The text of files of an unpacked bundle, joined: what a search for a string literal looks through. */
export function textOf(dir: string, files: readonly string[]): string {
  return files.map((file) => readFileSync(join(dir, file), 'utf8')).join('\n');
}
