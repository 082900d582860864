import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DesiredState } from './domain/desired-state.js';
import { parseDesiredState } from './domain/desired-state-yaml.js';
import { ConfigurationError } from './domain/errors.js';

/** The document the reconciler reads when DESIRED_STATE_PATH is unset: packaged next to its bundle. */
export const DEFAULT_DESIRED_STATE_PATH = 'desired-state.yaml';

/**
 * Reads and validates the desired-state document at cold start.
 *
 * @throws ConfigurationError naming DESIRED_STATE_PATH when the file cannot be read
 * @throws DesiredStateError naming each problem of the document with its line
 */
export function loadDesiredState(path: string = DEFAULT_DESIRED_STATE_PATH): DesiredState {
  const absolute = resolve(path);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigurationError([`DESIRED_STATE_PATH: cannot read "${absolute}" (${reason})`]);
  }
  return parseDesiredState(text, absolute);
}
