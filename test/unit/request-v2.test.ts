import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { outcomeRuleV2 } from '../../src/domain/outcome-v2.js';
import { outcomeV2Schema } from '../../src/domain/outcome-v2-schema.js';
import { formatProblems, parseRequest } from '../../src/domain/request.js';
import {
  type IngressRuleV2,
  isVpcRule,
  parseAnyRequest,
  parseRequestV2,
  sourceKeyV2,
  targetKeyV2,
} from '../../src/domain/request-v2.js';

const root = join(import.meta.dirname, '..', '..');
const addFormats = (addFormatsModule as unknown as { default: (ajv: Ajv2020) => Ajv2020 }).default;
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
addFormats(ajv);
const published = (file: string): ValidateFunction =>
  ajv.compile(JSON.parse(readFileSync(join(root, 'schemas', file), 'utf8')));
const publishedRequest = published('ingress-request.v2.schema.json');
const publishedRequestV1 = published('ingress-request.v1.schema.json');
const publishedOutcome = published('ingress-outcome.v2.schema.json');

const body = (fields: Record<string, unknown>) => ({ version: 2, requestId: 'chg-1', ...fields });
const parse = (fields: Record<string, unknown>) => parseRequestV2(JSON.stringify(body(fields)), 'msg-1');
const problemsOf = (fields: Record<string, unknown>): string => {
  const result = parse(fields);
  if (result.ok) throw new Error(`expected a rejection of ${JSON.stringify(fields)}`);
  return formatProblems(result.problems);
};

const VPC_TARGETS: readonly [string, Record<string, string>, object][] = [
  ['a cluster', { clusterIdentifier: 'analytics' }, { clusterIdentifier: 'analytics' }],
  [
    'a cluster and one of its groups',
    { clusterIdentifier: 'analytics', securityGroupId: 'sg-0123abcd' },
    { clusterIdentifier: 'analytics', securityGroupId: 'sg-0123abcd' },
  ],
  ['a workgroup', { workgroupName: 'bi-tools' }, { workgroupName: 'bi-tools' }],
  [
    'a workgroup and one of its groups',
    { workgroupName: 'bi-tools', securityGroupId: 'sg-0123456789abcdef0' },
    { workgroupName: 'bi-tools', securityGroupId: 'sg-0123456789abcdef0' },
  ],
  ['a security group', { securityGroupId: 'sg-0123abcd' }, { securityGroupId: 'sg-0123abcd' }],
];
const VPC_SOURCES: readonly [string, Record<string, string>, object][] = [
  ['an IPv4 address', { cidrIp: '198.51.100.7' }, { cidrIp: '198.51.100.7/32' }],
  ['an IPv6 network', { cidrIpv6: '2001:db8::/48' }, { cidrIpv6: '2001:db8::/48' }],
  ['a security group', { sourceSecurityGroupId: 'sg-0fedcba9' }, { sourceSecurityGroupId: 'sg-0fedcba9' }],
  [
    "another account's security group",
    { sourceSecurityGroupId: 'sg-0fedcba9', sourceSecurityGroupOwnerId: '111122223333' },
    { sourceSecurityGroupId: 'sg-0fedcba9', sourceSecurityGroupOwnerId: '111122223333' },
  ],
  ['a prefix list', { prefixListId: 'pl-63a5400a' }, { prefixListId: 'pl-63a5400a' }],
];
const VALID_VPC = VPC_TARGETS.flatMap(([targetName, targetFields, target]) =>
  VPC_SOURCES.flatMap(([sourceName, sourceFields, source]) =>
    [undefined, 8192].map((port) => ({
      name: `${targetName} from ${sourceName}${port === undefined ? '' : ` on port ${port}`}`,
      fields: { ...targetFields, ...sourceFields, ...(port !== undefined && { port }) },
      rule: { target, source, ...(port !== undefined && { port }) },
    })),
  ),
);
const VALID_CLUSTER_SECURITY_GROUP = [
  {
    name: 'a cluster security group from an IPv4 network',
    fields: { clusterSecurityGroupName: 'analytics-prod', cidrIp: '203.0.113.0/24' },
    rule: { clusterSecurityGroupName: 'analytics-prod', cidrIp: '203.0.113.0/24' },
  },
  {
    name: 'a cluster security group from an EC2 security group by name',
    fields: {
      clusterSecurityGroupName: 'analytics-prod',
      ec2SecurityGroupName: 'bi-tools',
      ec2SecurityGroupOwnerId: '111122223333',
    },
    rule: {
      clusterSecurityGroupName: 'analytics-prod',
      ec2SecurityGroupName: 'bi-tools',
      ec2SecurityGroupOwnerId: '111122223333',
    },
  },
];

