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

/**
 * The logger of the functions' clients: the SDK's warnings (a queue URL on another host than the
 * client's endpoint; a socket pool at capacity or a request timeout, were they configured) become WARN
 * lines of the service's log, `AWS SDK warning` with the SDK's text in `sdkWarning`, under the
 * invocation's keys. Without it the SDK prints them as plain console text, or, for the HTTP handler's
 * warnings in a minified bundle, not at all: it tells its default logger by class name (`NoOpLogger`).
 */
export function serviceSdkLogger(logger: Pick<LoggerPort, 'warn'>): SdkLogger {
  return sdkLogger((warning) => logger.warn('AWS SDK warning', { sdkWarning: warning }));
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
