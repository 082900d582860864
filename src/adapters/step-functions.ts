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
