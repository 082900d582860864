import {
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  type SFNClientConfig,
} from '@aws-sdk/client-sfn';
import type { CallbackResult, TaskCallbacks } from '../app/ports.js';
import { TransientError } from '../domain/errors.js';
import { asAwsError, describeTransient } from './aws-error.js';

/** Errors meaning the task no longer waits: answering again can never succeed. */
const GONE = new Set(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist']);

/**
 * Errors Step Functions raises about the answer itself, which the same answer meets again: the callback
 * is dropped (and logged) rather than retried. `InvalidOutput`: the output is not JSON or is larger than
 * 256 KiB; a retry would send the very same output.
 */
const REFUSED = new Set(['InvalidOutput']);

/**
 * The state machine's KMS key errors, retried as transient by choice: each can clear without a change
 * here, and the retry goes through the requests queue, so MAX_RECEIVE_COUNT bounds it.
 * - `KmsAccessDeniedException`: the key policy denies Step Functions; a policy fix may still be
 *   propagating, as IAM access denied is treated (aws-error.ts).
 * - `KmsInvalidStateException`: the key is disabled or pending deletion; an operator can enable it or
 *   cancel the deletion, and the task keeps waiting meanwhile.
 * - `KmsThrottlingException`: KMS throttled the decrypt; throttling passes.
 */
const KMS_TRANSIENT: ReadonlyMap<string, string> = new Map([
  [
    'KmsAccessDeniedException',
    'the KMS key of the state machine denies Step Functions (check its key policy)',
  ],
  ['KmsInvalidStateException', 'the KMS key of the state machine is disabled or pending deletion'],
  ['KmsThrottlingException', 'KMS throttled Step Functions'],
]);

/** Limits of SendTaskFailure: `error` 256 characters, `cause` 32,768. */
const MAX_ERROR_LENGTH = 256;
const MAX_CAUSE_LENGTH = 32_768;

/** Creates the Step Functions adapter over a client; the only code that reads its error names. */
export function createTaskCallbacks(client: SFNClient): TaskCallbacks {
  const send = async (command: SendTaskSuccessCommand | SendTaskFailureCommand): Promise<CallbackResult> => {
    try {
      await client.send(command as SendTaskSuccessCommand);
      return { delivered: true };
    } catch (thrown) {
      const error = asAwsError(thrown);
      if (GONE.has(error.name)) return { delivered: false, reason: `${error.name}: ${error.message}` };
      if (REFUSED.has(error.name)) {
        return {
          delivered: false,
          reason: `${error.name}: ${error.message} (Step Functions refuses this answer; not retried)`,
        };
      }
      const kms = KMS_TRANSIENT.get(error.name);
      if (kms !== undefined) {
        throw new TransientError(error.name, `${kms}: ${error.message}`, { cause: thrown });
      }
      const transient = describeTransient(error);
      throw new TransientError(transient.code, transient.message, { cause: thrown });
    }
  };
  return {
    succeed: (taskToken, output) => send(new SendTaskSuccessCommand({ taskToken, output })),
    fail: (taskToken, error, cause) =>
      send(
        new SendTaskFailureCommand({
          taskToken,
          error: error.slice(0, MAX_ERROR_LENGTH),
          cause: cause.slice(0, MAX_CAUSE_LENGTH),
        }),
      ),
  };
}

/** The adapter over a client of its own: what the authorize function imports with its first callback. */
export function createStepFunctionsCallbacks(config: SFNClientConfig): TaskCallbacks {
  return createTaskCallbacks(new SFNClient(config));
}
