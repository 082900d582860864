/**
 * The parts of an AWS SDK v3 error the adapters read. A network error has no `$fault` and no HTTP status;
 * it does have `$metadata`, which the SDK's retry middleware sets on every final error (attempts, delay).
 */
export interface AwsErrorLike {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly $fault?: 'client' | 'server';
  readonly $retryable?: { readonly throttling?: boolean };
  readonly $metadata?: { readonly httpStatusCode?: number; readonly attempts?: number };
}

/** Reads an unknown thrown value as an AWS error, so classification never throws itself. */
export function asAwsError(error: unknown): AwsErrorLike {
  if (error instanceof Error) return error as AwsErrorLike;
  return { name: 'UnknownError', message: String(error) };
}

/** The codes AWS services use for throttling (the SDK retries them before we see them). */
const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
]);

/** Codes of permission errors: transient by design, since an IAM change may still be propagating. */
const ACCESS_DENIED_CODES = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation']);

/** Names of errors the SDK's HTTP handlers raise when a connection or socket times out. */
const NETWORK_ERROR_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'AbortError']);

/**
 * Whether the request got no HTTP answer at all: a socket error (Node sets `code`, as `ECONNRESET`) or a
 * timeout. The test is the missing HTTP status, never the missing `$metadata`, which the SDK always sets.
 */
export function isNetworkError(error: AwsErrorLike): boolean {
  if (error.$fault !== undefined || error.$metadata?.httpStatusCode !== undefined) return false;
  return error.code !== undefined || NETWORK_ERROR_NAMES.has(error.name);
}

/** A short code for a failure no service named: throttling, server error, access denied or network. */
export function describeTransient(error: AwsErrorLike): { code: string; message: string } {
  if (THROTTLING_CODES.has(error.name) || error.$retryable?.throttling) {
    return { code: error.name, message: `throttled by AWS after the SDK's retries: ${error.message}` };
  }
  if (ACCESS_DENIED_CODES.has(error.name)) {
    return { code: error.name, message: `access denied (check the function's IAM role): ${error.message}` };
  }
  if (error.$fault === 'server' || (error.$metadata?.httpStatusCode ?? 0) >= 500) {
    return { code: error.name, message: `AWS server error: ${error.message}` };
  }
  if (isNetworkError(error)) {
    return { code: 'NetworkError', message: `network error (${error.code ?? error.name}): ${error.message}` };
  }
  return { code: error.name, message: error.message };
}
