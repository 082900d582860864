import { describe, expect, it } from 'vitest';
import { UsageError } from '../../cli/errors.js';
import { defaultsProblems, type ReadOptions, readRequests } from '../../cli/io/read-requests.js';

const options = (
  overrides: Partial<ReadOptions> = {},
  defaults: Partial<ReadOptions['defaults']> = {},
): ReadOptions => ({
  source: 'input',
  format: 'auto',
  ...overrides,
  defaults: { requestIdPrefix: 'p', requestedBy: 'cli:alice', ...defaults },
});

describe('readRequests', () => {
  it('reads a plain list: one address or CIDR per line, the comment as reason, blank and # lines skipped', () => {
    // Act
    const result = readRequests(
      '# offices\n\n203.0.113.7 # NYC\r\n198.51.100.0/24\n',
      options({}, { clusterSecurityGroupName: 'analytics-prod' }),
    );

    // Assess
    expect(result.format).toBe('list');
    expect(result.invalid).toEqual([]);
    expect(result.requests).toEqual([
      {
        line: 3,
        body: {
          version: 1,
          requestId: 'p-3',
          action: 'authorize',
          clusterSecurityGroupName: 'analytics-prod',
          cidrIp: '203.0.113.7',
          requestedBy: 'cli:alice',
          reason: 'NYC',
        },
      },
      expect.objectContaining({
        line: 4,
        body: expect.objectContaining({ requestId: 'p-4', cidrIp: '198.51.100.0/24' }),
      }),
    ]);
  });

  it('reports each invalid list line with its field and reason, and keeps the valid ones', () => {
    // Act
    const result = readRequests(
      '10.0.0.0/8\n203.0.113.7/24\n1.2.3.4 5.6.7.8\n',
      options({}, { clusterSecurityGroupName: 'g' }),
    );

    // Assess
    expect(result.requests.map((request) => request.line)).toEqual([1]);
    expect(result.invalid).toEqual([
      {
        line: 2,
        problems: [{ field: 'cidrIp', reason: 'has host bits set; the network is 203.0.113.0/24' }],
      },
      {
        line: 3,
        problems: [
          {
            field: 'cidrIp',
            reason:
              'expected one IPv4 address or CIDR per line (a reason goes after #), got "1.2.3.4 5.6.7.8"',
          },
        ],
      },
    ]);
  });

  it('refuses a plain list without a target flag', () => {
    // Act
    const act = () => readRequests('203.0.113.7\n', options());

    // Assess
    expect(act).toThrow(
      new UsageError(
        'a plain list of addresses (input) needs a target: --cluster, --workgroup, --security-group or --group',
      ),
    );
  });

  it('reads CSV with flag or contract column names, quoted cells, approval columns and flag defaults', () => {
    // Prepare
    const csv = [
      'Group,cidrIp,ec2-group,owner,action,request-id,reason,ticket,approved_by',
      'analytics-prod,203.0.113.0/24,,,,chg-1,"NYC, 5th floor",CHG-1,alice@example.com',
      'analytics-dev,,bi-tools,111122223333,revoke,,,,',
    ].join('\n');

    // Act
    const result = readRequests(
      csv,
      options(
        { source: 'changes.csv' },
        { approval: { ticket: 'DEFAULT', approvedAt: '2026-11-26T10:00:00Z' } },
      ),
    );

    // Assess
    expect(result.format).toBe('csv');
    expect(result.invalid).toEqual([]);
    expect(result.requests.map((request) => request.body)).toEqual([
      {
        version: 1,
        requestId: 'chg-1',
        action: 'authorize',
        clusterSecurityGroupName: 'analytics-prod',
        cidrIp: '203.0.113.0/24',
        requestedBy: 'cli:alice',
        reason: 'NYC, 5th floor',
        approval: { ticket: 'CHG-1', approvedBy: 'alice@example.com', approvedAt: '2026-11-26T10:00:00Z' },
      },
      {
        version: 1,
        requestId: 'p-3',
        action: 'revoke',
        clusterSecurityGroupName: 'analytics-dev',
        ec2SecurityGroupName: 'bi-tools',
        ec2SecurityGroupOwnerId: '111122223333',
        requestedBy: 'cli:alice',
        approval: { ticket: 'DEFAULT', approvedAt: '2026-11-26T10:00:00Z' },
      },
    ]);
  });

  it('names an unknown CSV column, and a row with more cells than the header', () => {
    // Act
    const unknown = () => readRequests('group,cidr,colour\n', options({ format: 'csv' }));
    const wide = readRequests(
      'group,cidr\nanalytics-prod,203.0.113.0/24,extra\n',
      options({ format: 'csv' }),
    );

    // Assess
    expect(unknown).toThrow(/^input:1: header: unknown column "colour"; the columns are group, cidr, /);
    expect(wide.invalid).toEqual([
      { line: 2, problems: [{ field: 'line', reason: 'has 3 values; the header names 2 columns' }] },
    ]);
  });

  it('reads NDJSON request bodies, reporting bad JSON, non-objects, unknown fields and duplicate request ids', () => {
    // Prepare
    const ndjson = [
      '{"version":1,"requestId":"a","clusterSecurityGroupName":"g","cidrIp":"203.0.113.0/24"}',
      '{"version":1,"requestId":"a","clusterSecurityGroupName":"g","cidrIp":"198.51.100.0/24"}',
      '{not json',
      '[1]',
      '{"version":1,"clusterSecurityGroupName":"g","cidrIp":"192.0.2.0/24","colour":"red"}',
    ].join('\n');

    // Act
    const result = readRequests(ndjson, options());

    // Assess
    expect(result.format).toBe('ndjson');
    expect(result.requests.map((request) => request.body.requestId)).toEqual(['a']);
    expect(
      result.invalid.map((line) => [line.line, line.problems[0]?.field, line.problems[0]?.reason]),
    ).toEqual([
      [2, 'requestId', '"a" is already used by line 1'],
      [3, 'body', expect.stringMatching(/^is not valid JSON \(/)],
      [4, 'body', 'must be a JSON object, got an array'],
      [5, 'colour', 'is not a known field'],
    ]);
  });

  it('guesses the format from the extension before the content', () => {
    // Act
    const ndjson = readRequests('', options({ source: 'requests.jsonl' }));
    const csvByContent = readRequests('group,cidr\n', options({ source: 'input.txt' }));

    // Assess
    expect(ndjson.format).toBe('ndjson');
    expect(csvByContent.format).toBe('csv');
  });
});

describe('readRequests on VPC targets', () => {
  it('reads the VPC columns by flag or contract name into v2 bodies; a group row stays version 1', () => {
    // Prepare
    const tsv = [
      'clusterIdentifier\tworkgroup_name\tSecurityGroupId\tcidr\tcidrIpv6\tsourceSecurityGroupId\tsource-owner\tprefixListId\tport\tgroup',
      'analytics-prod\t\t\t2001:db8::/32\t\t\t\t\t5439\t',
      '\tbi-serverless\t\t\t2001:db8:1::/48\t\t\t\t\t',
      '\t\tsg-0123456789abcdef0\t\t\tsg-0fedcba987654321f\t111122223333\t\t\t',
      'analytics-prod\t\tsg-0a1b2c3d\t\t\t\t\tpl-0a1b2c3d\t8192\t',
      '\t\t\t198.51.100.0/24\t\t\t\t\t\tanalytics-classic',
    ].join('\n');

    // Act
    const result = readRequests(tsv, options({ source: 'changes.tsv' }));

    // Assess: IPv6 under `cidr` becomes cidrIpv6; the port a number; the group row exactly as version 1.
    expect(result.invalid).toEqual([]);
    const base = { action: 'authorize', requestedBy: 'cli:alice' };
    expect(result.requests.map((request) => request.body)).toEqual([
      {
        ...base,
        version: 2,
        requestId: 'p-2',
        clusterIdentifier: 'analytics-prod',
        cidrIpv6: '2001:db8::/32',
        port: 5439,
      },
      { ...base, version: 2, requestId: 'p-3', workgroupName: 'bi-serverless', cidrIpv6: '2001:db8:1::/48' },
      {
        ...base,
        version: 2,
        requestId: 'p-4',
        securityGroupId: 'sg-0123456789abcdef0',
        sourceSecurityGroupId: 'sg-0fedcba987654321f',
        sourceSecurityGroupOwnerId: '111122223333',
      },
      {
        ...base,
        version: 2,
        requestId: 'p-5',
        clusterIdentifier: 'analytics-prod',
        securityGroupId: 'sg-0a1b2c3d',
        prefixListId: 'pl-0a1b2c3d',
        port: 8192,
      },
      {
        ...base,
        version: 1,
        requestId: 'p-6',
        clusterSecurityGroupName: 'analytics-classic',
        cidrIp: '198.51.100.0/24',
      },
    ]);
  });

  it('names the line, the field and the reason of each invalid VPC row', () => {
    // Prepare
    const csv = [
      'cluster,workgroup,group,cidr,source-owner,port',
      'analytics-prod,bi-serverless,,203.0.113.0/24,,',
      'analytics-prod,,,203.0.113.0/24,,5439.5',
      ',,analytics-classic,203.0.113.0/24,,5439',
      'analytics-prod,,,,111122223333,',
      ',,,2001:db8::/32,,',
      'Analytics_Prod,,,2001:db8::1/32,,',
    ].join('\n');

    // Act
    const result = readRequests(csv, options({ source: 'changes.csv' }));

    // Assess
    expect(result.requests).toEqual([]);
    expect(result.invalid).toEqual([
      {
        line: 2,
        problems: [
          {
            field: 'workgroupName',
            reason:
              'give one target of clusterIdentifier, workgroupName, securityGroupId or clusterSecurityGroupName; got clusterIdentifier, workgroupName',
          },
        ],
      },
      { line: 3, problems: [{ field: 'port', reason: 'must be a whole number from 1 to 65535' }] },
      {
        line: 4,
        problems: [
          {
            field: 'port',
            reason:
              'applies to VPC targets only (clusterIdentifier, workgroupName or securityGroupId); a cluster security group takes cidrIp, or ec2SecurityGroupName with ec2SecurityGroupOwnerId',
          },
        ],
      },
      {
        line: 5,
        problems: [
          { field: 'sourceSecurityGroupId', reason: 'is required together with sourceSecurityGroupOwnerId' },
        ],
      },
      {
        line: 6,
        problems: [
          {
            field: 'clusterIdentifier',
            reason:
              'a target is required: clusterIdentifier, workgroupName, securityGroupId or clusterSecurityGroupName',
          },
        ],
      },
      {
        line: 7,
        problems: [
          {
            field: 'clusterIdentifier',
            reason: expect.stringMatching(/^must be a cluster identifier: lower-case/),
          },
          { field: 'cidrIpv6', reason: 'has host bits set; the network is 2001:db8::/32' },
        ],
      },
    ]);
  });

  it("fills a line that names no target with the flags' target as a whole, and the port only on VPC lines", () => {
    // Prepare: the flags name a cluster, one of its groups and a port; lines name their own targets or none.
    const csv = [
      'cidr,workgroup,group',
      '203.0.113.0/24,,',
      '2001:db8::/32,bi-serverless,',
      '198.51.100.0/24,,analytics-classic',
    ].join('\n');

    // Act
    const result = readRequests(
      csv,
      options({}, { clusterIdentifier: 'analytics-prod', securityGroupId: 'sg-0a1b2c3d', port: 5440 }),
    );

    // Assess
    expect(result.invalid).toEqual([]);
    expect(result.requests.map((request) => request.body)).toEqual([
      expect.objectContaining({
        version: 2,
        clusterIdentifier: 'analytics-prod',
        securityGroupId: 'sg-0a1b2c3d',
        cidrIp: '203.0.113.0/24',
        port: 5440,
      }),
      {
        version: 2,
        requestId: 'p-3',
        action: 'authorize',
        requestedBy: 'cli:alice',
        workgroupName: 'bi-serverless',
        cidrIpv6: '2001:db8::/32',
        port: 5440,
      },
      {
        version: 1,
        requestId: 'p-4',
        action: 'authorize',
        requestedBy: 'cli:alice',
        clusterSecurityGroupName: 'analytics-classic',
        cidrIp: '198.51.100.0/24',
      },
    ]);
  });

  it('reads a plain list for a VPC target, IPv4 and IPv6 lines alike', () => {
    // Act
    const result = readRequests(
      '203.0.113.0/24 # NYC\n2001:db8:1234::/48 # NYC v6\n2001:db8::1 2001:db8::2\n',
      options({}, { securityGroupId: 'sg-0123456789abcdef0' }),
    );

    // Assess
    expect(result.requests.map((request) => request.body)).toEqual([
      expect.objectContaining({
        version: 2,
        securityGroupId: 'sg-0123456789abcdef0',
        cidrIp: '203.0.113.0/24',
        reason: 'NYC',
      }),
      expect.objectContaining({ version: 2, cidrIpv6: '2001:db8:1234::/48', reason: 'NYC v6' }),
    ]);
    expect(result.invalid).toEqual([
      {
        line: 3,
        problems: [
          {
            field: 'cidrIp',
            reason:
              'expected one IPv4 or IPv6 address or CIDR per line (a reason goes after #), got "2001:db8::1 2001:db8::2"',
          },
        ],
      },
    ]);
  });

  it('reads NDJSON bodies of version 2 as written, suggesting v2 fields and naming both versions', () => {
    // Prepare
    const ndjson = [
      '{"version":2,"requestId":"a","workgroupName":"bi-serverless","cidrIpv6":"2001:db8::/32","port":5439}',
      '{"version":2,"requestId":"b","workgroupName":"bi-serverless","cidrIp":"2001:db8::/32"}',
      '{"version":2,"requestId":"c","clusterIdentifer":"analytics-prod","cidrIp":"203.0.113.0/24"}',
      '{"version":3,"requestId":"d","clusterSecurityGroupName":"g","cidrIp":"203.0.113.0/24"}',
    ].join('\n');

    // Act
    const result = readRequests(ndjson, options());

    // Assess
    expect(result.requests.map((request) => request.body)).toEqual([
      {
        version: 2,
        requestId: 'a',
        action: 'authorize',
        requestedBy: 'cli:alice',
        workgroupName: 'bi-serverless',
        cidrIpv6: '2001:db8::/32',
        port: 5439,
      },
    ]);
    expect(result.invalid.map((line) => [line.line, line.problems])).toEqual([
      [2, [{ field: 'cidrIp', reason: 'is IPv6; give an IPv6 network as cidrIpv6 (VPC targets only)' }]],
      [
        3,
        [
          { field: 'clusterIdentifer', reason: 'is not a known field; did you mean `clusterIdentifier`?' },
          {
            field: 'clusterIdentifier',
            reason:
              'a target is required: clusterIdentifier, workgroupName, securityGroupId or clusterSecurityGroupName',
          },
        ],
      ],
      [4, [{ field: 'version', reason: 'must be 1 or 2 (the request contract version)' }]],
    ]);
  });

  it("checks the flags' target and port once, with the contract, before any line is read", () => {
    // Act
    const classicWithPort = defaultsProblems({
      requestIdPrefix: 'p',
      clusterSecurityGroupName: 'g',
      port: 5439,
    });
    const twoTargets = defaultsProblems({
      requestIdPrefix: 'p',
      clusterIdentifier: 'a',
      workgroupName: 'bbb',
    });
    const fine = defaultsProblems({ requestIdPrefix: 'p', workgroupName: 'bi-serverless', port: 5439 });
    const none = defaultsProblems({ requestIdPrefix: 'p' });

    // Assess
    expect(classicWithPort).toEqual([
      { field: 'port', reason: expect.stringMatching(/^applies to VPC targets only/) },
    ]);
    expect(twoTargets).toEqual([
      { field: 'workgroupName', reason: expect.stringMatching(/^give one target of/) },
    ]);
    expect(fine).toEqual([]);
    expect(none).toEqual([]);
  });
});
