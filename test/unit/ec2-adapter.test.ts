import {
  AuthorizeSecurityGroupIngressCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createEc2Ingress, ruleDescription } from '../../src/adapters/ec2.js';
import { RejectedError, TransientError } from '../../src/domain/errors.js';
import type { VpcPermission } from '../../src/domain/vpc.js';
import { rejectionOf } from '../helpers/emulator.js';
import { ec2Error, networkError } from '../helpers/vpc-errors.js';

const ec2Mock = mockClient(EC2Client);
const ec2 = createEc2Ingress(new EC2Client({ region: 'us-east-1' }));
const GROUP = 'sg-0123456789abcdef0';
const cidr: VpcPermission = { securityGroupId: GROUP, port: 5439, source: { cidrIp: '203.0.113.0/24' } };
const managedTags = [
  { Key: 'redshift-ingress:managed', Value: 'true' },
  { Key: 'redshift-ingress:request-id', Value: 'chg-1' },
];

describe('createEc2Ingress', () => {
  beforeEach(() => {
    ec2Mock.reset();
  });

  describe('authorize', () => {
    it('sends one tcp permission on one port with a description and the managed tags', async () => {
      // Prepare
      ec2Mock
        .on(AuthorizeSecurityGroupIngressCommand)
        .resolves({ Return: true, SecurityGroupRules: [{ SecurityGroupRuleId: 'sgr-0abc' }] });

      // Act
      const result = await ec2.authorize(cidr, 'chg-1');

      // Assess
      expect(result).toEqual({ status: 'authorized', securityGroupRuleId: 'sgr-0abc' });
      expect(ec2Mock).toHaveReceivedCommandExactlyOnceWith(AuthorizeSecurityGroupIngressCommand, {
        GroupId: GROUP,
        IpPermissions: [
          {
            IpProtocol: 'tcp',
            FromPort: 5439,
            ToPort: 5439,
            IpRanges: [{ CidrIp: '203.0.113.0/24', Description: 'redshift-ingress chg-1' }],
          },
        ],
        TagSpecifications: [{ ResourceType: 'security-group-rule', Tags: managedTags }],
      });
    });

    it.each([
      [
        { cidrIpv6: '2001:db8::/32' },
        { Ipv6Ranges: [{ CidrIpv6: '2001:db8::/32', Description: 'redshift-ingress chg-1' }] },
      ],
      [
        { prefixListId: 'pl-0123abcd' },
        { PrefixListIds: [{ PrefixListId: 'pl-0123abcd', Description: 'redshift-ingress chg-1' }] },
      ],
      [
        { sourceSecurityGroupId: 'sg-0aaa1111' },
        { UserIdGroupPairs: [{ GroupId: 'sg-0aaa1111', Description: 'redshift-ingress chg-1' }] },
      ],
      [
        { sourceSecurityGroupId: 'sg-0aaa1111', sourceSecurityGroupOwnerId: '111122223333' },
        {
          UserIdGroupPairs: [
            { GroupId: 'sg-0aaa1111', UserId: '111122223333', Description: 'redshift-ingress chg-1' },
          ],
        },
      ],
    ])('puts the source %o in its own field', async (source, fields) => {
      ec2Mock.on(AuthorizeSecurityGroupIngressCommand).resolves({ Return: true });
      const result = await ec2.authorize({ securityGroupId: GROUP, port: 8192, source }, 'chg-1');
      expect(result).toEqual({ status: 'authorized' });
      expect(ec2Mock).toHaveReceivedCommandWith(AuthorizeSecurityGroupIngressCommand, {
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 8192, ToPort: 8192, ...fields }],
      });
    });

    it('keeps only the characters EC2 allows in a description, and its 255-character limit', async () => {
      expect(ruleDescription('chg-1042/nyc (ok) #1')).toBe('redshift-ingress chg-1042/nyc (ok) #1');
      expect(ruleDescription('Zürich?<x>"é"')).toBe('redshift-ingress Z_rich__x____');
      expect(ruleDescription('x'.repeat(300))).toHaveLength(255);
    });

    it('reads InvalidPermission.Duplicate as already-authorized', async () => {
      ec2Mock.on(AuthorizeSecurityGroupIngressCommand).rejects(ec2Error('InvalidPermission.Duplicate'));
      expect(await ec2.authorize(cidr, 'chg-1')).toEqual({ status: 'already-authorized' });
    });

    it('rejects RulesPerSecurityGroupLimitExceeded naming the group and the limit', async () => {
      // Prepare
      ec2Mock
        .on(AuthorizeSecurityGroupIngressCommand)
        .rejects(
          ec2Error(
            'RulesPerSecurityGroupLimitExceeded',
            400,
            'The maximum number of rules per security group has been reached.',
          ),
        );

      // Act
      const error = await rejectionOf(ec2.authorize(cidr, 'chg-1'));

      // Assess
      expect(error).toBeInstanceOf(RejectedError);
      expect(error).toMatchObject({ code: 'RulesPerSecurityGroupLimitExceeded' });
      expect((error as Error).message).toMatch(
        /sg-0123456789abcdef0 already holds the most inbound rules it may \(60 by default, IPv4 and IPv6 counted apart/,
      );
      expect((error as Error).message).toMatch(
        /The maximum number of rules per security group has been reached\.$/,
      );
    });

    it.each([
      ['InvalidGroup.NotFound', /sg-0123456789abcdef0 \(or the source group\) does not exist/],
      ['InvalidGroupId.Malformed', /malformed security group id \(sg-0123456789abcdef0\)/],
      ['InvalidParameterValue', /EC2 refused a parameter value/],
      ['MissingParameter', /EC2 is missing a parameter/],
      ['InvalidPermission.Malformed', /refused the permission as malformed/],
    ])('rejects %s', async (code, message) => {
      ec2Mock.on(AuthorizeSecurityGroupIngressCommand).rejects(ec2Error(code));
      const error = await rejectionOf(ec2.authorize(cidr, 'chg-1'));
      expect(error).toBeInstanceOf(RejectedError);
      expect(error).toMatchObject({ code, message: expect.stringMatching(message) });
    });

    it.each([
      ['RequestLimitExceeded', ec2Error('RequestLimitExceeded', 503), 'RequestLimitExceeded', /throttled/],
      [
        'RequestLimitExceeded (400)',
        ec2Error('RequestLimitExceeded', 400),
        'RequestLimitExceeded',
        /throttled/,
      ],
      ['UnauthorizedOperation', ec2Error('UnauthorizedOperation', 403), 'UnauthorizedOperation', /IAM role/],
      ['InternalError', ec2Error('InternalError', 500), 'InternalError', /AWS server error/],
      ['Unavailable', ec2Error('Unavailable', 503), 'Unavailable', /AWS server error/],
      ['a network error', networkError(), 'NetworkError', /ECONNRESET/],
    ])('counts %s as transient', async (_label, thrown, code, message) => {
      ec2Mock.on(AuthorizeSecurityGroupIngressCommand).rejects(thrown);
      const error = await rejectionOf(ec2.authorize(cidr, 'chg-1'));
      expect(error).toBeInstanceOf(TransientError);
      expect(error).toMatchObject({ code, message: expect.stringMatching(message) });
      expect((error as Error).cause).toBe(thrown);
    });

    it('says which group to tag when the role may not change it', async () => {
      ec2Mock.on(AuthorizeSecurityGroupIngressCommand).rejects(ec2Error('UnauthorizedOperation', 403));
      const error = await rejectionOf(ec2.authorize(cidr, 'chg-1'));
      expect(error).toMatchObject({
        name: 'TransientError',
        message: expect.stringContaining(
          `tagged redshift-ingress:managed=true, or those named in changeableSecurityGroupIds when deploying: tag ${GROUP}`,
        ),
      });
    });
  });

  describe('revoke', () => {
    it('reports revoked when EC2 says it removed the rule', async () => {
      // Prepare
      ec2Mock.on(RevokeSecurityGroupIngressCommand).resolves({
        Return: true,
        RevokedSecurityGroupRules: [{ SecurityGroupRuleId: 'sgr-0abc' }],
      });

      // Act
      const result = await ec2.revoke(cidr);

      // Assess
      expect(result).toEqual({ status: 'revoked', securityGroupRuleId: 'sgr-0abc' });
      expect(ec2Mock).toHaveReceivedCommandExactlyOnceWith(RevokeSecurityGroupIngressCommand, {
        GroupId: GROUP,
        IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 5439, ToPort: 5439, IpRanges: [{ CidrIp: '203.0.113.0/24' }] },
        ],
      });
    });

    it('reads InvalidPermission.NotFound as already-revoked', async () => {
      ec2Mock.on(RevokeSecurityGroupIngressCommand).rejects(ec2Error('InvalidPermission.NotFound'));
      expect(await ec2.revoke(cidr)).toEqual({ status: 'already-revoked' });
    });

    it('reads a 200 with Return false as already-revoked (a default VPC)', async () => {
      ec2Mock.on(RevokeSecurityGroupIngressCommand).resolves({ Return: false });
      expect(await ec2.revoke(cidr)).toEqual({ status: 'already-revoked' });
    });

    it('reads any UnknownIpPermissions as already-revoked, even with Return true', async () => {
      ec2Mock.on(RevokeSecurityGroupIngressCommand).resolves({
        Return: true,
        UnknownIpPermissions: [
          { IpProtocol: 'tcp', FromPort: 5439, ToPort: 5439, IpRanges: [{ CidrIp: '203.0.113.0/24' }] },
        ],
      });
      expect(await ec2.revoke(cidr)).toEqual({ status: 'already-revoked' });
    });

    it('never reports revoked from an answer without Return', async () => {
      ec2Mock.on(RevokeSecurityGroupIngressCommand).resolves({});
      expect(await ec2.revoke(cidr)).toEqual({ status: 'already-revoked' });
    });

    it('rejects InvalidGroup.NotFound and counts RequestLimitExceeded as transient', async () => {
      ec2Mock
        .on(RevokeSecurityGroupIngressCommand)
        .rejectsOnce(ec2Error('InvalidGroup.NotFound'))
        .rejectsOnce(ec2Error('RequestLimitExceeded', 503));
      expect(await rejectionOf(ec2.revoke(cidr))).toMatchObject({
        name: 'RejectedError',
        code: 'InvalidGroup.NotFound',
      });
      expect(await rejectionOf(ec2.revoke(cidr))).toMatchObject({
        name: 'TransientError',
        code: 'RequestLimitExceeded',
      });
    });
  });

  describe('revokeRule', () => {
    it('revokes one rule by its id', async () => {
      ec2Mock.on(RevokeSecurityGroupIngressCommand).resolves({
        Return: true,
        RevokedSecurityGroupRules: [{ SecurityGroupRuleId: 'sgr-0abc' }],
      });
      expect(await ec2.revokeRule(GROUP, 'sgr-0abc')).toEqual({
        status: 'revoked',
        securityGroupRuleId: 'sgr-0abc',
      });
      expect(ec2Mock).toHaveReceivedCommandExactlyOnceWith(RevokeSecurityGroupIngressCommand, {
        GroupId: GROUP,
        SecurityGroupRuleIds: ['sgr-0abc'],
      });
    });

    it.each([
      ['InvalidSecurityGroupRuleId.NotFound', ec2Error('InvalidSecurityGroupRuleId.NotFound')],
      ['InvalidPermission.NotFound', ec2Error('InvalidPermission.NotFound')],
    ])('reads %s as already-revoked', async (_code, thrown) => {
      ec2Mock.on(RevokeSecurityGroupIngressCommand).rejects(thrown);
      expect(await ec2.revokeRule(GROUP, 'sgr-0abc')).toEqual({ status: 'already-revoked' });
    });

    it('reads Return false as already-revoked', async () => {
      ec2Mock.on(RevokeSecurityGroupIngressCommand).resolves({ Return: false });
      expect(await ec2.revokeRule(GROUP, 'sgr-0abc')).toEqual({ status: 'already-revoked' });
    });

    it('rejects a malformed rule id', async () => {
      ec2Mock.on(RevokeSecurityGroupIngressCommand).rejects(ec2Error('InvalidSecurityGroupRuleId.Malformed'));
      expect(await rejectionOf(ec2.revokeRule(GROUP, 'nope'))).toMatchObject({
        name: 'RejectedError',
        code: 'InvalidSecurityGroupRuleId.Malformed',
      });
    });
  });

  describe('listRules', () => {
    it('follows NextToken, keeps inbound rules only, and reads every kind of source with its tags', async () => {
      // Prepare
      ec2Mock
        .on(DescribeSecurityGroupRulesCommand)
        .resolvesOnce({
          SecurityGroupRules: [
            {
              SecurityGroupRuleId: 'sgr-1',
              GroupId: GROUP,
              IsEgress: false,
              IpProtocol: 'tcp',
              FromPort: 5439,
              ToPort: 5439,
              CidrIpv4: '203.0.113.0/24',
              Description: 'redshift-ingress chg-1',
              Tags: managedTags,
            },
            {
              SecurityGroupRuleId: 'sgr-egress',
              GroupId: GROUP,
              IsEgress: true,
              IpProtocol: '-1',
              CidrIpv4: '0.0.0.0/0',
            },
          ],
          NextToken: 'page-2',
        })
        .resolvesOnce({
          SecurityGroupRules: [
            {
              SecurityGroupRuleId: 'sgr-2',
              GroupId: GROUP,
              IsEgress: false,
              IpProtocol: 'tcp',
              FromPort: 1,
              ToPort: 2,
              CidrIpv6: '2001:db8::/32',
            },
            {
              SecurityGroupRuleId: 'sgr-3',
              GroupId: GROUP,
              IsEgress: false,
              IpProtocol: '-1',
              PrefixListId: 'pl-0123abcd',
            },
            {
              SecurityGroupRuleId: 'sgr-4',
              GroupId: GROUP,
              IsEgress: false,
              IpProtocol: 'tcp',
              FromPort: 5439,
              ToPort: 5439,
              ReferencedGroupInfo: { GroupId: 'sg-0aaa1111', UserId: '111122223333' },
            },
          ],
        });

      // Act
      const rules = await ec2.listRules(GROUP);

      // Assess
      expect(rules).toEqual([
        {
          securityGroupRuleId: 'sgr-1',
          securityGroupId: GROUP,
          protocol: 'tcp',
          fromPort: 5439,
          toPort: 5439,
          source: { cidrIp: '203.0.113.0/24' },
          description: 'redshift-ingress chg-1',
          tags: { 'redshift-ingress:managed': 'true', 'redshift-ingress:request-id': 'chg-1' },
        },
        {
          securityGroupRuleId: 'sgr-2',
          securityGroupId: GROUP,
          protocol: 'tcp',
          fromPort: 1,
          toPort: 2,
          source: { cidrIpv6: '2001:db8::/32' },
          tags: {},
        },
        {
          securityGroupRuleId: 'sgr-3',
          securityGroupId: GROUP,
          protocol: '-1',
          fromPort: -1,
          toPort: -1,
          source: { prefixListId: 'pl-0123abcd' },
          tags: {},
        },
        {
          securityGroupRuleId: 'sgr-4',
          securityGroupId: GROUP,
          protocol: 'tcp',
          fromPort: 5439,
          toPort: 5439,
          source: { sourceSecurityGroupId: 'sg-0aaa1111', sourceSecurityGroupOwnerId: '111122223333' },
          tags: {},
        },
      ]);
      expect(ec2Mock).toHaveReceivedCommandTimes(DescribeSecurityGroupRulesCommand, 2);
      expect(ec2Mock).toHaveReceivedNthCommandWith(DescribeSecurityGroupRulesCommand, 1, {
        Filters: [{ Name: 'group-id', Values: [GROUP] }],
        MaxResults: 1000,
      });
      expect(ec2Mock).toHaveReceivedNthCommandWith(DescribeSecurityGroupRulesCommand, 2, {
        Filters: [{ Name: 'group-id', Values: [GROUP] }],
        MaxResults: 1000,
        NextToken: 'page-2',
      });
    });

    it('reports a failed read as transient naming the group', async () => {
      ec2Mock.on(DescribeSecurityGroupRulesCommand).rejects(ec2Error('RequestLimitExceeded', 503));
      expect(await rejectionOf(ec2.listRules(GROUP))).toMatchObject({
        name: 'TransientError',
        code: 'RequestLimitExceeded',
        message: expect.stringMatching(/cannot list the rules of sg-0123456789abcdef0/),
      });
    });
  });

  describe('describeGroups', () => {
    it('returns the groups with their tags in the order asked', async () => {
      ec2Mock.on(DescribeSecurityGroupsCommand).resolves({
        SecurityGroups: [
          {
            GroupId: 'sg-0bbb2222',
            VpcId: 'vpc-1',
            Tags: [{ Key: 'redshift-ingress:managed', Value: 'true' }],
          },
          { GroupId: 'sg-0aaa1111', VpcId: 'vpc-1' },
        ],
      });
      expect(await ec2.describeGroups(['sg-0aaa1111', 'sg-0bbb2222'])).toEqual([
        { securityGroupId: 'sg-0aaa1111', vpcId: 'vpc-1', tags: {} },
        { securityGroupId: 'sg-0bbb2222', vpcId: 'vpc-1', tags: { 'redshift-ingress:managed': 'true' } },
      ]);
      expect(ec2Mock).toHaveReceivedCommandWith(DescribeSecurityGroupsCommand, {
        GroupIds: ['sg-0aaa1111', 'sg-0bbb2222'],
      });
    });

    it('asks nothing for no groups', async () => {
      expect(await ec2.describeGroups([])).toEqual([]);
      expect(ec2Mock).not.toHaveReceivedCommand(DescribeSecurityGroupsCommand);
    });

    it('rejects a group that does not exist', async () => {
      ec2Mock.on(DescribeSecurityGroupsCommand).rejects(ec2Error('InvalidGroup.NotFound'));
      expect(await rejectionOf(ec2.describeGroups(['sg-0aaa1111']))).toMatchObject({
        name: 'RejectedError',
        code: 'InvalidGroup.NotFound',
      });
    });

    it('names the IAM role, not a tag, when describing is denied', async () => {
      ec2Mock.on(DescribeSecurityGroupsCommand).rejects(ec2Error('UnauthorizedOperation', 403));
      const error = await rejectionOf(ec2.describeGroups(['sg-0aaa1111']));
      expect(error).toMatchObject({ name: 'TransientError', message: expect.stringMatching(/IAM role/) });
      expect((error as Error).message).not.toContain('changeableSecurityGroupIds');
    });
  });
});
