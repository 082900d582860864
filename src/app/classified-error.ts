import { RejectedError, TransientError } from '../domain/errors.js';

/** Adapters classify every provider error; anything else reaching the use case is a defect, retried like a transient fault. */
export function asClassifiedError(thrown: unknown): RejectedError | TransientError {
  if (thrown instanceof RejectedError || thrown instanceof TransientError) return thrown;
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return new TransientError('InternalError', `unexpected error: ${message}`, { cause: thrown });
}
