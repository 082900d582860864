import { DesiredStateError } from '../../src/domain/desired-state.js';
import { ConfigurationError } from '../../src/domain/errors.js';
import type { CliIo, GlobalOptions } from '../context.js';
import { UsageError } from '../errors.js';
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
  let run: Awaited<ReturnType<typeof runLocal>>;
  try {
    run = await runLocal({
      ...(endpoint && { endpoint }),
      port: options.port,
      examples: options.examples,
      reconcileEverySeconds: options.reconcileEvery,
      printOutcomes: options.outcomes,
    });
  } catch (error) {
    // DESIRED_STATE_PATH or another variable the user gave is wrong: a usage error, with its message.
    if (error instanceof DesiredStateError || error instanceof ConfigurationError) {
      throw new UsageError(error.message, { cause: error });
    }
    throw error;
  }
  await new Promise<void>((resolve) => {
    if (io.signal.aborted) resolve();
    else io.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await run.stop();
  return ExitCode.ok;
}
