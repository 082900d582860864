import { ExitCode } from './exit-codes.js';

/** A failure the tool reports in one message and a chosen exit code, without a stack trace. */
export class CliError extends Error {
  /** The process's exit status. */
  readonly exitCode: ExitCode;

  constructor(message: string, exitCode: ExitCode, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** A bad flag, a missing queue URL or an unreadable input: nothing was done (exit 2). */
export class UsageError extends CliError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, ExitCode.usage, options);
    this.name = 'UsageError';
  }
}