describe('request v2: every valid combination', () => {
  it.each([...VALID_VPC, ...VALID_CLUSTER_SECURITY_GROUP])('accepts $name', ({ fields, rule }) => {
    // Act
    const result = parse({ ...fields, action: 'revoke', approval: { ticket: 'CHG-1' }, taskToken: 'tok' });

    // Assess
    expect(result).toEqual({
      ok: true,
      request: {
        version: 2,
        requestId: 'chg-1',
        action: 'revoke',
        rule,
        approval: { ticket: 'CHG-1' },
        taskToken: 'tok',
      },
    });
    expect(publishedRequest(body(fields)), JSON.stringify(publishedRequest.errors)).toBe(true);
  });

  it('defaults action and requestId as version 1 does', () => {
    const result = parseRequestV2(
      JSON.stringify({ version: 2, clusterIdentifier: 'a', cidrIp: '10.0.0.0/8' }),
      'm-7',
    );
    expect(result).toMatchObject({ ok: true, request: { requestId: 'm-7', action: 'authorize' } });
  });
});

describe('request v2: each refused combination, naming the fields', () => {
  it.each([
    [
      'no target',
      { cidrIp: '10.0.0.0/8' },
      'clusterIdentifier: a target is required: clusterIdentifier, workgroupName, securityGroupId or clusterSecurityGroupName',
    ],
    [
      'a cluster and a workgroup',
      { clusterIdentifier: 'a', workgroupName: 'bi-tools', cidrIp: '10.0.0.0/8' },
      'workgroupName: give one target of clusterIdentifier, workgroupName, securityGroupId or clusterSecurityGroupName; got clusterIdentifier, workgroupName',
    ],
    [
      'a cluster and a cluster security group',
      { clusterIdentifier: 'a', clusterSecurityGroupName: 'analytics-prod', cidrIp: '10.0.0.0/8' },
      'clusterSecurityGroupName: give one target of clusterIdentifier, workgroupName, securityGroupId or clusterSecurityGroupName; got clusterIdentifier, clusterSecurityGroupName',
    ],
    [
      'a workgroup and a cluster security group',
      { workgroupName: 'bi-tools', clusterSecurityGroupName: 'analytics-prod', cidrIp: '10.0.0.0/8' },
      'clusterSecurityGroupName: give one target of clusterIdentifier, workgroupName, securityGroupId or clusterSecurityGroupName; got workgroupName, clusterSecurityGroupName',
    ],
    [
      'a security group id with a cluster security group',
      { clusterSecurityGroupName: 'analytics-prod', securityGroupId: 'sg-0123abcd', cidrIp: '10.0.0.0/8' },
      'securityGroupId: picks a VPC security group of a clusterIdentifier or workgroupName, or is the target itself; it does not go with clusterSecurityGroupName',
    ],
    [
      'no source',
      { clusterIdentifier: 'a' },
      'cidrIp: a source is required: cidrIp, cidrIpv6, sourceSecurityGroupId, prefixListId, or ec2SecurityGroupName with ec2SecurityGroupOwnerId',
    ],
    [
      'two sources',
      { clusterIdentifier: 'a', cidrIp: '10.0.0.0/8', cidrIpv6: '2001:db8::/48' },
      'cidrIpv6: give one source of cidrIp, cidrIpv6, sourceSecurityGroupId, prefixListId, or ec2SecurityGroupName with ec2SecurityGroupOwnerId; got cidrIp, cidrIpv6',
    ],
    [
      'a security group and a prefix list as sources',
      { securityGroupId: 'sg-0123abcd', sourceSecurityGroupId: 'sg-0fedcba9', prefixListId: 'pl-63a5400a' },
      'prefixListId: give one source of cidrIp, cidrIpv6, sourceSecurityGroupId, prefixListId, or ec2SecurityGroupName with ec2SecurityGroupOwnerId; got sourceSecurityGroupId, prefixListId',
    ],
    [
      'a source owner without a source group',
      { clusterIdentifier: 'a', sourceSecurityGroupOwnerId: '111122223333' },
      'sourceSecurityGroupId: is required together with sourceSecurityGroupOwnerId',
    ],
    [
      'a source owner beside a CIDR',
      { clusterIdentifier: 'a', cidrIp: '10.0.0.0/8', sourceSecurityGroupOwnerId: '111122223333' },
      'sourceSecurityGroupId: is required together with sourceSecurityGroupOwnerId',
    ],
    [
      'an EC2 group name without its owner',
      { clusterSecurityGroupName: 'analytics-prod', ec2SecurityGroupName: 'bi-tools' },
      'ec2SecurityGroupOwnerId: is required together with ec2SecurityGroupName',
    ],
    [
      'an EC2 group owner without its name',
      { clusterSecurityGroupName: 'analytics-prod', ec2SecurityGroupOwnerId: '111122223333' },
      'ec2SecurityGroupName: is required together with ec2SecurityGroupOwnerId',
    ],
    [
      'an EC2 group by name for a VPC target',
      { clusterIdentifier: 'a', ec2SecurityGroupName: 'bi-tools', ec2SecurityGroupOwnerId: '111122223333' },
      'ec2SecurityGroupName: applies to a clusterSecurityGroupName target only; for a VPC target give the group as sourceSecurityGroupId (with sourceSecurityGroupOwnerId); ec2SecurityGroupOwnerId: applies to a clusterSecurityGroupName target only',
    ],
    [
      'IPv6 for a cluster security group',
      { clusterSecurityGroupName: 'analytics-prod', cidrIpv6: '2001:db8::/48' },
      'cidrIpv6: applies to VPC targets only (clusterIdentifier, workgroupName or securityGroupId); a cluster security group takes cidrIp, or ec2SecurityGroupName with ec2SecurityGroupOwnerId',
    ],
    [
      'a source security group for a cluster security group',
      { clusterSecurityGroupName: 'analytics-prod', sourceSecurityGroupId: 'sg-0fedcba9' },
      'sourceSecurityGroupId: applies to VPC targets only',
    ],
    [
      'a prefix list for a cluster security group',
      { clusterSecurityGroupName: 'analytics-prod', prefixListId: 'pl-63a5400a' },
      'prefixListId: applies to VPC targets only',
    ],
    [
      'a port for a cluster security group',
      { clusterSecurityGroupName: 'analytics-prod', cidrIp: '10.0.0.0/8', port: 5439 },
      'port: applies to VPC targets only',
    ],
  ])('refuses %s', (_name, fields, expected) => {
    // Act
    const message = problemsOf(fields);

    // Assess: the service's words, and the published schema's verdict.
    expect(message).toContain(expected);
    expect(publishedRequest(body(fields))).toBe(false);
  });

  it.each([
    [{ clusterIdentifier: 'Analytics' }, 'clusterIdentifier: must be a cluster identifier'],
    [{ clusterIdentifier: 'a--b' }, 'clusterIdentifier: must be a cluster identifier'],
    [{ clusterIdentifier: 'a-' }, 'clusterIdentifier: must be a cluster identifier'],
    [{ clusterIdentifier: 'a'.repeat(64) }, 'clusterIdentifier: must be at most 63 characters'],
    [{ workgroupName: 'bi' }, 'workgroupName: must be at least 3 characters'],
    [
      { workgroupName: 'BI_tools' },
      'workgroupName: must contain only lower-case letters, digits and hyphens',
    ],
    [
      { securityGroupId: 'sg-0123abc' },
      'securityGroupId: must be a security group id: sg- and 8 or 17 hex digits',
    ],
    [{ securityGroupId: 'sg-0123ABCD' }, 'securityGroupId: must be a security group id'],
  ])('refuses a malformed target %j', (target, expected) => {
    expect(problemsOf({ ...target, cidrIp: '10.0.0.0/8' })).toContain(expected);
  });

  it.each([
    [{ cidrIp: '203.0.113.7/24' }, 'cidrIp: has host bits set; the network is 203.0.113.0/24'],
    [{ cidrIp: '2001:db8::/48' }, 'cidrIp: is IPv6; give an IPv6 network as cidrIpv6 (VPC targets only)'],
    [{ cidrIpv6: '2001:db8::1/48' }, 'cidrIpv6: has host bits set; the network is 2001:db8::/48'],
    [{ cidrIpv6: '2001:DB8::/48' }, 'cidrIpv6: is not in canonical form; write it as 2001:db8::/48'],
    [{ cidrIpv6: '10.0.0.0/8' }, 'cidrIpv6: is IPv4; give an IPv4 network as cidrIp'],
    [{ sourceSecurityGroupId: 'sg-1' }, 'sourceSecurityGroupId: must be a security group id'],
    [
      { sourceSecurityGroupId: 'sg-0fedcba9', sourceSecurityGroupOwnerId: '1111' },
      'sourceSecurityGroupOwnerId: must be a 12-digit AWS account id',
    ],
    [{ prefixListId: 'pl-XYZ' }, 'prefixListId: must be a prefix list id: pl- and hex digits'],
    [{ cidrIp: '10.0.0.0/8', port: 0 }, 'port: must be a whole number from 1 to 65535'],
    [{ cidrIp: '10.0.0.0/8', port: 65536 }, 'port: must be a whole number from 1 to 65535'],
    [{ cidrIp: '10.0.0.0/8', port: 54.39 }, 'port: must be a whole number from 1 to 65535'],
    [{ cidrIp: '10.0.0.0/8', port: '5439' }, 'port: must be a whole number from 1 to 65535, got a string'],
  ])('refuses a malformed source or port %j', (source, expected) => {
    expect(problemsOf({ clusterIdentifier: 'analytics', ...source })).toContain(expected);
  });

  it('refuses unknown fields and a body of version 1 by name', () => {
    expect(problemsOf({ clusterIdentifier: 'a', cidrIp: '10.0.0.0/8', ports: 1 })).toBe(
      'ports: is not a known field',
    );
    const v1 = parseRequestV2(
      JSON.stringify({ version: 1, clusterIdentifier: 'a', cidrIp: '10.0.0.0/8' }),
      'm',
    );
    expect(!v1.ok && formatProblems(v1.problems)).toBe('version: must be 2 (the request contract version)');
  });

  it('keeps what it can of an invalid body for correlation', () => {
    // Act
    const result = parse({ clusterIdentifier: 'a', action: 'revoke', requestedBy: 'me', taskToken: 'tok' });

    // Assess
    expect(result).toMatchObject({
      ok: false,
      context: { requestId: 'chg-1', action: 'revoke', requestedBy: 'me', taskToken: 'tok' },
    });
  });
});

