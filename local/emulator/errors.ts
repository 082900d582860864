/** Whose fault an error is, as the awsQuery `<Type>` element and the `x-amzn-query-error` header spell it. */
export type FaultParty = 'Sender' | 'Receiver';

/** Options of an {@link ApiError} beyond its code and message. */
export interface ApiErrorOptions {
  /** HTTP status of the answer; 400 unless the service documents another. */
  readonly statusCode?: number;
  /** `Sender` for a bad request, `Receiver` for a service-side failure. */
  readonly party?: FaultParty;
  /** The awsQuery code a JSON service also sends in `x-amzn-query-error` (SQS is awsQuery-compatible). */
  readonly queryCode?: string;
}

/** An error a service answers with, independent of the wire protocol that will carry it. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  /** The error code: the `__type` shape name for JSON services, the `<Code>` for awsQuery. */
  readonly code: string;
  /** HTTP status of the answer. */
  readonly statusCode: number;
  /** Whose fault the error is. */
  readonly party: FaultParty;
  /** The awsQuery-compatible code, when the service defines one. */
  readonly queryCode: string | undefined;

  constructor(code: string, message: string, options: ApiErrorOptions = {}) {
    super(message);
    this.code = code;
    this.statusCode = options.statusCode ?? 400;
    this.party = options.party ?? (this.statusCode >= 500 ? 'Receiver' : 'Sender');
    this.queryCode = options.queryCode;
  }
}
