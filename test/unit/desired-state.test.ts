import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDesiredState } from '../../src/domain/desired-state.js';
import { parseDesiredState } from '../../src/domain/desired-state-yaml.js';
import { desiredStateProblems } from '../helpers/desired-state.js';

const problemsOf = (text: string): string[] =>
  desiredStateProblems(() => parseDesiredState(text, 'state.yaml'));

describe('parseDesiredState', () => {
  it('reads the example, canonicalising CIDRs and defaulting prune to false', () => {
    // Act
    const state = parseDesiredState(
      'version: 1\ngroups:\n  analytics-prod:\n    cidrIps: [198.51.100.7, 203.0.113.0/24]\n    ec2SecurityGroups:\n      - { name: bi-tools, ownerId: "111122223333" }\n',
    );

    // Assess
    expect(state).toEqual({
      groups: [
        {
          name: 'analytics-prod',
          prune: false,
          targets: [
            { cidrIp: '198.51.100.7/32' },
            { cidrIp: '203.0.113.0/24' },
            { ec2SecurityGroupName: 'bi-tools', ec2SecurityGroupOwnerId: '111122223333' },
          ],
        },
      ],
    });
  });

  it('reads JSON as well as YAML', () => {
    const state = parseDesiredState('{"version":1,"groups":{"a":{"prune":true,"cidrIps":["10.0.0.0/16"]}}}');
    expect(state.groups).toEqual([{ name: 'a', prune: true, targets: [{ cidrIp: '10.0.0.0/16' }] }]);
  });

  it('accepts the published example file', () => {
    const text = readFileSync(
      join(import.meta.dirname, '..', '..', 'examples', 'desired-state.yaml'),
      'utf8',
    );
    expect(parseDesiredState(text).groups.map((group) => group.name)).toEqual([
      'analytics-prod',
      'analytics-dev',
    ]);
  });

  it('says what kind of value each field must be, and what it got', () => {
    expect(
      problemsOf(
        'version: 1\ngroups:\n  a:\n    prune: yes\n    cidrIps: 5\n    ec2SecurityGroups: [3]\n  b: 7\n',
      ),
    ).toEqual([
      'state.yaml:4:12: groups.a.prune: must be true or false, got a string',
      'state.yaml:5:14: groups.a.cidrIps: must be a list of CIDRs, got a number',
      'state.yaml:6:25: groups.a.ec2SecurityGroups.0: must be a mapping with name and ownerId, got a number',
      'state.yaml:7:6: groups.b: must be a mapping with prune, cidrIps and ec2SecurityGroups, got a number',
    ]);
    expect(problemsOf('- 1\n')).toEqual([
      'state.yaml:1:1: body: must be a mapping with version and groups, got an array',
    ]);
  });

  it('validates a decoded document without a source text, naming the field', () => {
    expect(() =>
      readDesiredState({ version: 1, groups: { a: { cidrIps: ['10.0.0.1/8'] } } }, 'state.json'),
    ).toThrow('state.json: groups.a.cidrIps.0: has host bits set; the network is 10.0.0.0/8');
    expect(readDesiredState({ version: 1, groups: { a: { prune: true } } }).groups).toEqual([
      { name: 'a', prune: true, targets: [] },
    ]);
  });

  it('names file, line, field and reason of each problem', () => {
    expect(
      problemsOf(
        [
          'version: 1',
          'groups:',
          '  analytics-prod:',
          '    cidrIps:',
          '      - 203.0.113.7/24',
          '    ec2SecurityGroups:',
          '      - name: bi-tools',
          '        ownerId: 111122223333',
          '    prun: true',
          '  bad_name: {}',
        ].join('\n'),
      ),
    ).toEqual([
      'state.yaml:5:9: groups.analytics-prod.cidrIps.0: has host bits set; the network is 203.0.113.0/24',
      'state.yaml:8:18: groups.analytics-prod.ec2SecurityGroups.0.ownerId: must be a 12-digit AWS account id, quoted so YAML keeps it a string',
      'state.yaml:9:11: groups.analytics-prod.prun: is not a known field',
      'state.yaml:10:13: groups.bad_name: must contain only letters, digits and hyphens',
    ]);
  });

  it('refuses a group given more than 20 rules, naming the group', () => {
    const cidrs = Array.from({ length: 21 }, (_, i) => `      - 10.0.${i}.0/24`).join('\n');
    expect(problemsOf(`version: 1\ngroups:\n  analytics-prod:\n    cidrIps:\n${cidrs}\n`)).toEqual([
      'state.yaml:4:5: groups.analytics-prod: has 21 rules; a cluster security group holds at most 20',
    ]);
  });

  it('refuses duplicates after canonicalisation', () => {
    expect(problemsOf('version: 1\ngroups:\n  a:\n    cidrIps: [198.51.100.7/32, 198.51.100.7]\n')).toEqual([
      'state.yaml:4:32: groups.a.cidrIps.1: duplicates cidrIps.0',
    ]);
  });

  it('refuses two spellings of one group name', () => {
    expect(problemsOf('version: 1\ngroups:\n  analytics-prod: {}\n  Analytics-Prod: {}\n')).toEqual([
      'state.yaml:4:19: groups.Analytics-Prod: names the same group as "analytics-prod" (names compare without case)',
    ]);
  });

  it('reports YAML syntax errors with their line', () => {
    expect(problemsOf('version: 1\ngroups:\n  a: [\n')[0]).toMatch(/^state\.yaml:\d+:\d+: document: /);
  });

  it('refuses a document without groups or with the wrong version', () => {
    expect(problemsOf('version: 3\ngroups: {}\n')).toEqual([
      'state.yaml:1:10: version: must be 1 or 2 (the desired-state contract version)',
      'state.yaml:2:9: groups: must name at least one group',
    ]);
  });
});
