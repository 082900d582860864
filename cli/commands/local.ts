import { DesiredStateError } from '../../src/domain/desired-state.js';
import { ConfigurationError } from '../../src/domain/errors.js';
import { type CliIo, type GlobalOptions, writeLine } from '../context.js';
import { UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';

/** Options of `local`, as `npm start` takes them. */
export interface LocalOptions {
  readonly port: number;
  /** Whether --port was given on the command line rather than left at its default. */
  readonly portGiven?: boolean;
  readonly examples: boolean;
  readonly reconcileEvery: number;
  /** `--no-outcomes`: leave the results queue to `submit --wait` and `results`. */
  readonly outcomes: boolean;
  /** `--fifo`: FIFO queues, as the fifoRequests=true deployment. */
  readonly fifo?: boolean;
}

/** `local`: what `npm start` runs, until Ctrl-C. */
export async function runLocalCommand(
  options: LocalOptions,
  globals: GlobalOptions,
  io: CliIo,
): Promise<ExitCode> {
  // Loaded here: the emulator and the handlers are needed by this command alone.
  const { chooseEndpoint, LocalStartError, runLocal } = await import('../../local/run-local.js');
  const { PortInUseError } = await import('../../local/service.js');
  let run: Awaited<ReturnType<typeof runLocal>>;
  try {
    const target = chooseEndpoint({
      ...(globals.endpoint !== undefined && { endpoint: globals.endpoint }),
      ...(options.portGiven && { port: options.port }),
      ...(io.env.AWS_ENDPOINT_URL !== undefined && { envEndpoint: io.env.AWS_ENDPOINT_URL }),
    });
    if (target.note !== undefined) writeLine(io.stderr, target.note);
    run = await runLocal({
      ...(target.endpoint !== undefined && { endpoint: target.endpoint }),
      port: target.port,
      examples: options.examples,
      reconcileEverySeconds: options.reconcileEvery,
      printOutcomes: options.outcomes,
      fifo: options.fifo === true,
    });
  } catch (error) {
    // DESIRED_STATE_PATH or another variable the user gave is wrong, or the port is taken: one message.
    if (
      error instanceof DesiredStateError ||
      error instanceof ConfigurationError ||
      error instanceof LocalStartError ||
      error instanceof PortInUseError
    ) {
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
