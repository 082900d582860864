import { ApiError } from './errors.js';
import { JsonInput } from './json-input.js';

/** The Step Functions task callbacks the emulator answers. */
export type SfnOperation = 'SendTaskSuccess' | 'SendTaskFailure' | 'SendTaskHeartbeat';

/** One accepted Step Functions call, as recorded for tests. */
export interface SfnCall {
  readonly operation: SfnOperation;
  readonly input: Readonly<Record<string, unknown>>;
  /** Epoch milliseconds when the call was accepted. */
  readonly at: number;
}

/** A state a test can give a task token: `open` accepts answers, the others reject them. */
export type TaskTokenState = 'open' | 'timed-out' | 'invalid';

// Limits of the SendTask* inputs. https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html
const MAX_TOKEN_LENGTH = 2048;
const MAX_OUTPUT_BYTES = 262_144;
const MAX_ERROR_LENGTH = 256;
const MAX_CAUSE_LENGTH = 32_768;

function validation(message: string): ApiError {
  return new ApiError('ValidationException', message);
}

const INPUT_ERRORS = {
  missing: (member: string) =>
    validation(
      `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
    ),
  invalid: validation,
};

/** Step Functions task callbacks: answers `{}`, records each accepted call and closes tokens once answered. */
export class SfnService {
  #calls: SfnCall[] = [];
  // Tokens never seen are open; an answered token is closed, and AWS reports a closed task as timed out.
  readonly #tokens = new Map<string, TaskTokenState | 'closed'>();

  /** Accepted calls, oldest first. */
  get calls(): readonly SfnCall[] {
    return [...this.#calls];
  }

  /** Sets the state of a task token, e.g. to make the next answer fail with TaskTimedOut. */
  setTokenState(token: string, state: TaskTokenState): void {
    this.#tokens.set(token, state);
  }

  /** Forgets recorded calls and token states. */
  reset(): void {
    this.#calls = [];
    this.#tokens.clear();
  }

  /** Answers one operation with its JSON output, or throws an {@link ApiError}. */
  handle(operation: string, body: Record<string, unknown>): unknown {
    if (
      operation !== 'SendTaskSuccess' &&
      operation !== 'SendTaskFailure' &&
      operation !== 'SendTaskHeartbeat'
    ) {
      throw new ApiError(
        'UnknownOperationException',
        `The emulator does not implement Step Functions ${operation}.`,
      );
    }
    const input = new JsonInput(body, INPUT_ERRORS);
    const token = input.string('taskToken');
    if (token.length > MAX_TOKEN_LENGTH) {
      throw validation(
        `Value at 'taskToken' failed to satisfy constraint: Member must have length less than or equal to ${MAX_TOKEN_LENGTH}`,
      );
    }
    if (operation === 'SendTaskSuccess') this.#checkOutput(input.string('output'));
    if (operation === 'SendTaskFailure') {
      if ((input.optionalString('error') ?? '').length > MAX_ERROR_LENGTH) {
        throw validation(
          `Value at 'error' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ERROR_LENGTH}`,
        );
      }
      if ((input.optionalString('cause') ?? '').length > MAX_CAUSE_LENGTH) {
        throw validation(
          `Value at 'cause' failed to satisfy constraint: Member must have length less than or equal to ${MAX_CAUSE_LENGTH}`,
        );
      }
    }
    const state = this.#tokens.get(token) ?? 'open';
    if (state === 'invalid') throw new ApiError('InvalidToken', `Invalid Token: '${token}'`);
    if (state === 'timed-out' || state === 'closed')
      throw new ApiError('TaskTimedOut', `Task Timed Out: '${token}'`);
    if (operation !== 'SendTaskHeartbeat') this.#tokens.set(token, 'closed');
    this.#calls.push({ operation, input: structuredClone(body), at: Date.now() });
    return {};
  }

  #checkOutput(output: string): void {
    if (Buffer.byteLength(output, 'utf8') > MAX_OUTPUT_BYTES) {
      throw validation(
        `Value at 'output' failed to satisfy constraint: Member must have length less than or equal to ${MAX_OUTPUT_BYTES}`,
      );
    }
    try {
      JSON.parse(output);
    } catch {
      throw new ApiError(
        'InvalidOutput',
        'Invalid State Machine Execution output: the output is not valid JSON.',
      );
    }
  }
}