describe('the combination rule: the service and its published JSON Schema agree on every combination', () => {
  /** A valid value of every field that takes part in which fields go together. */
  const VALUES: Readonly<Record<string, unknown>> = {
    clusterIdentifier: 'analytics',
    workgroupName: 'bi-tools',
    securityGroupId: 'sg-0123abcd',
    clusterSecurityGroupName: 'analytics-prod',
    cidrIp: '10.0.0.0/8',
    cidrIpv6: '2001:db8::/48',
    sourceSecurityGroupId: 'sg-0fedcba9',
    sourceSecurityGroupOwnerId: '111122223333',
    prefixListId: 'pl-63a5400a',
    ec2SecurityGroupName: 'bi-tools',
    ec2SecurityGroupOwnerId: '111122223333',
    port: 5439,
  };
  /** Every subset of `fields`, each as the body fields it gives. */
  const subsets = (fields: readonly string[]): Record<string, unknown>[] =>
    Array.from({ length: 2 ** fields.length }, (_, mask) =>
      Object.fromEntries(fields.filter((_, bit) => mask & (1 << bit)).map((field) => [field, VALUES[field]])),
    );
  const verdicts = (combinations: Record<string, unknown>[], version: 1 | 2) =>
    combinations.map((fields) => {
      const request = { version, requestId: 'chg-1', ...fields };
      const service = (version === 1 ? parseRequest : parseRequestV2)(JSON.stringify(request), 'm').ok;
      const schema = (version === 1 ? publishedRequestV1 : publishedRequest)(request) as boolean;
      return { fields: Object.keys(fields).join(' '), service, schema };
    });

  it('version 2: all 4096 subsets of its target, source and port fields', () => {
    // Act
    const results = verdicts(subsets(Object.keys(VALUES)), 2);

    // Assess: the same verdict everywhere, and both verdicts reached.
    expect(results.filter((result) => result.service !== result.schema)).toEqual([]);
    expect(results.filter((result) => result.service).length).toBe(
      VALID_VPC.length + VALID_CLUSTER_SECURITY_GROUP.length,
    );
  });

  it('version 1: all 8 subsets of its source fields, on a cluster security group', () => {
    // Act
    const combinations = subsets(['cidrIp', 'ec2SecurityGroupName', 'ec2SecurityGroupOwnerId']).map(
      (fields) => ({ clusterSecurityGroupName: VALUES.clusterSecurityGroupName, ...fields }),
    );
    const results = verdicts(combinations, 1);

    // Assess
    expect(results.filter((result) => result.service !== result.schema)).toEqual([]);
    expect(results.filter((result) => result.service).map((result) => result.fields)).toEqual([
      'clusterSecurityGroupName cidrIp',
      'clusterSecurityGroupName ec2SecurityGroupName ec2SecurityGroupOwnerId',
    ]);
  });
});

