import { DesiredStateError } from '../../src/domain/desired-state.js';

/**
 * The problem lines (`file:line:column: field: reason`) of the DesiredStateError that `read` throws.
 *
 * @throws Error when `read` throws nothing, or something else
 */
export function desiredStateProblems(read: () => unknown): string[] {
  try {
    read();
  } catch (error) {
    if (error instanceof DesiredStateError)
      return error.message
        .split('\n')
        .slice(1)
        .map((line) => line.trim());
    throw error;
  }
  throw new Error('expected a DesiredStateError');
}
