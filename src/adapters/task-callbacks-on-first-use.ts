import type { CallbackResult, TaskCallbacks } from './step-functions.js';

/**
 * Task callbacks whose implementation is loaded by the first callback rather than at cold start.
 *
 * The authorize function of a deployment with task tokens on answers Step Functions only for the
 * requests that carry a token; the Step Functions client (its commands, serializers and endpoint rules)
 * need not be evaluated before one does. `load` is called once; if it fails, the callback fails (the
 * caller retries it as any failed callback) and the next callback loads again.
 *
 * @param load imports the adapter and builds it, e.g. with a dynamic `import()`
 */
export function loadTaskCallbacksOnFirstUse(load: () => Promise<TaskCallbacks>): TaskCallbacks {
  let loading: Promise<TaskCallbacks> | undefined;
  const callbacks = (): Promise<TaskCallbacks> => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
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
