/** The longest visibility timeout SQS accepts: 12 hours. */
export const MAX_VISIBILITY_SECONDS = 43_200;

/** Backoff settings of transient failures, in seconds. */
export interface BackoffOptions {
  readonly baseSeconds: number;
  readonly maxSeconds: number;
}

/**
 * The visibility timeout to give a record after a transient failure: exponential backoff with equal jitter.
 *
 * Equal jitter keeps at least half the exponential delay, so a throttled API is never hit again at once,
 * while the random half spreads records that failed together.
 *
 * @param attempt the record's ApproximateReceiveCount (1 for the first delivery)
 * @param random a number in [0, 1)
 */
export function calculateRetryDelaySeconds(attempt: number, options: BackoffOptions, random: number): number {
  if (!Number.isInteger(attempt) || attempt < 1)
    throw new RangeError(`attempt must be an integer >= 1, got ${attempt}`);
  if (!(random >= 0 && random < 1)) throw new RangeError(`random must be in [0, 1), got ${random}`);
  // Minus 1 because the first delivery is not a retry: it waits the base delay.
  const exponential = Math.min(options.maxSeconds, options.baseSeconds * 2 ** Math.min(attempt - 1, 30));
  const half = exponential / 2;
  return Math.min(MAX_VISIBILITY_SECONDS, Math.round(half + random * half));
}
