import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDesiredState } from '../../src/domain/desired-state.js';
import { compileDesiredState, parseDesiredState } from '../../src/domain/desired-state-yaml.js';
import { desiredStateProblems } from '../helpers/desired-state.js';

const root = join(import.meta.dirname, '..', '..');

const problemsOf = (text: string, source = 'state.yaml'): string[] =>
  desiredStateProblems(() => compileDesiredState(text, source));

describe('compileDesiredState', () => {
  it('compiles the example to JSON that reads as the same desired state as the YAML', () => {
    // Prepare
    const source = 'examples/desired-state.yaml';
    const text = readFileSync(join(root, source), 'utf8');

    // Act
    const json = compileDesiredState(text, source);

    // Assess
    expect(readDesiredState(JSON.parse(json), 'desired-state.json')).toEqual(parseDesiredState(text, source));
  });

  it('keeps the document as written: comments gone, no defaults filled in, CIDRs not rewritten', () => {
    // Act
    const json = compileDesiredState(
      'version: 1 # contract\ngroups:\n  analytics-prod:\n    cidrIps: [198.51.100.7] # VPN\n    ec2SecurityGroups:\n      - { name: bi-tools, ownerId: "111122223333" }\n',
      'state.yaml',
    );

    // Assess
    expect(JSON.parse(json)).toEqual({
      version: 1,
      groups: {
        'analytics-prod': {
          cidrIps: ['198.51.100.7'],
          ec2SecurityGroups: [{ name: 'bi-tools', ownerId: '111122223333' }],
        },
      },
    });
    expect(json.endsWith('}\n')).toBe(true);
  });

  it('compiles JSON as well as YAML', () => {
    const json = compileDesiredState('{"version":1,"groups":{"a":{"prune":true}}}', 'state.json');
    expect(JSON.parse(json)).toEqual({ version: 1, groups: { a: { prune: true } } });
  });

  it('refuses an invalid document, naming each problem with its file and line', () => {
    expect(
      problemsOf(
        'version: 1\ngroups:\n  analytics-prod:\n    cidrIps:\n      - 203.0.113.5/24\n    extra: 1\n',
        'examples/desired-state.yaml',
      ),
    ).toEqual([
      'examples/desired-state.yaml:5:9: groups.analytics-prod.cidrIps.0: has host bits set; the network is 203.0.113.0/24',
      expect.stringMatching(/^examples\/desired-state\.yaml:6:\d+: groups\.analytics-prod\.extra: /),
    ]);
  });

  it('refuses YAML syntax errors and duplicate keys with their lines', () => {
    expect(problemsOf('version: 1\ngroups:\n  a: {}\n  a: {}\n')).toEqual([
      expect.stringMatching(/^state\.yaml:4:\d+: document: /),
    ]);
    expect(problemsOf('version: 1\ngroups: [\n')[0]).toMatch(/^state\.yaml:\d+:\d+: document: /);
  });

  it('refuses an empty document and one that is not a mapping', () => {
    expect(problemsOf('')).toEqual([
      expect.stringMatching(/^state\.yaml: \w+: must be a mapping .*got null$/),
    ]);
    expect(problemsOf('- 1\n- 2\n')).toEqual([
      expect.stringMatching(/^state\.yaml:1:1: \w+: must be a mapping .*got an array$/),
    ]);
  });

  it('refuses values JSON cannot carry instead of packaging something else', () => {
    // .inf would become null in JSON; it is no valid field value anyway, and the JSON is what is checked.
    expect(problemsOf('version: .inf\ngroups:\n  a: {}\n')[0]).toMatch(/^state\.yaml:1:\d+: version: /);
  });
});
