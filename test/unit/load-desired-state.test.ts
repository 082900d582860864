import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DesiredStateError } from '../../src/domain/desired-state.js';
import { ConfigurationError } from '../../src/domain/errors.js';
import { loadDesiredState } from '../../src/load-desired-state.js';

const root = join(import.meta.dirname, '..', '..');

describe('loadDesiredState', () => {
  it('reads the packaged example', () => {
    expect(loadDesiredState(join(root, 'examples', 'desired-state.yaml')).groups.length).toBeGreaterThan(0);
  });

  it('names DESIRED_STATE_PATH and the path when the file cannot be read', () => {
    const missing = join(root, 'no-such-desired-state.yaml');
    expect(() => loadDesiredState(missing)).toThrow(ConfigurationError);
    expect(() => loadDesiredState(missing)).toThrow(`DESIRED_STATE_PATH: cannot read "${missing}" (ENOENT)`);
  });

  it('names the file of an invalid document', () => {
    const file = join(root, 'package.json');
    expect(() => loadDesiredState(file)).toThrow(DesiredStateError);
    expect(() => loadDesiredState(file)).toThrow(`Invalid desired state ${file}`);
  });
});
