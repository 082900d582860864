import type { CliIo, GlobalOptions } from '../context.js';
import { ExitCode } from '../exit-codes.js';

/** Options of `local`, as `npm start` takes them. */
export interface LocalOptions {
  readonly port: number;
  readonly examples: boolean;
  readonly reconcileEvery: number;
  /** `--no-outcomes`: leave the results queue to `submit --wait` and `results`. */
  readonly outcomes: boolean;
}

/** `local`: what `npm start` runs, until Ctrl-C. */
export async function runLocalCommand(
  options: LocalOptions,
  globals: GlobalOptions,
  io: CliIo,
): Promise<ExitCode> {
  // Loaded here: the emulator and the handlers are needed by this command alone.
  const { runLocal } = await import('../../local/run-local.js');
  const endpoint = globals.endpoint ?? io.env.AWS_ENDPOINT_URL;
  const run = await runLocal({
    ...(endpoint && { endpoint }),
    port: options.port,
    examples: options.examples,
    reconcileEverySeconds: options.reconcileEvery,
    printOutcomes: options.outcomes,
  });
  await new Promise<void>((resolve) => {
    if (io.signal.aborted) resolve();
    else io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await run.stop();
  return ExitCode.ok;
}
