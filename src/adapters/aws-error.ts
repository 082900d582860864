/** The parts of an AWS SDK v3 error the adapters read; network errors have none of the `$` fields. */
export interface AwsErrorLike {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly $fault?: 'client' | 'server';
  readonly $retryable?: { readonly throttling?: boolean };
  readonly $metadata?: { readonly httpStatusCode?: number };
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
  if (error.$metadata === undefined) {
    return { code: 'NetworkError', message: `network error (${error.code ?? error.name}): ${error.message}` };
  }
  return { code: error.name, message: error.message };
}
