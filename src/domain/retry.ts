/**
 * The longest visibility timeout SQS accepts: 12 hours, counted from the message's receive, so a
 * ChangeMessageVisibility that would keep it invisible longer in total is refused.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html
 */
export const MAX_VISIBILITY_SECONDS = 43_200;

/**
 * How long Lambda's event source may hold a received message before the invocation starts: its
 * MaximumBatchingWindowInSeconds is at most 300.
 */
export const MAX_BATCHING_WINDOW_SECONDS = 300;

/**
 * The most seconds that can have passed since the records of a batch were received: the time since the
 * invocation began, plus the longest batching window (the receive itself is not in the event).
 */
export function secondsSinceReceiveAtMost(batchStartedAt: Date, now: Date): number {
  return Math.max(0, (now.getTime() - batchStartedAt.getTime()) / 1000) + MAX_BATCHING_WINDOW_SECONDS;
}

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
 * @param secondsSinceReceive how long ago the record was received, at most: the delay is cut so that its total
 *   visibility stays within SQS's 12 hours, a limit ChangeMessageVisibility would otherwise refuse
 */
export function calculateRetryDelaySeconds(
  attempt: number,
  options: BackoffOptions,
  random: number,
  secondsSinceReceive = 0,
): number {
  if (!Number.isInteger(attempt) || attempt < 1)
    throw new RangeError(`attempt must be an integer >= 1, got ${attempt}`);
  if (!(random >= 0 && random < 1)) throw new RangeError(`random must be in [0, 1), got ${random}`);
  if (!(secondsSinceReceive >= 0))
    throw new RangeError(`secondsSinceReceive must be >= 0, got ${secondsSinceReceive}`);
  // Minus 1 because the first delivery is not a retry: it waits the base delay.
  const exponential = Math.min(options.maxSeconds, options.baseSeconds * 2 ** Math.min(attempt - 1, 30));
  const half = exponential / 2;
  const left = Math.max(0, Math.floor(MAX_VISIBILITY_SECONDS - secondsSinceReceive));
  return Math.min(left, Math.round(half + random * half));
}
