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

/** A median with, when the samples are enough to give one, its 95% confidence interval. */
export interface MedianInterval {
  readonly median: number;
  readonly interval?: { readonly low: number; readonly high: number };
}

/** Fewer samples than this cannot bound a median with 95% confidence: even their whole range covers less. */
const MIN_SAMPLES_FOR_INTERVAL = 6;

/**
 * The median of some samples with a 95% confidence interval that assumes nothing about their
 * distribution: the order statistics at the ranks n/2 - 0.98 sqrt(n) and 1 + n/2 + 0.98 sqrt(n), rounded
 * (the binomial rank interval in its normal approximation; rounding matches the exact ranks for n = 9,
 * 12, 20, 40, 41). No interval under 6 samples.
 */
export function medianInterval(samples: readonly number[]): MedianInterval {
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  const middle = median(sorted);
  if (n < MIN_SAMPLES_FOR_INTERVAL) return { median: middle };
  const spread = 0.98 * Math.sqrt(n);
  const low = Math.max(1, Math.round(n / 2 - spread));
  const high = Math.min(n, Math.round(1 + n / 2 + spread));
  return { median: middle, interval: { low: sorted[low - 1] as number, high: sorted[high - 1] as number } };
}
