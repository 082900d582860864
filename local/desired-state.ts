import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { compileDesiredState } from '../src/domain/desired-state-yaml.js';
import { ConfigurationError } from '../src/domain/errors.js';

/** A desired-state document compiled to JSON for the local reconcile handler. */
export interface CompiledDesiredState {
  /** The user's document (YAML or JSON), as DESIRED_STATE_PATH named it. */
  readonly source: string;
  /** The compiled JSON, in a directory of its own under the system's temporary directory. */
  readonly path: string;
  /**
   * Deletes the compiled JSON and its directory; later calls do nothing. Runs by itself when the
   * process exits first (a closed pipe, a second Ctrl-C), so no compiled file is left behind.
   */
  remove(): void;
}

/**
 * Compiles a desired-state document to a temporary JSON file, as `osls package` compiles the
 * desiredStatePath parameter for the deployed function: the local reconcile handler then reads exactly
 * what the deployed one reads, and an invalid document stops the local run before it starts.
 *
 * @param source the document (YAML or JSON), relative to the working directory
 * @throws ConfigurationError naming DESIRED_STATE_PATH when the file cannot be read
 * @throws DesiredStateError naming each problem of the document with its line
 */
export function compileDesiredStateFile(source: string): CompiledDesiredState {
  let text: string;
  try {
    text = readFileSync(resolve(source), 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigurationError([`DESIRED_STATE_PATH: cannot read "${resolve(source)}" (${reason})`]);
  }
  const json = compileDesiredState(text, source);
  const directory = mkdtempSync(join(tmpdir(), 'redshift-ingress-desired-state-'));
  const path = join(directory, 'desired-state.json');
  writeFileSync(path, json);
  const remove = (): void => {
    process.off('exit', remove);
    rmSync(directory, { recursive: true, force: true });
  };
  // 'exit' listeners run on process.exit() and a natural end, not on a signal's default action.
  process.on('exit', remove);
  return { source, path, remove };
}
