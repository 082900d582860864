import type { CallbackResult, TaskCallbacks } from '../app/ports.js';
import { TransientError } from '../domain/errors.js';

/**
 * Task callbacks whose implementation is loaded by the first callback rather than at cold start.
 *
 * The authorize function of a deployment with task tokens on answers Step Functions only for the
 * requests that carry a token; the Step Functions client (its commands, serializers and endpoint rules)
 * need not be loaded before one does. Callbacks made while it loads wait for the same load.
 *
 * If loading fails, every waiting callback fails with a TransientError
 * (`StepFunctionsAdapterUnavailable`, naming the cause), which the caller handles as any failed
 * callback (the record is retried), and the next callback tries again. That helps where the import
 * itself failed; a module that threw while it ran stays failed in Node's module cache, so its
 * callbacks fail until the next cold start, each with the same named error.
 *
 * @param load imports the adapter and builds it, e.g. with a dynamic `import()`
 */
export function loadTaskCallbacksOnFirstUse(load: () => Promise<TaskCallbacks>): TaskCallbacks {
  let loading: Promise<TaskCallbacks> | undefined;
  const callbacks = (): Promise<TaskCallbacks> => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      const reason = error instanceof Error ? error.message : String(error);
      throw new TransientError(
        'StepFunctionsAdapterUnavailable',
        `the Step Functions adapter could not be loaded: ${reason}`,
        { cause: error },
      );
    });
    return loading;
  };
  return {
    succeed: async (taskToken, output): Promise<CallbackResult> =>
      (await callbacks()).succeed(taskToken, output),
    fail: async (taskToken, error, cause): Promise<CallbackResult> =>
      (await callbacks()).fail(taskToken, error, cause),
  };
}
