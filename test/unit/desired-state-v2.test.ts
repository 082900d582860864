import { describe, expect, it } from 'vitest';
import { readDesiredState } from '../../src/domain/desired-state.js';
import { compileDesiredState, parseDesiredState } from '../../src/domain/desired-state-yaml.js';
import type { PolicyRefusal } from '../../src/domain/policy.js';
import type { IngressRequestV2 } from '../../src/domain/request-v2.js';
import { desiredStateProblems } from '../helpers/desired-state.js';

const problemsOf = (text: string, checkPolicy?: (request: IngressRequestV2) => PolicyRefusal | undefined) =>
  desiredStateProblems(() =>
    parseDesiredState(text, 'state.yaml', checkPolicy === undefined ? {} : { checkPolicy }),
  );

describe('parseDesiredState, version 2', () => {
  it('reads clusters, workgroups, security groups and groups, canonicalising sources', () => {
    // Prepare
    const text = [
      'version: 2',
      'clusters:',
      '  analytics-prod:',
      '    prune: true',
      '    cidrIps: [198.51.100.7, 203.0.113.0/24]',
      '    cidrIpv6s: ["2001:db8::/48"]',
      '    sourceSecurityGroups:',
      '      - { id: sg-0fedcba987654321f, ownerId: "111122223333" }',
      '      - { id: sg-0a1b2c3d }',
      '    prefixLists: [pl-0a1b2c3d]',
      'workgroups:',
      '  bi-serverless:',
      '    securityGroupId: sg-0e1f2a3b',
      '    port: 5440',
      '    cidrIps: [10.1.0.0/16]',
      'securityGroups:',
      '  sg-01234567:',
      '    cidrIpv6s: ["2001:db8:1::1"]',
      'groups:',
      '  legacy-classic:',
      '    cidrIps: [192.0.2.0/24]',
      '',
    ].join('\n');

    // Act
    const state = parseDesiredState(text);

    // Assess
    expect(state).toEqual({
      groups: [{ name: 'legacy-classic', prune: false, targets: [{ cidrIp: '192.0.2.0/24' }] }],
      vpcTargets: [
        {
          section: 'clusters',
          name: 'analytics-prod',
          target: { clusterIdentifier: 'analytics-prod' },
          prune: true,
          sources: [
            { cidrIp: '198.51.100.7/32' },
            { cidrIp: '203.0.113.0/24' },
            { cidrIpv6: '2001:db8::/48' },
            { sourceSecurityGroupId: 'sg-0fedcba987654321f', sourceSecurityGroupOwnerId: '111122223333' },
            { sourceSecurityGroupId: 'sg-0a1b2c3d' },
            { prefixListId: 'pl-0a1b2c3d' },
          ],
        },
        {
          section: 'workgroups',
          name: 'bi-serverless',
          target: { workgroupName: 'bi-serverless', securityGroupId: 'sg-0e1f2a3b' },
          port: 5440,
          prune: false,
          sources: [{ cidrIp: '10.1.0.0/16' }],
        },
        {
          section: 'securityGroups',
          name: 'sg-01234567',
          target: { securityGroupId: 'sg-01234567' },
          prune: false,
          sources: [{ cidrIpv6: '2001:db8:1::1/128' }],
        },
      ],
    });
  });

  it('refuses duplicate sources, naming the entry and the first spelling', () => {
    const problems = problemsOf(
      [
        'version: 2',
        'clusters:',
        '  analytics-prod:',
        '    cidrIps: [203.0.113.0/24, 203.0.113.0/24]',
        '    cidrIpv6s: ["2001:db8::/48", "2001:db8::/48"]',
        '    sourceSecurityGroups: [{ id: sg-0a1b2c3d }, { id: sg-0a1b2c3d, ownerId: "111122223333" }]',
        '    prefixLists: [pl-0a1b2c3d, pl-0a1b2c3d]',
        '',
      ].join('\n'),
    );
    expect(problems).toHaveLength(4);
    expect(problems).toEqual([
      expect.stringMatching(
        /^state\.yaml:4:\d+: clusters\.analytics-prod\.cidrIps\.1: duplicates cidrIps\.0$/,
      ),
      expect.stringMatching(
        /^state\.yaml:5:\d+: clusters\.analytics-prod\.cidrIpv6s\.1: duplicates cidrIpv6s\.0$/,
      ),
      expect.stringMatching(
        /^state\.yaml:6:\d+: clusters\.analytics-prod\.sourceSecurityGroups\.1: duplicates sourceSecurityGroups\.0$/,
      ),
      expect.stringMatching(
        /^state\.yaml:7:\d+: clusters\.analytics-prod\.prefixLists\.1: duplicates prefixLists\.0$/,
      ),
    ]);
  });

  it('refuses more sources than a group holds, IPv4 and IPv6 counted apart, groups and lists in both', () => {
    const cidrs = (count: number) => Array.from({ length: count }, (_, i) => `10.0.${i}.0/24`);
    const v6 = (count: number) =>
      Array.from({ length: count }, (_, i) => `"2001:db8:${(i + 1).toString(16)}::/48"`);
    // 60 of each family fit: the families are counted apart.
    expect(() =>
      parseDesiredState(
        `version: 2\nsecurityGroups:\n  sg-01234567:\n    cidrIps: [${cidrs(60).join(', ')}]\n    cidrIpv6s: [${v6(60).join(', ')}]\n`,
      ),
    ).not.toThrow();
    // 59 IPv4 CIDRs and 2 prefix lists are 61 IPv4 rules; 2 IPv6 rules fit.
    expect(
      problemsOf(
        `version: 2\nsecurityGroups:\n  sg-01234567:\n    cidrIps: [${cidrs(59).join(', ')}]\n    cidrIpv6s: [${v6(0).join(', ')}]\n    prefixLists: [pl-0a, pl-0b]\n`,
      ),
    ).toEqual([
      expect.stringMatching(
        /^state\.yaml:4:\d+: securityGroups\.sg-01234567: has 61 IPv4 rules \(cidrIps, sourceSecurityGroups and prefixLists\); a VPC security group holds at most 60 inbound rules of each family by default/,
      ),
    ]);
  });

  it('refuses a source the policy would refuse, naming the entry, and ignores approval', () => {
    // Prepare: a policy that refuses broad IPv4 ranges and one workgroup, and wants approval.
    const checkPolicy = (request: IngressRequestV2): PolicyRefusal | undefined => {
      const { rule } = request;
      if (!('target' in rule)) return undefined;
      if ('workgroupName' in rule.target && rule.target.workgroupName === 'other-wg')
        return { rule: 'ALLOWED_WORKGROUPS', message: 'workgroupName: "other-wg" is not allowed' };
      if ('cidrIp' in rule.source && Number(rule.source.cidrIp.split('/')[1]) < 16)
        return { rule: 'MIN_CIDR_PREFIX', message: `cidrIp: ${rule.source.cidrIp} is too broad` };
      return { rule: 'REQUIRE_APPROVAL', message: 'approval.ticket: is required' };
    };

    // Act
    const problems = problemsOf(
      [
        'version: 2',
        'clusters:',
        '  analytics-prod:',
        '    cidrIps: [203.0.113.0/24, 10.0.0.0/8]',
        'workgroups:',
        '  other-wg:',
        '    prefixLists: [pl-0a1b2c3d]',
        '',
      ].join('\n'),
      checkPolicy,
    );

    // Assess
    expect(problems).toEqual([
      expect.stringMatching(
        /^state\.yaml:4:\d+: clusters\.analytics-prod\.cidrIps\.1: refused by MIN_CIDR_PREFIX: cidrIp: 10\.0\.0\.0\/8 is too broad$/,
      ),
      expect.stringMatching(
        /^state\.yaml:7:\d+: workgroups\.other-wg\.prefixLists\.0: refused by ALLOWED_WORKGROUPS: /,
      ),
    ]);
  });

  it('refuses a document without entries, a pick on a security group entry and bad names', () => {
    expect(problemsOf('version: 2\nclusters: {}\n')).toEqual([
      'state.yaml:2:11: clusters: must name at least one entry in clusters, workgroups, securityGroups or groups',
    ]);
    const problems = problemsOf(
      'version: 2\nsecurityGroups:\n  sg-01234567:\n    securityGroupId: sg-01234567\nclusters:\n  Analytics: {}\n  analytics:\n    port: 70000\n',
    );
    expect(problems).toEqual([
      expect.stringMatching(/^state\.yaml:6:\d+: clusters\.Analytics: must be a cluster identifier/),
      expect.stringMatching(
        /^state\.yaml:8:\d+: clusters\.analytics\.port: must be a whole number from 1 to 65535$/,
      ),
      expect.stringMatching(
        /^state\.yaml:4:\d+: securityGroups\.sg-01234567\.securityGroupId: is not a known field$/,
      ),
    ]);
  });
});

describe('compileDesiredState, version 2 (packaging)', () => {
  it('compiles a v2 document to JSON that reads as the same desired state, and refuses a bad one with its line', () => {
    // Prepare
    const text = 'version: 2\nworkgroups:\n  bi-serverless:\n    prefixLists: [pl-0a1b2c3d]\n';

    // Act
    const json = compileDesiredState(text, 'state.yaml');

    // Assess
    expect(readDesiredState(JSON.parse(json))).toEqual(parseDesiredState(text));
    expect(
      desiredStateProblems(() =>
        compileDesiredState(
          'version: 2\nworkgroups:\n  bi-serverless:\n    prefixLists: [pl-0a, pl-0a]\n',
          'state.yaml',
        ),
      ),
    ).toEqual([
      expect.stringMatching(
        /^state\.yaml:4:\d+: workgroups\.bi-serverless\.prefixLists\.1: duplicates prefixLists\.0$/,
      ),
    ]);
  });
});
