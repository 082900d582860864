import { join } from 'node:path';

/**
 * The desired state `plan`, `reconcile` and the local stack read when neither --desired-state nor
 * DESIRED_STATE_PATH names one: the example, which is also serverless.yml's default `desiredStatePath`
 * and the document the local stack's demo groups are made for, so `plan` after `npm start` shows what
 * the local reconciler reports. Shown as written here; read from the package's own folder.
 */
export const DEFAULT_DESIRED_STATE = 'examples/desired-state.yaml';

/** The absolute path of {@link DEFAULT_DESIRED_STATE}, whatever the working directory. */
export function defaultDesiredStatePath(): string {
  return join(import.meta.dirname, '..', DEFAULT_DESIRED_STATE);
}