describe('parseAnyRequest', () => {
  it('reads version 1 as parseRequest does and version 2 as parseRequestV2 does', () => {
    const v1 = JSON.stringify({
      version: 1,
      clusterSecurityGroupName: 'analytics-prod',
      cidrIp: '198.51.100.7',
    });
    const v2 = JSON.stringify(body({ workgroupName: 'bi-tools', prefixListId: 'pl-63a5400a' }));
    expect(parseAnyRequest(v1, 'm')).toEqual(parseRequest(v1, 'm'));
    expect(parseAnyRequest(v2, 'm')).toEqual(parseRequestV2(v2, 'm'));
  });

  it('names both versions when a body gives neither, and refuses what is not JSON as parseRequest does', () => {
    const result = parseAnyRequest(
      JSON.stringify({ version: 3, clusterSecurityGroupName: 'a', cidrIp: '10.0.0.0/8' }),
      'm',
    );
    expect(!result.ok && formatProblems(result.problems)).toBe(
      'version: must be 1 or 2 (the request contract version)',
    );
    expect(parseAnyRequest('[1]', 'm')).toEqual(parseRequest('[1]', 'm'));
  });

  it('leaves the pipeline on version 1: parseRequest still refuses a version 2 body by its version', () => {
    const result = parseRequest(JSON.stringify(body({ clusterIdentifier: 'a', cidrIp: '10.0.0.0/8' })), 'm');
    expect(!result.ok && formatProblems(result.problems)).toMatch(
      /^version: must be 1 \(the request contract version\)/,
    );
  });
});

