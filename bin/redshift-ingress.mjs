#!/usr/bin/env node
// The package is private and never published, so tsx (a devDependency) is always installed with it:
// the tool runs its TypeScript sources directly, with no build step to forget after a pull.
import { register } from 'tsx/esm/api';

// A reader that stops early (`results --json | head`) closes the pipe: that ends the command quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}
register();
const { createProcessIo, runCli } = await import('../cli/main.ts');
const code = await runCli(process.argv.slice(2), createProcessIo());
process.exitCode = code;
// Output is flushed by now; a lingering socket must not keep a finished command alive.
setTimeout(() => process.exit(code), 1000).unref();
