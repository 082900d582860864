import { describe, expect, it, vi } from 'vitest';
import { loadTaskCallbacksOnFirstUse } from '../../src/adapters/task-callbacks-on-first-use.js';
import type { TaskCallbacks } from '../../src/app/ports.js';
import { TransientError } from '../../src/domain/errors.js';

function fakeCallbacks(): TaskCallbacks & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    succeed: async (token, output) => {
      calls.push(`succeed ${token} ${output}`);
      return { delivered: true };
    },
    fail: async (token, error, cause) => {
      calls.push(`fail ${token} ${error} ${cause}`);
      return { delivered: false, reason: 'TaskTimedOut: gone' };
    },
  };
}

describe('loadTaskCallbacksOnFirstUse', () => {
  it('loads nothing until the first callback, then loads once for every callback after it', async () => {
    // Prepare
    const loaded = fakeCallbacks();
    const load = vi.fn(async () => loaded);

    // Act
    const callbacks = loadTaskCallbacksOnFirstUse(load);
    const before = load.mock.calls.length;
    const results = await Promise.all([
      callbacks.succeed('t-1', '{"status":"authorized"}'),
      callbacks.fail('t-2', 'PolicyRefused', 'not allowed'),
    ]);
    await callbacks.succeed('t-3', '{}');

    // Assess
    expect(before).toBe(0);
    expect(load).toHaveBeenCalledTimes(1);
    expect(results).toEqual([{ delivered: true }, { delivered: false, reason: 'TaskTimedOut: gone' }]);
    expect(loaded.calls).toEqual([
      'succeed t-1 {"status":"authorized"}',
      'fail t-2 PolicyRefused not allowed',
      'succeed t-3 {}',
    ]);
  });

  it('fails every callback waiting on a failed load with a TransientError naming it, and loads again on the next one', async () => {
    // Prepare
    const loaded = fakeCallbacks();
    const cause = new Error("Cannot find module './authorize.chunks/step-functions-X.mjs'");
    const load = vi.fn<() => Promise<TaskCallbacks>>().mockRejectedValueOnce(cause).mockResolvedValue(loaded);
    const callbacks = loadTaskCallbacksOnFirstUse(load);

    // Act: two callbacks wait on the first load, a third comes after it failed.
    const failed = await Promise.all([
      callbacks.succeed('t-1', '{}').catch((error: unknown) => error),
      callbacks.fail('t-2', 'PolicyRefused', 'not allowed').catch((error: unknown) => error),
    ]);
    const retried = await callbacks.succeed('t-1', '{}');

    // Assess
    for (const error of failed) {
      expect(error).toBeInstanceOf(TransientError);
      expect(error).toMatchObject({
        code: 'StepFunctionsAdapterUnavailable',
        message:
          "the Step Functions adapter could not be loaded: Cannot find module './authorize.chunks/step-functions-X.mjs'",
        cause,
      });
    }
    expect(retried).toEqual({ delivered: true });
    expect(load).toHaveBeenCalledTimes(2);
    expect(loaded.calls).toEqual(['succeed t-1 {}']);
  });
});
