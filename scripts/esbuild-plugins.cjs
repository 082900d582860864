// esbuild plugins for serverless-esbuild (`custom.esbuild.plugins` in serverless.yml), also applied by the
// benchmark (bench/bundle.ts) so that it measures the bundles Lambda runs. CommonJS: serverless-esbuild
// loads this file with require().
const { rmSync } = require('node:fs');
const { basename, extname, relative, resolve, sep } = require('node:path');

/**
 * For a split build (`splitting: true`) of one entry point:
 *
 * - writes its chunks beside the entry, under `<entry>.chunks/`. serverless-esbuild builds each
 *   function's entry on its own into one folder and zips, for a function, every file of that folder
 *   except the other functions' entries and the files named after them (`handlers/reconcile.*`). Chunks
 *   named after their entry therefore go into their own function's zip only.
 * - deletes the chunks that nothing imports. esbuild writes a chunk for every `import()` it meets, also
 *   when tree shaking then drops the code that held it: the AWS SDK's browser user-agent parser (bowser,
 *   35 KB) would be zipped with every function, never to be loaded.
 *
 * @type {import('esbuild').Plugin}
 */
const splitChunks = {
  name: 'split-chunks',
  setup(build) {
    const options = build.initialOptions;
    if (!options.splitting) return;
    const entryPoints = options.entryPoints ?? [];
    const entries = Array.isArray(entryPoints)
      ? entryPoints.map((entry) => (typeof entry === 'string' ? entry : entry.in))
      : Object.values(entryPoints);
    if (entries.length !== 1) {
      throw new Error(`split-chunks: a split build has one entry point per function, got ${entries.length}`);
    }
    options.chunkNames = `${basename(entries[0], extname(entries[0]))}.chunks/[name]-[hash]`;
    options.metafile = true;
    const cwd = options.absWorkingDir ?? process.cwd();

    build.onEnd((result) => {
      const outputs = result.metafile?.outputs;
      if (result.errors.length > 0 || outputs === undefined) return;
      // The metafile names inputs relative to the working directory. An output imported with import() is
      // an entry point of its own there: the walk starts from the build's entry only.
      const source = relative(cwd, resolve(cwd, entries[0])).split(sep).join('/');
      const entry = Object.keys(outputs).find((file) => outputs[file].entryPoint === source);
      if (entry === undefined) throw new Error(`split-chunks: no output for the entry ${source}`);
      const reached = new Set();
      const pending = [entry];
      for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
        if (reached.has(file)) continue;
        reached.add(file);
        for (const { path } of outputs[file].imports) if (outputs[path] !== undefined) pending.push(path);
      }
      const unreached = Object.keys(outputs).filter((file) => !reached.has(file));
      for (const file of unreached) {
        delete outputs[file];
        if (options.write !== false) rmSync(resolve(cwd, file), { force: true });
      }
      if (result.outputFiles) {
        const dropped = new Set(unreached.map((file) => resolve(cwd, file)));
        const kept = result.outputFiles.filter((file) => !dropped.has(file.path));
        result.outputFiles.splice(0, result.outputFiles.length, ...kept);
      }
    });
  },
};

module.exports = [splitChunks];
