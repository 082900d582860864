import { describe, expect, it } from 'vitest';
import { UsageError } from '../../cli/errors.js';
import { type ReadOptions, readRequests } from '../../cli/io/read-requests.js';

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
