import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type DesiredState, type ReadOptions, readDesiredState } from './domain/desired-state.js';
import { ConfigurationError } from './domain/errors.js';

// The reconcile function reads the desired state as JSON only: `osls package` compiles the user's YAML (or
// JSON) to JSON and validates it (scripts/desired-state-plugin.mjs), so the bundle carries no YAML parser.
// Nothing here may import src/domain/desired-state-yaml.ts.

/** The document the reconciler reads when DESIRED_STATE_PATH is unset: packaged next to its bundle. */
export const DEFAULT_DESIRED_STATE_PATH = 'desired-state.json';

/**
 * Reads and validates the compiled (JSON) desired-state document; the reconcile function reads it with
 * the first run of a container and keeps it.
 *
 * @param path the JSON file, relative to the working directory (the Lambda task root)
 * @param options what to check beyond the schema: the function's policy
 * @throws ConfigurationError naming DESIRED_STATE_PATH when the file cannot be read or is not JSON
 * @throws DesiredStateError naming each problem of the document
 */
export function loadDesiredState(
  path: string = DEFAULT_DESIRED_STATE_PATH,
  options: ReadOptions = {},
): DesiredState {
  const absolute = resolve(path);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigurationError([`DESIRED_STATE_PATH: cannot read "${absolute}" (${reason})`]);
  }
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new ConfigurationError([
      `DESIRED_STATE_PATH: "${absolute}" is not JSON (${(error as Error).message}); the reconcile function ` +
        'reads the desired state compiled to JSON when the service is packaged, not the YAML: point ' +
        'the desiredStatePath parameter at the YAML and package again (see docs/deploy.md)',
    ]);
  }
  return readDesiredState(value, absolute, undefined, options);
}
