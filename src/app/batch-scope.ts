import type { BatchScope } from './ports.js';

/**
 * A fresh scope for one batch: each key is resolved once, by its first caller, and the promise (fulfilled
 * or rejected) is shared with every later caller of the batch; the scope is dropped with the batch, so a
 * warm container looks again for the next one.
 */
export function createBatchScope(): BatchScope {
  const resolved = new Map<string, Promise<unknown>>();
  return {
    once<T>(key: string, resolve: () => Promise<T>): Promise<T> {
      let result = resolved.get(key) as Promise<T> | undefined;
      if (result === undefined) {
        // A resolver that throws synchronously still yields a rejected promise that is shared.
        result = Promise.resolve().then(resolve);
        resolved.set(key, result);
      }
      return result;
    },
  };
}
