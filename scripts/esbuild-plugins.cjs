// esbuild plugins for serverless-esbuild (`custom.esbuild.plugins` in serverless.yml), also applied by the
// benchmark (bench/bundle.ts) so that it measures the bundles Lambda runs; each can be left out by name. CommonJS: serverless-esbuild
// loads this file with require().
const { rmSync } = require('node:fs');
const { basename, extname, relative, resolve, sep } = require('node:path');

/**
 * For a split build (`splitting: true`) of one entry point:
 *
 * - writes its chunks beside the entry's output, under `<output name>.chunks/`. serverless-esbuild builds
 *   each function's entry on its own into one folder and zips, for a function, every file of that folder
 *   except the other functions' entries and the files named after them (`handlers/reconcile.*`). Chunks
 *   named after their entry therefore go into their own function's zip only.
 * - deletes the chunks that nothing imports, with their source maps. esbuild writes a chunk for every
 *   `import()` it meets, also when tree shaking then drops the code that held it: the AWS SDK's browser
 *   user-agent parser (bowser) would be zipped with every function, never to be loaded. Other
 *   outputs (the entry's map, legal comments) are left alone.
 *
 * @type {import('esbuild').Plugin}
 */
const splitChunks = {
  name: 'split-chunks',
  setup(build) {
    const options = build.initialOptions;
    if (!options.splitting) return;
    const entryPoints = options.entryPoints ?? [];
    // [source, output name] of each entry point, in the forms esbuild accepts.
    const entries = Array.isArray(entryPoints)
      ? entryPoints.map((entry) =>
          typeof entry === 'string'
            ? [entry, basename(entry, extname(entry))]
            : [entry.in, entry.out ?? basename(entry.in, extname(entry.in))],
        )
      : Object.entries(entryPoints).map(([out, source]) => [source, out]);
    if (entries.length !== 1) {
      throw new Error(`split-chunks: a split build has one entry point per function, got ${entries.length}`);
    }
    const [source, outputName] = entries[0];
    options.chunkNames = `${outputName}.chunks/[name]-[hash]`;
    options.metafile = true;
    // The metafile's paths and the files deleted below are relative to this directory: fix it for both.
    options.absWorkingDir ??= process.cwd();
    const cwd = options.absWorkingDir;

    build.onEnd((result) => {
      const outputs = result.metafile?.outputs;
      if (result.errors.length > 0 || outputs === undefined) return;
      // An output imported with import() is an entry point of its own in the metafile: the walk starts
      // from the build's entry only, and follows static imports and import() alike.
      const entrySource = relative(cwd, resolve(cwd, source)).split(sep).join('/');
      const entry = Object.keys(outputs).find((file) => outputs[file].entryPoint === entrySource);
      if (entry === undefined) throw new Error(`split-chunks: no output for the entry ${entrySource}`);
      const reached = new Set();
      const pending = [entry];
      for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
        if (reached.has(file)) continue;
        reached.add(file);
        for (const { path } of outputs[file].imports) if (outputs[path] !== undefined) pending.push(path);
      }
      const isChunk = (file) => file.includes('.chunks/') && !file.endsWith('.map');
      const unreached = Object.keys(outputs).filter((file) => isChunk(file) && !reached.has(file));
      const dropped = unreached.flatMap((file) => [file, `${file}.map`]);
      for (const file of dropped) {
        delete outputs[file];
        if (options.write !== false) rmSync(resolve(cwd, file), { force: true });
      }
      if (result.outputFiles) {
        const paths = new Set(dropped.map((file) => resolve(cwd, file)));
        const kept = result.outputFiles.filter((file) => !paths.has(file.path));
        result.outputFiles.splice(0, result.outputFiles.length, ...kept);
      }
    });
  },
};

module.exports = [splitChunks];
