const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Reads a duration such as `60s`, `2m`, `1h`, `500ms` or `90` (seconds), in milliseconds.
 *
 * @returns undefined when the text is not a duration
 */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) return undefined;
  const value = Number(match[1]) * (UNITS[match[2] ?? 's'] as number);
  return Number.isFinite(value) ? Math.round(value) : undefined;
}

/** Formats milliseconds the way a person reads a wait: `60s`, `2m30s`, `500ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return rest === 0 ? `${minutes}m` : `${minutes}m${rest}s`;
}
