/** The median of some samples (the mean of the middle two for an even count). */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) throw new RangeError('median: needs at least one sample');
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Rotates `items` by `round`, so interleaved runs do not always start with the same subject. */
export function rotate<T>(items: readonly T[], round: number): T[] {
  const shift = round % Math.max(1, items.length);
  return [...items.slice(shift), ...items.slice(0, shift)];
}

/** A median with the bounds of its 95% confidence interval. */
export interface MedianInterval {
  readonly median: number;
  readonly low: number;
  readonly high: number;
}

/**
 * The median of some samples with a 95% confidence interval that assumes nothing about their
 * distribution: the order statistics whose ranks bound the median with 95% probability (the binomial
 * rank interval, in its normal approximation). With fewer than 6 samples it is the whole range.
 */
export function medianInterval(samples: readonly number[]): MedianInterval {
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  const spread = (1.96 * Math.sqrt(n)) / 2;
  // 1-based ranks n/2 - spread and 1 + n/2 + spread, kept inside the samples.
  const low = Math.min(n, Math.max(1, Math.floor(n / 2 - spread)));
  const high = Math.max(1, Math.min(n, Math.ceil(1 + n / 2 + spread)));
  return { median: median(sorted), low: sorted[low - 1] as number, high: sorted[high - 1] as number };
}
