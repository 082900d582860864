import type { SQSClientConfig } from '@aws-sdk/client-sqs';
import type { LoggerPort } from '../app/ports.js';

/** The `logger` an AWS SDK client takes (the same interface for every client). */
export type SdkLogger = NonNullable<SQSClientConfig['logger']>;

/**
 * An AWS SDK client logger that hands each of the SDK's warnings, as one line of text, to `warn`, and
 * has nothing else to say.
 *
 * It has no `info` and no `error`, on purpose: the SDK calls them once per call (`logger.info?.(...)`,
 * `logger.error?.(...)`) with the call's input and output copied through their sensitive-field filters,
 * and builds those arguments only when the method exists. `debug` it calls unguarded, so it is there.
 */
export function sdkLogger(warn: (text: string) => void): SdkLogger {
  const logger = {
    debug: () => {},
    warn: (...content: unknown[]) => warn(content.map(text).join(' ')),
  };
  return logger as unknown as SdkLogger;
}

/** How often one SDK warning may be logged by {@link serviceSdkLogger}. */
export interface SdkWarningLimit {
  /** The same text is logged at most once in this many milliseconds (default 60,000). */
  readonly intervalMs?: number;
  /**
   * Distinct texts remembered (default 100); past it, the one logged longest ago is forgotten, with a
   * line of its own if warnings of it were left out.
   */
  readonly maxTexts?: number;
  /** The clock in milliseconds, for tests; `performance.now()`, which never goes back, by default. */
  readonly now?: () => number;
}

/**
 * The logger of the functions' clients: the SDK's warnings (a queue URL on another host than the
 * client's endpoint; a socket pool at capacity or a request timeout, were they configured) become WARN
 * lines of the service's log, `AWS SDK warning` with the SDK's text in `sdkWarning`, under the
 * invocation's keys. Without it the SDK prints them as plain console text, or, for the HTTP handler's
 * warnings in a minified bundle, not at all: it tells its default logger by class name (`NoOpLogger`).
 *
 * Some warnings come once per call (the queue URL's), so one text is logged at most once a minute per
 * container; the next line of that text says how many were left out before it (`sdkWarningRepeats`),
 * or, when the text is forgotten first, a line `AWS SDK warning repeated` does.
 */
export function serviceSdkLogger(logger: Pick<LoggerPort, 'warn'>, limit: SdkWarningLimit = {}): SdkLogger {
  const { intervalMs = 60_000, now = () => performance.now() } = limit;
  const maxTexts = Math.max(1, limit.maxTexts ?? 100);
  const lastLogged = new Map<string, { at: number; leftOut: number }>();
  const log = (warning: string, leftOut: number) =>
    logger.warn('AWS SDK warning', {
      sdkWarning: warning,
      ...(leftOut > 0 && { sdkWarningRepeats: leftOut }),
    });
  // Not an occurrence: how many of a text were left out, said when the text is forgotten.
  const logForgotten = (warning: string, leftOut: number) =>
    logger.warn('AWS SDK warning repeated', { sdkWarning: warning, sdkWarningRepeats: leftOut });
  return sdkLogger((warning) => {
    const at = now();
    const last = lastLogged.get(warning);
    if (last !== undefined && at >= last.at && at - last.at < intervalMs) {
      last.leftOut += 1;
      return;
    }
    // Re-inserted, so the map's order is the order of logging and its first entry the oldest; a text
    // forgotten with warnings left out says how many first.
    lastLogged.delete(warning);
    if (lastLogged.size >= maxTexts) {
      const [oldest, entry] = lastLogged.entries().next().value as [string, { leftOut: number }];
      lastLogged.delete(oldest);
      if (entry.leftOut > 0) logForgotten(oldest, entry.leftOut);
    }
    lastLogged.set(warning, { at, leftOut: 0 });
    log(warning, last?.leftOut ?? 0);
  });
}

function text(value: unknown): string {
  if (typeof value === 'string') return value.trim();
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