describe('keys of v2 rules', () => {
  const ruleOf = (fields: Record<string, unknown>): IngressRuleV2 => {
    const result = parse(fields);
    if (!result.ok) throw new Error(formatProblems(result.problems));
    return result.request.rule;
  };

  it('orders by what changes: the cluster, the workgroup, the security group or the cluster security group', () => {
    expect(
      targetKeyV2(
        ruleOf({ clusterIdentifier: 'analytics', securityGroupId: 'sg-0123abcd', cidrIp: '10.0.0.0/8' }),
      ),
    ).toBe('cluster:analytics');
    expect(targetKeyV2(ruleOf({ workgroupName: 'bi-tools', cidrIp: '10.0.0.0/8' }))).toBe(
      'workgroup:bi-tools',
    );
    expect(targetKeyV2(ruleOf({ securityGroupId: 'sg-0123abcd', cidrIp: '10.0.0.0/8' }))).toBe(
      'sg:sg-0123abcd',
    );
    expect(targetKeyV2(ruleOf({ clusterSecurityGroupName: 'Analytics-Prod', cidrIp: '10.0.0.0/8' }))).toBe(
      'cluster-security-group:analytics-prod',
    );
  });

  it('coalesces by source and port, canonical CIDRs alike', () => {
    const key = (fields: Record<string, unknown>) => {
      const rule = ruleOf({ clusterIdentifier: 'analytics', ...fields });
      if (!isVpcRule(rule)) throw new Error('expected a VPC rule');
      return sourceKeyV2(rule);
    };
    expect(key({ cidrIp: '198.51.100.7' })).toBe(key({ cidrIp: '198.51.100.7/32' }));
    expect(key({ cidrIp: '198.51.100.7', port: 5439 })).not.toBe(key({ cidrIp: '198.51.100.7' }));
    expect(key({ cidrIpv6: '2001:db8::/48' })).toBe('cidr6:2001:db8::/48:default');
    expect(key({ sourceSecurityGroupId: 'sg-0fedcba9', sourceSecurityGroupOwnerId: '111122223333' })).toBe(
      'sg:111122223333/sg-0fedcba9:default',
    );
    expect(key({ prefixListId: 'pl-63a5400a', port: 8192 })).toBe('pl:pl-63a5400a:8192');
  });
});

