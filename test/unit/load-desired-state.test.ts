import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DesiredStateError } from '../../src/domain/desired-state.js';
import { compileDesiredState } from '../../src/domain/desired-state-yaml.js';
import { ConfigurationError } from '../../src/domain/errors.js';
import { loadDesiredState } from '../../src/load-desired-state.js';

const root = join(import.meta.dirname, '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'load-desired-state-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const file = (name: string, text: string): string => {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
};

describe('loadDesiredState', () => {
  it('reads the example as packaged: compiled to JSON', () => {
    // Prepare
    const example = join(root, 'examples', 'desired-state.yaml');
    const path = file('example.json', compileDesiredState(readFileSync(example, 'utf8'), example));

    // Act
    const state = loadDesiredState(path);

    // Assess
    expect(state.groups.map((group) => group.name)).toEqual(['analytics-prod', 'analytics-dev']);
  });

  it('names DESIRED_STATE_PATH and the path when the file cannot be read', () => {
    const missing = join(root, 'no-such-desired-state.json');
    expect(() => loadDesiredState(missing)).toThrow(ConfigurationError);
    expect(() => loadDesiredState(missing)).toThrow(`DESIRED_STATE_PATH: cannot read "${missing}" (ENOENT)`);
  });

  it('refuses YAML, naming DESIRED_STATE_PATH, the path, the JSON error and where the JSON comes from', () => {
    // Prepare: pointed at the user's YAML instead of the compiled JSON.
    const yaml = join(root, 'examples', 'desired-state.yaml');

    // Act
    const load = () => loadDesiredState(yaml);

    // Assess
    expect(load).toThrow(ConfigurationError);
    expect(load).toThrow(`DESIRED_STATE_PATH: "${yaml}" is not JSON (`);
    expect(load).toThrow(/is not JSON \(.*JSON.*\); the reconcile function reads the desired state compiled/);
    expect(load).toThrow(/see docs\/deploy\.md/);
  });

  it('refuses truncated JSON as not JSON', () => {
    const path = file('truncated.json', '{"version": 1, "groups": {');
    expect(() => loadDesiredState(path)).toThrow(ConfigurationError);
    expect(() => loadDesiredState(path)).toThrow(`DESIRED_STATE_PATH: "${path}" is not JSON (`);
  });

  it('reads JSON that starts with a byte order mark', () => {
    const path = file(
      'bom.json',
      '\uFEFF{"version":1,"groups":{"analytics-prod":{"cidrIps":["10.0.0.0/16"]}}}',
    );
    expect(loadDesiredState(path).groups).toEqual([
      { name: 'analytics-prod', prune: false, targets: [{ cidrIp: '10.0.0.0/16' }] },
    ]);
  });

  it('names the file of an invalid document', () => {
    const json = join(root, 'package.json');
    expect(() => loadDesiredState(json)).toThrow(DesiredStateError);
    expect(() => loadDesiredState(json)).toThrow(`Invalid desired state ${json}`);
  });

  it('names each problem of valid JSON that is not a valid desired state', () => {
    // Prepare
    const path = file(
      'invalid.json',
      '{"version":3,"groups":{"analytics-prod":{"cidrIps":["203.0.113.5/24"]}}}',
    );

    // Act
    const load = () => loadDesiredState(path);

    // Assess
    expect(load).toThrow(DesiredStateError);
    expect(load).toThrow(`${path}: version: `);
    expect(load).toThrow(`${path}: groups.analytics-prod.cidrIps.0: has host bits set`);
  });

  it('pulls no YAML parser into a bundle', async () => {
    // Prepare: the reconcile bundle must not carry one (test/deploy/template.test.ts checks the zip too).
    const { build } = await import('esbuild');

    // Act
    const { metafile } = await build({
      entryPoints: [join(root, 'src', 'load-desired-state.ts')],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      logLevel: 'silent',
    });

    // Assess
    const inputs = Object.keys(metafile.inputs);
    expect(inputs).toContain('src/domain/desired-state.ts');
    expect(inputs.filter((input) => /node_modules\/yaml\/|desired-state-yaml/.test(input))).toEqual([]);
  });
});
