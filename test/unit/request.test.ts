import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatProblems, parseRequest } from '../../src/domain/request.js';
import { requestBody } from '../helpers/factories.js';

const parse = (body: unknown, messageId = 'msg-1') =>
  parseRequest(typeof body === 'string' ? body : JSON.stringify(body), messageId);

const problemsOf = (body: unknown): string => {
  const result = parse(body);
  if (result.ok) throw new Error('expected a rejection');
  return formatProblems(result.problems);
};

describe('parseRequest', () => {
  it('normalises a CIDR request and defaults requestId and action', () => {
    // Act
    const result = parse(requestBody({ cidrIp: '198.51.100.7' }), 'msg-42');

    // Assess
    expect(result).toEqual({
      ok: true,
      request: {
        version: 1,
        requestId: 'msg-42',
        action: 'authorize',
        rule: { clusterSecurityGroupName: 'analytics-prod', cidrIp: '198.51.100.7/32' },
        requestedBy: 'office-onboarding',
      },
    });
  });

  it('reads an EC2 security group target with approval and task token', () => {
    // Prepare
    const body = requestBody({
      cidrIp: undefined,
      requestId: 'chg-1042-nyc',
      action: 'revoke',
      ec2SecurityGroupName: 'bi-tools',
      ec2SecurityGroupOwnerId: '111122223333',
      approval: { ticket: 'CHG-1042', approvedBy: 'alice@example.com', approvedAt: '2026-11-26T10:00:00Z' },
      taskToken: 'token-123',
      reason: 'BI tools',
    });

    // Act
    const result = parse(body);

    // Assess
    expect(result.ok && result.request).toMatchObject({
      requestId: 'chg-1042-nyc',
      action: 'revoke',
      rule: {
        clusterSecurityGroupName: 'analytics-prod',
        ec2SecurityGroupName: 'bi-tools',
        ec2SecurityGroupOwnerId: '111122223333',
      },
      approval: { ticket: 'CHG-1042' },
      taskToken: 'token-123',
      reason: 'BI tools',
    });
  });

  it.each([
    ['not JSON', '{"version":1,', /^body: is not valid JSON/],
    ['an array', '[1,2]', /^body: must be a JSON object, got an array$/],
    ['null', 'null', /^body: must be a JSON object, got null$/],
    ['a string', '"hello"', /^body: must be a JSON object, got a string$/],
    [
      'host bits set',
      requestBody({ cidrIp: '203.0.113.7/24' }),
      /^cidrIp: has host bits set; the network is 203\.0\.113\.0\/24$/,
    ],
    ['IPv6', requestBody({ cidrIp: '2001:db8::/64' }), /^cidrIp: is IPv6/],
    ['no target', requestBody({ cidrIp: undefined }), /^cidrIp: a target is required/],
    [
      'two targets',
      requestBody({ ec2SecurityGroupName: 'bi', ec2SecurityGroupOwnerId: '111122223333' }),
      /^cidrIp: give either cidrIp or ec2SecurityGroupName with ec2SecurityGroupOwnerId, not both$/,
    ],
    [
      'EC2 name without owner',
      requestBody({ cidrIp: undefined, ec2SecurityGroupName: 'bi' }),
      /^ec2SecurityGroupOwnerId: is required together with ec2SecurityGroupName$/,
    ],
    [
      'owner id of 11 digits',
      requestBody({ cidrIp: undefined, ec2SecurityGroupName: 'bi', ec2SecurityGroupOwnerId: '11112222333' }),
      /^ec2SecurityGroupOwnerId: must be a 12-digit AWS account id$/,
    ],
    ['an unknown field', requestBody({ cidrIP: '10.0.0.0/16' }), /cidrIP: is not a known field/],
    ['a wrong version', requestBody({ version: 2 }), /^version: must be 1/],
    ['a wrong action', requestBody({ action: 'grant' }), /^action: must be "authorize" or "revoke"$/],
    [
      'a bad group name',
      requestBody({ clusterSecurityGroupName: 'a b' }),
      /^clusterSecurityGroupName: must contain only/,
    ],
    ['a huge reason', requestBody({ reason: 'x'.repeat(1025) }), /^reason: must be at most 1024 characters$/],
    [
      'a number as group',
      requestBody({ clusterSecurityGroupName: 7 }),
      /^clusterSecurityGroupName: must be a string, got a number$/,
    ],
    [
      'an unknown approval field',
      requestBody({ approval: { tiket: 'X' } }),
      /^approval\.tiket: is not a known field$/,
    ],
    [
      'a bad approval date',
      requestBody({ approval: { approvedAt: 'yesterday' } }),
      /^approval\.approvedAt: must be an ISO 8601/,
    ],
  ])('rejects %s, naming the field and the reason', (_name, body, expected) => {
    expect(problemsOf(body)).toMatch(expected);
  });

  it('reports every problem of a body at once', () => {
    // Act
    const message = problemsOf({
      version: 2,
      clusterSecurityGroupName: 'analytics-prod',
      cidrIp: '10.0.0.1/8',
      extra: 1,
    });

    // Assess
    expect(message).toContain('version: must be 1');
    expect(message).toContain('cidrIp: has host bits set; the network is 10.0.0.0/8');
    expect(message).toContain('extra: is not a known field');
  });

  it('keeps what it can of an invalid body for correlation', () => {
    // Act
    const result = parse(
      requestBody({
        requestId: 'chg-7',
        action: 'revoke',
        cidrIp: '10.0.0.1/8',
        approval: { ticket: 'CHG-7' },
        taskToken: 'tok',
      }),
    );

    // Assess
    expect(result).toMatchObject({
      ok: false,
      context: {
        requestId: 'chg-7',
        action: 'revoke',
        clusterSecurityGroupName: 'analytics-prod',
        approval: { ticket: 'CHG-7' },
        taskToken: 'tok',
      },
    });
  });

  it('refuses __proto__ and constructor keys as unknown fields without polluting prototypes', () => {
    // Act
    const message = problemsOf(
      '{"version":1,"clusterSecurityGroupName":"a","cidrIp":"10.0.0.0/16","__proto__":{"x":1},"constructor":1}',
    );

    // Assess
    expect(message).toContain('__proto__: is not a known field');
    expect(message).toContain('constructor: is not a known field');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

describe('parseRequest over arbitrary bodies (property)', () => {
  const fields = fc.record(
    {
      version: fc.oneof(fc.constant(1), fc.anything()),
      requestId: fc.oneof(fc.string(), fc.anything()),
      action: fc.oneof(fc.constantFrom('authorize', 'revoke'), fc.anything()),
      clusterSecurityGroupName: fc.oneof(fc.stringMatching(/^[a-z0-9-]{1,20}$/), fc.anything()),
      cidrIp: fc.oneof(
        fc.ipV4().map((ip) => ip),
        fc.tuple(fc.ipV4(), fc.integer({ min: -2, max: 40 })).map(([ip, prefix]) => `${ip}/${prefix}`),
        fc.ipV6(),
        fc.string(),
        fc.anything(),
      ),
      ec2SecurityGroupName: fc.oneof(fc.string(), fc.anything()),
      ec2SecurityGroupOwnerId: fc.oneof(fc.stringMatching(/^\d{10,13}$/), fc.anything()),
      approval: fc.anything(),
      taskToken: fc.anything(),
    },
    { requiredKeys: [] },
  );

  it('never throws, and gives a request or field-naming problems', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fields.map((value) => JSON.stringify(value)),
          fc.json(),
          fc.string(),
          fc.string({ unit: 'binary', maxLength: 200 }),
        ),
        (body) => {
          const result = parseRequest(body, 'msg');
          if (result.ok) {
            expect(result.request.requestId.length).toBeGreaterThan(0);
            expect(['authorize', 'revoke']).toContain(result.request.action);
          } else {
            expect(result.problems.length).toBeGreaterThan(0);
            for (const problem of result.problems) {
              expect(problem.field).not.toBe('');
              expect(problem.reason).not.toBe('');
            }
          }
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('accepts every valid CIDR request and canonicalises it', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), (ip, prefix) => {
        const result = parse(requestBody({ cidrIp: `${ip}/${prefix}` }));
        if (result.ok) {
          expect('cidrIp' in result.request.rule && result.request.rule.cidrIp).toBe(`${ip}/${prefix}`);
        } else {
          expect(formatProblems(result.problems)).toMatch(/host bits set; the network is/);
        }
      }),
    );
  });
});
