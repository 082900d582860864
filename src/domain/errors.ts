/** A change that can never succeed as asked: retrying it would give the same answer. */
export class RejectedError extends Error {
  /** A stable code consumers can branch on, such as an AWS fault name or `InvalidRequest`. */
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RejectedError';
    this.code = code;
  }
}

/** A failure that may succeed later (throttling, 5xx, network, a group being modified). */
export class TransientError extends Error {
  /** A stable code consumers can branch on, such as an AWS error name or `NetworkError`. */
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TransientError';
    this.code = code;
  }
}

/** Invalid configuration, found at cold start; the message names every bad variable. */
export class ConfigurationError extends Error {
  /** One entry per bad variable: `NAME: reason`. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigurationError';
    this.problems = problems;
  }
}
