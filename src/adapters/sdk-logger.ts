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
  /** Distinct texts remembered; the oldest is forgotten past it (default 100). */
  readonly maxTexts?: number;
  /** The clock, for tests. */
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
 * container; the next line of that text says how many were left out before it (`sdkWarningRepeats`).
 */
export function serviceSdkLogger(logger: Pick<LoggerPort, 'warn'>, limit: SdkWarningLimit = {}): SdkLogger {
  const { intervalMs = 60_000, maxTexts = 100, now = Date.now } = limit;
  const lastLogged = new Map<string, { at: number; leftOut: number }>();
  return sdkLogger((warning) => {
    const at = now();
    const last = lastLogged.get(warning);
    if (last !== undefined && at - last.at < intervalMs) {
      last.leftOut += 1;
      return;
    }
    // Re-inserted, so the map's order is the order of logging and its first key the oldest.
    lastLogged.delete(warning);
    if (lastLogged.size >= maxTexts) lastLogged.delete(lastLogged.keys().next().value as string);
    lastLogged.set(warning, { at, leftOut: 0 });
    logger.warn('AWS SDK warning', {
      sdkWarning: warning,
      ...(last !== undefined && last.leftOut > 0 && { sdkWarningRepeats: last.leftOut }),
    });
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
