import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';

// The plugins serverless.yml gives serverless-esbuild (custom.esbuild.plugins), loaded as it loads them.
const plugins = createRequire(import.meta.url)('../../scripts/esbuild-plugins.cjs') as Plugin[];

let directory: string | undefined;

afterEach(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
  directory = undefined;
});

/** A small project: an entry that imports one module statically, one with import(), and one it drops. */
async function project(): Promise<string> {
  directory = await mkdtemp(join(tmpdir(), 'esbuild-plugins-'));
  await writeFile(join(directory, 'shared.js'), 'export const shared = () => "shared";\n');
  await writeFile(
    join(directory, 'later.js'),
    'import { shared } from "./shared.js";\nexport const later = () => shared() + " later";\n',
  );
  await writeFile(join(directory, 'never.js'), 'export const never = "never loaded";\n');
  await writeFile(
    join(directory, 'entry.js'),
    [
      'import { shared } from "./shared.js";',
      // Dead code that tree shaking removes; esbuild still writes a chunk for its import().
      'function unused() { return import("./never.js"); }',
      'export const handler = async () => shared() + (await import("./later.js")).later();',
      '',
    ].join('\n'),
  );
  return directory;
}

async function files(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

describe('scripts/esbuild-plugins.cjs: split-chunks', () => {
  it('writes the chunks beside their entry and deletes the chunks nothing imports', async () => {
    // Prepare
    const dir = await project();
    const outdir = join(dir, 'out');

    // Act
    const result = await build({
      absWorkingDir: dir,
      entryPoints: ['entry.js'],
      outdir,
      bundle: true,
      format: 'esm',
      splitting: true,
      plugins,
      logLevel: 'silent',
    });
    const written = await files(outdir);
    const { handler } = (await import(join(outdir, 'entry.js'))) as { handler: () => Promise<string> };

    // Assess
    expect(written).toContain('entry.js');
    expect(written.filter((file) => file !== 'entry.js')).toEqual([
      expect.stringMatching(/^entry\.chunks\/chunk-\w+\.js$/),
      expect.stringMatching(/^entry\.chunks\/later-\w+\.js$/),
    ]);
    expect(Object.keys(result.metafile?.outputs ?? {})).toHaveLength(written.length);
    expect(await handler()).toBe('sharedshared later');
  });

  it('leaves the output files of a build that does not write in step', async () => {
    // Prepare
    const dir = await project();

    // Act
    const { outputFiles } = await build({
      absWorkingDir: dir,
      entryPoints: [join(dir, 'entry.js')],
      outdir: join(dir, 'out'),
      bundle: true,
      format: 'esm',
      splitting: true,
      write: false,
      plugins,
      logLevel: 'silent',
    });

    // Assess
    expect(outputFiles.map((file) => file.path.slice(dir.length + 1)).sort()).toEqual([
      expect.stringMatching(/^out\/entry\.chunks\/chunk-\w+\.js$/),
      expect.stringMatching(/^out\/entry\.chunks\/later-\w+\.js$/),
      'out/entry.js',
    ]);
    expect(outputFiles.map((file) => file.text).join('\n')).not.toContain('never loaded');
  });

  it('names the chunk folder after the output, and deletes a dropped chunk with its map but not the others', async () => {
    // Prepare
    const dir = await project();
    const outdir = join(dir, 'out');

    // Act
    await build({
      absWorkingDir: dir,
      entryPoints: { 'the handler': 'entry.js' },
      outdir,
      bundle: true,
      format: 'esm',
      splitting: true,
      sourcemap: true,
      plugins,
      logLevel: 'silent',
    });
    const written = await files(outdir);

    // Assess
    expect(written).toEqual([
      expect.stringMatching(/^the handler\.chunks\/chunk-\w+\.js$/),
      expect.stringMatching(/^the handler\.chunks\/chunk-\w+\.js\.map$/),
      expect.stringMatching(/^the handler\.chunks\/later-\w+\.js$/),
      expect.stringMatching(/^the handler\.chunks\/later-\w+\.js\.map$/),
      'the handler.js',
      'the handler.js.map',
    ]);
  });

  it('refuses a split build of several entry points, whose chunks it could not place', async () => {
    // Prepare
    const dir = await project();

    // Act
    const built = build({
      absWorkingDir: dir,
      entryPoints: ['entry.js', 'later.js'],
      outdir: join(dir, 'out'),
      bundle: true,
      format: 'esm',
      splitting: true,
      plugins,
      logLevel: 'silent',
    });

    // Assess
    await expect(built).rejects.toThrow(
      'split-chunks: a split build has one entry point per function, got 2',
    );
  });

  it('does nothing to a build that is not split', async () => {
    // Prepare
    const dir = await project();

    // Act
    await build({
      absWorkingDir: dir,
      entryPoints: ['entry.js'],
      outdir: join(dir, 'out'),
      bundle: true,
      format: 'esm',
      plugins,
      logLevel: 'silent',
    });

    // Assess
    expect(await files(join(dir, 'out'))).toEqual(['entry.js']);
  });
});
