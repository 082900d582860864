import { describe, expect, it } from 'vitest';
import {
  compileGroupPatterns,
  hasVisibleCharacter,
  makePolicyCheck,
  type Policy,
} from '../../src/domain/policy.js';
import { type IngressRequest, parseRequest } from '../../src/domain/request.js';
import { requestBody } from '../helpers/factories.js';

const policy: Policy = {
  allowedGroups: ['analytics-*', 'reporting'],
  minCidrPrefix: 16,
  requireApproval: false,
};

const request = (overrides: Record<string, unknown> = {}): IngressRequest => {
  const result = parseRequest(JSON.stringify(requestBody(overrides)), 'msg');
  if (!result.ok) throw new Error('invalid test request');
  return result.request;
};

describe('compileGroupPatterns', () => {
  it('matches exact names and * patterns without regard to case, and nothing else', () => {
    const allowed = compileGroupPatterns(['analytics-*', 'reporting', 'a.b']);
    expect(allowed('analytics-prod')).toBe(true);
    expect(allowed('Analytics-Dev')).toBe(true);
    expect(allowed('reporting')).toBe(true);
    expect(allowed('reporting-2')).toBe(false);
    expect(allowed('xanalytics-prod')).toBe(false);
    expect(allowed('aXb')).toBe(false);
  });

  it('allows nothing when empty', () => {
    expect(compileGroupPatterns([])('analytics-prod')).toBe(false);
  });
});

describe('makePolicyCheck', () => {
  const check = makePolicyCheck(policy);

  it('allows a request within every rule', () => {
    expect(check(request())).toBeUndefined();
  });

  it('refuses a group outside ALLOWED_GROUPS, naming the rule and the group', () => {
    expect(check(request({ clusterSecurityGroupName: 'finance-prod' }))).toEqual({
      rule: 'ALLOWED_GROUPS',
      message: 'clusterSecurityGroupName: "finance-prod" is not in ALLOWED_GROUPS (analytics-*, reporting)',
    });
  });

  it('refuses an authorize broader than MIN_CIDR_PREFIX, 0.0.0.0/0 included, but lets a revoke narrow access', () => {
    expect(check(request({ cidrIp: '10.0.0.0/8' }))).toEqual({
      rule: 'MIN_CIDR_PREFIX',
      message: 'cidrIp: 10.0.0.0/8 is broader than MIN_CIDR_PREFIX /16',
    });
    expect(check(request({ cidrIp: '0.0.0.0/0' }))?.rule).toBe('MIN_CIDR_PREFIX');
    expect(check(request({ cidrIp: '10.0.0.0/16' }))).toBeUndefined();
    expect(check(request({ cidrIp: '0.0.0.0/0', action: 'revoke' }))).toBeUndefined();
    expect(
      makePolicyCheck({ ...policy, minCidrPrefix: 0 })(request({ cidrIp: '0.0.0.0/0' })),
    ).toBeUndefined();
  });

  it('refuses an EC2 owner outside ALLOWED_EC2_OWNER_IDS, and allows any when unset', () => {
    const ec2 = request({
      cidrIp: undefined,
      ec2SecurityGroupName: 'bi',
      ec2SecurityGroupOwnerId: '111122223333',
    });
    expect(makePolicyCheck({ ...policy, allowedEc2OwnerIds: ['444455556666'] })(ec2)).toEqual({
      rule: 'ALLOWED_EC2_OWNER_IDS',
      message: 'ec2SecurityGroupOwnerId: account 111122223333 is not in ALLOWED_EC2_OWNER_IDS',
    });
    expect(makePolicyCheck({ ...policy, allowedEc2OwnerIds: ['111122223333'] })(ec2)).toBeUndefined();
    expect(check(ec2)).toBeUndefined();
  });

  it('requires ticket and approver on authorize when REQUIRE_APPROVAL is on, saying which is missing', () => {
    const strict = makePolicyCheck({ ...policy, requireApproval: true });
    expect(strict(request())).toEqual({
      rule: 'REQUIRE_APPROVAL',
      message: 'approval.ticket: is required; approval.approvedBy: is required (REQUIRE_APPROVAL is on)',
    });
    expect(strict(request({ approval: { ticket: 'CHG-1' } }))?.message).toBe(
      'approval.approvedBy: is required (REQUIRE_APPROVAL is on)',
    );
    expect(strict(request({ approval: { ticket: 'CHG-1', approvedBy: 'alice' } }))).toBeUndefined();
    expect(strict(request({ action: 'revoke' }))).toBeUndefined();
  });

  it('refuses a blank approval: only spaces, tabs, zero-width or control characters are not a value', () => {
    // Prepare
    const strict = makePolicyCheck({ ...policy, requireApproval: true });
    const blanks = [' ', '\t', '\u200b', '\u00a0\u2060', '\ufeff', '\u3164', '\u2800', '\u0301', '\r\n'];

    for (const blank of blanks) {
      // Act
      const refusal = strict(request({ approval: { ticket: blank, approvedBy: blank } }));

      // Assess
      expect(refusal, JSON.stringify(blank)).toEqual({
        rule: 'REQUIRE_APPROVAL',
        message:
          'approval.ticket: must contain a visible character (not only spaces, zero-width or control characters); approval.approvedBy: must contain a visible character (not only spaces, zero-width or control characters) (REQUIRE_APPROVAL is on)',
      });
    }
    expect(strict(request({ approval: { ticket: ' CHG-1 ', approvedBy: '\u200bélodie' } }))).toBeUndefined();
  });

  it('never holds a revoke to ALLOWED_EC2_OWNER_IDS, which only limits opening, but still to ALLOWED_GROUPS', () => {
    // Prepare
    const owners = makePolicyCheck({ ...policy, allowedEc2OwnerIds: ['444455556666'] });
    const foreign = {
      cidrIp: undefined,
      ec2SecurityGroupName: 'bi',
      ec2SecurityGroupOwnerId: '111122223333',
    };

    // Act
    const revoke = owners(request({ ...foreign, action: 'revoke' }));
    const authorize = owners(request(foreign));
    const otherGroup = owners(request({ ...foreign, action: 'revoke', clusterSecurityGroupName: 'billing' }));

    // Assess
    expect(revoke).toBeUndefined();
    expect(authorize?.rule).toBe('ALLOWED_EC2_OWNER_IDS');
    expect(otherGroup?.rule).toBe('ALLOWED_GROUPS');
  });
});

describe('hasVisibleCharacter', () => {
  it('finds a letter, digit, symbol or emoji, and nothing in white space, format or control characters', () => {
    for (const text of ['a', '7', '-', '\u{1F600}', '\u200ba', 'é', '\uFFFD'])
      expect(hasVisibleCharacter(text)).toBe(true);
    for (const text of ['', ' ', '\u2003', '\u200c\u200d', '\u0000\u001f', '\ud800', '\ufe0f', '\u180e'])
      expect(hasVisibleCharacter(text), JSON.stringify(text)).toBe(false);
  });
});
