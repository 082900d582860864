import { describe, expect, it } from 'vitest';
import {
  compileGroupPatterns,
  hasVisibleCharacter,
  makePolicyCheck,
  type Policy,
} from '../../src/domain/policy.js';
import { type IngressRequest, parseRequest } from '../../src/domain/request.js';
import { type IngressRequestV2, parseRequestV2 } from '../../src/domain/request-v2.js';
import { requestBody, vpcRequestBody } from '../helpers/factories.js';

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

describe('makePolicyCheck on VPC targets', () => {
  const vpcPolicy: Policy = {
    allowedGroups: [],
    allowedClusters: ['analytics-*'],
    allowedWorkgroups: ['bi-reports'],
    allowedSecurityGroupIds: ['sg-0d00d00d'],
    minCidrPrefix: 16,
    allowedEc2OwnerIds: ['111122223333'],
    allowedPrefixListIds: ['pl-0a1b2c3d'],
    requireApproval: true,
  };
  const check = makePolicyCheck(vpcPolicy);
  const approval = { ticket: 'CHG-1', approvedBy: 'alice@example.com' };
  const vpc = (overrides: Record<string, unknown> = {}): IngressRequestV2 => {
    const result = parseRequestV2(JSON.stringify(vpcRequestBody({ approval, ...overrides })), 'msg');
    if (!result.ok) throw new Error(`invalid test request: ${JSON.stringify(result.problems)}`);
    return result.request;
  };
  const revoke = { action: 'revoke' };

  it('allows a cluster, a workgroup and a security group on their allowlists', () => {
    expect(check(vpc())).toBeUndefined();
    expect(check(vpc({ securityGroupId: 'sg-0bbb2222' }))).toBeUndefined();
    expect(check(vpc({ clusterIdentifier: undefined, workgroupName: 'bi-reports' }))).toBeUndefined();
    expect(check(vpc({ clusterIdentifier: undefined, securityGroupId: 'sg-0d00d00d' }))).toBeUndefined();
  });

  it.each([
    [
      { clusterIdentifier: 'payments' },
      'ALLOWED_CLUSTERS',
      'clusterIdentifier: "payments" is not in ALLOWED_CLUSTERS (analytics-*)',
    ],
    [
      { clusterIdentifier: undefined, workgroupName: 'bi-adhoc' },
      'ALLOWED_WORKGROUPS',
      'workgroupName: "bi-adhoc" is not in ALLOWED_WORKGROUPS (bi-reports)',
    ],
    [
      { clusterIdentifier: undefined, securityGroupId: 'sg-0bbb2222' },
      'ALLOWED_SECURITY_GROUP_IDS',
      'securityGroupId: "sg-0bbb2222" is not in ALLOWED_SECURITY_GROUP_IDS (sg-0d00d00d)',
    ],
  ])('refuses a target outside its allowlist, on authorize and on revoke: %j', (overrides, rule, message) => {
    expect(check(vpc(overrides))).toEqual({ rule, message });
    expect(check(vpc({ ...overrides, ...revoke }))).toEqual({ rule, message });
  });

  it('allows nothing of a kind whose allowlist is unset', () => {
    const groupsOnly = makePolicyCheck({
      allowedGroups: ['analytics-*'],
      minCidrPrefix: 16,
      requireApproval: false,
    });
    expect(groupsOnly(vpc())?.message).toBe(
      'clusterIdentifier: "analytics-prod" is not in ALLOWED_CLUSTERS (empty: nothing is allowed)',
    );
    expect(groupsOnly(vpc({ clusterIdentifier: undefined, workgroupName: 'bi-reports' }))?.rule).toBe(
      'ALLOWED_WORKGROUPS',
    );
  });

  it.each([
    [{ cidrIp: '10.0.0.0/8' }, 'MIN_CIDR_PREFIX', 'cidrIp: 10.0.0.0/8 is broader than MIN_CIDR_PREFIX /16'],
    [
      { cidrIp: undefined, cidrIpv6: '2001:db8::/32' },
      'MIN_CIDR_PREFIX_V6',
      'cidrIpv6: 2001:db8::/32 is broader than MIN_CIDR_PREFIX_V6 /48',
    ],
    [
      { cidrIp: undefined, sourceSecurityGroupId: 'sg-0eee5555', sourceSecurityGroupOwnerId: '999988887777' },
      'ALLOWED_EC2_OWNER_IDS',
      'sourceSecurityGroupOwnerId: account 999988887777 is not in ALLOWED_EC2_OWNER_IDS',
    ],
    [
      { cidrIp: undefined, prefixListId: 'pl-0fff' },
      'ALLOWED_PREFIX_LIST_IDS',
      'prefixListId: pl-0fff is not in ALLOWED_PREFIX_LIST_IDS',
    ],
  ])(
    'refuses opening to a source beyond the limits, but never holds a revoke to them: %j',
    (overrides, rule, message) => {
      expect(check(vpc(overrides))).toEqual({ rule, message });
      expect(check(vpc({ ...overrides, ...revoke }))).toBeUndefined();
    },
  );

  it('takes the IPv6 default of /48 and lets ::/0 through only with MIN_CIDR_PREFIX_V6=0', () => {
    const ipv6 = { cidrIp: undefined, cidrIpv6: '2001:db8::/48' };
    expect(check(vpc(ipv6))).toBeUndefined();
    expect(check(vpc({ ...ipv6, cidrIpv6: '::/0' }))?.rule).toBe('MIN_CIDR_PREFIX_V6');
    const open = makePolicyCheck({ ...vpcPolicy, minCidrPrefixV6: 0 });
    expect(open(vpc({ ...ipv6, cidrIpv6: '::/0' }))).toBeUndefined();
  });

  it('allows a source group of the own account (no owner) and any prefix list when the allowlists are unset', () => {
    const any = makePolicyCheck({
      ...vpcPolicy,
      allowedEc2OwnerIds: undefined,
      allowedPrefixListIds: undefined,
    });
    expect(check(vpc({ cidrIp: undefined, sourceSecurityGroupId: 'sg-0eee5555' }))).toBeUndefined();
    expect(any(vpc({ cidrIp: undefined, prefixListId: 'pl-0fff' }))).toBeUndefined();
    expect(
      any(
        vpc({
          cidrIp: undefined,
          sourceSecurityGroupId: 'sg-0eee5555',
          sourceSecurityGroupOwnerId: '999988887777',
        }),
      ),
    ).toBeUndefined();
  });

  it('holds a VPC authorize to REQUIRE_APPROVAL, and a v2 cluster security group request to ALLOWED_GROUPS', () => {
    expect(check(vpc({ approval: undefined }))?.rule).toBe('REQUIRE_APPROVAL');
    expect(check(vpc({ approval: undefined, ...revoke }))).toBeUndefined();
    expect(
      check(vpc({ clusterIdentifier: undefined, clusterSecurityGroupName: 'analytics-prod' }))?.rule,
    ).toBe('ALLOWED_GROUPS');
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