describe('outcome v2', () => {
  const outcome = (rule: unknown) => ({
    type: 'ingress-outcome',
    version: 2,
    requestId: 'chg-1',
    messageId: 'msg-1',
    action: 'authorize',
    status: 'authorized',
    rule,
    attempt: 1,
    processedAt: '2026-12-04T05:00:00.000Z',
  });

  it.each([...VALID_VPC, ...VALID_CLUSTER_SECURITY_GROUP])(
    'holds the rule of $name as asked, plus what was resolved',
    ({ fields }) => {
      // Prepare
      const result = parse(fields);
      if (!result.ok) throw new Error(formatProblems(result.problems));
      const { rule } = result.request;
      const resolved = {
        securityGroupId: 'sg-0aaa1111',
        port: 5439,
        securityGroupRuleId: 'sgr-0123456789abcdef0',
      };

      // Act
      const asked = outcomeRuleV2(rule, undefined);
      const done = outcomeRuleV2(rule, isVpcRule(rule) ? resolved : undefined);

      // Assess: both forms valid for the zod schema and the published file.
      for (const value of [outcome(asked), outcome(done)]) {
        expect(outcomeV2Schema.safeParse(value).error?.issues ?? []).toEqual([]);
        expect(publishedOutcome(value), JSON.stringify(publishedOutcome.errors)).toBe(true);
      }
      if (isVpcRule(rule)) {
        expect(done).toMatchObject({ ...resolved, ...rule.source });
        expect(done).toMatchObject(
          'clusterIdentifier' in rule.target ? { clusterIdentifier: 'analytics' } : {},
        );
      } else expect(done).toEqual(rule);
    },
  );

  it('refuses a rule with two targets, no source, or a VPC field on a cluster security group', () => {
    for (const rule of [
      { clusterIdentifier: 'a', workgroupName: 'b', cidrIp: '10.0.0.0/8' },
      { clusterIdentifier: 'a', securityGroupId: 'sg-0aaa1111', port: 5439 },
      { clusterSecurityGroupName: 'a', cidrIp: '10.0.0.0/8', securityGroupRuleId: 'sgr-1' },
    ]) {
      expect(outcomeV2Schema.safeParse(outcome(rule)).success).toBe(false);
      expect(publishedOutcome(outcome(rule))).toBe(false);
    }
  });
});
