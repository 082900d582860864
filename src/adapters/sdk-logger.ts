import type { SQSClientConfig } from '@aws-sdk/client-sqs';
import type { LoggerPort } from '../app/ports.js';

/** The `logger` an AWS SDK client takes (the same interface for every client). */
export type SdkLogger = NonNullable<SQSClientConfig['logger']>;

/**
 * The logger of the functions' AWS SDK clients: the SDK's warnings (a socket pool at capacity, a request
 * timeout, a response it could not parse, two sources of credentials) become WARN lines of the service's
 * log, with the invocation's keys. The SDK's per-call lines (`info` for each call, `error` for each
 * failed one) are left out, as its default logger leaves them out: the service logs every call's outcome.
 *
 * A client given no logger writes those warnings to the console only when it recognises its default
 * logger by class name (`NoOpLogger`), a name that minified bundles do not keep.
 */
export function sdkLogger(logger: Pick<LoggerPort, 'warn'>): SdkLogger {
  return {
    trace: () => {},
    debug: () => {},
    info: () => {},
    warn: (...content: unknown[]) =>
      logger.warn('AWS SDK warning', { sdkWarning: content.map(text).join(' ') }),
    error: () => {},
  };
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
