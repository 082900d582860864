/** What the tool's exit status means; when several apply, the highest wins. */
export const ExitCode = {
  /** Everything asked was done: every request sent (and, with --wait, succeeded), no drift. */
  ok: 0,
  /** Done, with a negative answer: a request rejected or failed, drift found, a redrive incomplete. */
  failed: 1,
  /** Usage or input error: nothing was done. */
  usage: 2,
  /** Some input lines were invalid: they are reported, the valid ones were sent. */
  partiallyInvalid: 3,
  /** Stopped waiting (timeout) before every answer arrived. */
  timeout: 4,
  /** An AWS call failed (network, permissions, a queue that does not exist) or a queue refused messages. */
  awsError: 5,
  /**
   * Ctrl-C ended a wait before every answer arrived: 128 + SIGINT, as a shell reports a process the
   * signal stopped, and as `npx` exits when Ctrl-C reaches it, so both invocations agree.
   */
  interrupted: 130,
} as const;
/** What the tool's exit status means. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit-code table, as printed at the end of every command's `--help`. */
export const EXIT_CODES_HELP = `
Exit codes (when several apply, the highest wins):
    0  success: every request sent (with --wait: succeeded), no drift
    1  a request was rejected or failed, drift was found (plan), or a redrive is incomplete
    2  usage or input error: nothing was done
    3  some input lines were invalid: they are reported, the valid ones were sent
    4  stopped waiting (--timeout) before every answer arrived
    5  an AWS call failed, or the queue refused some messages
  130  Ctrl-C ended a wait (submit --wait) before every answer arrived`;

/** The most severe of several exit codes: the highest. */
export function worstExitCode(codes: readonly ExitCode[]): ExitCode {
  return Math.max(ExitCode.ok, ...codes) as ExitCode;
}
