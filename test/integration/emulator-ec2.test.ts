import {
  AuthorizeSecurityGroupIngressCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../local/emulator/index.js';
import { createEc2Ingress } from '../../src/adapters/ec2.js';
import { rejectionOf } from '../helpers/emulator.js';

let emulator: Emulator;
let ec2: EC2Client;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, host: '127.0.0.1' });
  ec2 = new EC2Client({
    endpoint: emulator.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  ec2?.destroy();
  await emulator?.close();
});

beforeEach(() => {
  emulator.reset();
});

const tcp = (port: number, ranges: Record<string, unknown>) => ({
  IpProtocol: 'tcp',
  FromPort: port,
  ToPort: port,
  ...ranges,
});

async function postForm(params: Record<string, string>): Promise<{ status: number; body: string }> {
  const response = await fetch(emulator.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ Version: '2016-11-15', ...params }).toString(),
  });
  return { status: response.status, body: await response.text() };
}

describe('emulated EC2 security groups', () => {
  it('answers on the ec2 query protocol: no Result element, errors in <Response><Errors>', async () => {
    // Prepare
    const { groupId } = emulator.createSecurityGroup();

    // Act
    const ok = await postForm({ Action: 'DescribeSecurityGroups', 'GroupId.1': groupId });
    const missing = await postForm({ Action: 'DescribeSecurityGroups', 'GroupId.1': 'sg-0123456789abcdef0' });

    // Assess
    expect(ok.status).toBe(200);
    expect(ok.body).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<DescribeSecurityGroupsResponse xmlns="http:\/\/ec2.amazonaws.com\/doc\/2016-11-15\/"><requestId>[^<]+<\/requestId><securityGroupInfo><item>/,
    );
    expect(ok.body).not.toContain('Result>');
    expect(missing.status).toBe(400);
    expect(missing.body).toMatch(
      /<Response><Errors><Error><Code>InvalidGroup.NotFound<\/Code><Message>The security group &apos;sg-0123456789abcdef0&apos; does not exist<\/Message><\/Error><\/Errors><RequestID>[^<]+<\/RequestID><\/Response>$/,
    );
  });

  it('authorizes every kind of source in one call, returning the rules with ids and tags', async () => {
    // Prepare
    const { groupId } = emulator.createSecurityGroup();
    const peer = emulator.createSecurityGroup();

    // Act
    const output = await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [
          tcp(5439, {
            IpRanges: [{ CidrIp: '100.68.0.18/18', Description: 'office' }],
            Ipv6Ranges: [{ CidrIpv6: '2001:DB8:0:0::1/32' }],
            UserIdGroupPairs: [{ GroupId: peer.groupId }],
            PrefixListIds: [{ PrefixListId: 'pl-0123abcd' }],
          }),
        ],
        TagSpecifications: [{ ResourceType: 'security-group-rule', Tags: [{ Key: 'team', Value: 'bi' }] }],
      }),
    );

    // Assess
    expect(output.Return).toBe(true);
    const rules = output.SecurityGroupRules ?? [];
    expect(rules).toHaveLength(4);
    // EC2 keeps the network address of a CIDR with host bits set, and IPv6 in its compact form.
    expect(
      rules.map(
        (rule) => rule.CidrIpv4 ?? rule.CidrIpv6 ?? rule.PrefixListId ?? rule.ReferencedGroupInfo?.GroupId,
      ),
    ).toEqual(['100.68.0.0/18', '2001:db8::/32', peer.groupId, 'pl-0123abcd']);
    expect(rules[0]).toMatchObject({
      SecurityGroupRuleId: expect.stringMatching(/^sgr-[0-9a-f]{17}$/),
      GroupId: groupId,
      GroupOwnerId: '000000000000',
      IsEgress: false,
      IpProtocol: 'tcp',
      FromPort: 5439,
      ToPort: 5439,
      Description: 'office',
      Tags: [{ Key: 'team', Value: 'bi' }],
    });
    expect(rules[2]?.ReferencedGroupInfo).toEqual({ GroupId: peer.groupId, UserId: '000000000000' });
  });

  it('refuses a duplicate whatever its description, and the whole call with it', async () => {
    // Prepare
    const { groupId } = emulator.createSecurityGroup();
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [tcp(5439, { IpRanges: [{ CidrIp: '203.0.113.0/24', Description: 'first' }] })],
      }),
    );

    // Act
    const error = await rejectionOf(
      ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: groupId,
          IpPermissions: [
            tcp(5439, {
              IpRanges: [{ CidrIp: '198.51.100.0/24' }, { CidrIp: '203.0.113.0/24', Description: 'other' }],
            }),
          ],
        }),
      ),
    );

    // Assess
    expect(error).toMatchObject({ name: 'InvalidPermission.Duplicate', $metadata: { httpStatusCode: 400 } });
    const [group] = emulator.securityGroups();
    expect(group?.rules.filter((rule) => !rule.isEgress).map((rule) => rule.source.value)).toEqual([
      '203.0.113.0/24',
    ]);
  });

  it('refuses bad input with EC2’s codes', async () => {
    const { groupId } = emulator.createSecurityGroup();
    const authorize = (input: Record<string, unknown>) =>
      rejectionOf(ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, ...input })));
    expect(
      await authorize({ IpPermissions: [tcp(5439, { IpRanges: [{ CidrIp: '300.1.1.1/24' }] })] }),
    ).toMatchObject({
      name: 'InvalidParameterValue',
    });
    expect(
      await authorize({
        IpPermissions: [tcp(5439, { IpRanges: [{ CidrIp: '10.0.0.0/8', Description: 'bad?' }] })],
      }),
    ).toMatchObject({
      name: 'InvalidParameterValue',
      message: expect.stringMatching(/Invalid rule description/),
    });
    expect(await authorize({ IpPermissions: [] })).toMatchObject({ name: 'MissingParameter' });
    expect(
      await authorize({ IpPermissions: [tcp(5439, { PrefixListIds: [{ PrefixListId: 'nope' }] })] }),
    ).toMatchObject({ name: 'InvalidPrefixListId.Malformed' });
    expect(
      await authorize({
        IpPermissions: [tcp(5439, { UserIdGroupPairs: [{ GroupId: 'sg-0123456789abcdef0' }] })],
      }),
    ).toMatchObject({ name: 'InvalidGroup.NotFound' });
    expect(
      await authorize({
        IpPermissions: [tcp(5439, { IpRanges: [{ CidrIp: '10.0.0.0/8' }] })],
        TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: 'a', Value: 'b' }] }],
      }),
    ).toMatchObject({ name: 'InvalidParameterValue' });
    expect(
      await rejectionOf(
        ec2.send(
          new AuthorizeSecurityGroupIngressCommand({
            GroupId: 'sg-xyz',
            IpPermissions: [tcp(5439, { IpRanges: [{ CidrIp: '10.0.0.0/8' }] })],
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidGroupId.Malformed' });
  });

  it('holds 60 IPv4 and 60 IPv6 inbound rules per group, counted apart; group references count for both', async () => {
    // Prepare
    const { groupId } = emulator.createSecurityGroup();
    const peer = emulator.createSecurityGroup();
    const add = (ranges: Record<string, unknown>) =>
      ec2.send(
        new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: [tcp(5439, ranges)] }),
      );
    await add({ IpRanges: Array.from({ length: 59 }, (_, index) => ({ CidrIp: `10.${index}.0.0/16` })) });
    await add({
      Ipv6Ranges: Array.from({ length: 59 }, (_, index) => ({
        CidrIpv6: `2001:db8:${index.toString(16)}::/48`,
      })),
    });
    await add({ UserIdGroupPairs: [{ GroupId: peer.groupId }] });

    // Act
    const v4 = await rejectionOf(add({ IpRanges: [{ CidrIp: '192.0.2.0/24' }] }));
    const v6 = await rejectionOf(add({ Ipv6Ranges: [{ CidrIpv6: '2001:db8:ffff::/48' }] }));

    // Assess
    for (const error of [v4, v6]) {
      expect(error).toMatchObject({
        name: 'RulesPerSecurityGroupLimitExceeded',
        message: 'The maximum number of rules per security group has been reached.',
        $metadata: { httpStatusCode: 400 },
      });
    }
  });

  it('revokes by permission or by rule id; a missing rule is NotFound outside a default VPC', async () => {
    // Prepare
    const { groupId } = emulator.createSecurityGroup();
    const { SecurityGroupRules = [] } = await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [
          tcp(5439, { IpRanges: [{ CidrIp: '203.0.113.0/24' }, { CidrIp: '198.51.100.0/24' }] }),
        ],
      }),
    );
    const [first, second] = SecurityGroupRules.map((rule) => rule.SecurityGroupRuleId ?? '');

    // Act
    const byPermission = await ec2.send(
      new RevokeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [tcp(5439, { IpRanges: [{ CidrIp: '203.0.113.0/24' }] })],
      }),
    );
    const byId = await ec2.send(
      new RevokeSecurityGroupIngressCommand({ GroupId: groupId, SecurityGroupRuleIds: [second ?? ''] }),
    );
    const missing = await rejectionOf(
      ec2.send(
        new RevokeSecurityGroupIngressCommand({
          GroupId: groupId,
          IpPermissions: [tcp(5439, { IpRanges: [{ CidrIp: '203.0.113.0/24' }] })],
        }),
      ),
    );
    const missingId = await rejectionOf(
      ec2.send(
        new RevokeSecurityGroupIngressCommand({ GroupId: groupId, SecurityGroupRuleIds: [first ?? ''] }),
      ),
    );

    // Assess
    expect(byPermission).toMatchObject({
      Return: true,
      RevokedSecurityGroupRules: [
        { SecurityGroupRuleId: first, CidrIpv4: '203.0.113.0/24', IsEgress: false },
      ],
    });
    expect(byPermission.UnknownIpPermissions).toBeUndefined();
    expect(byId).toMatchObject({
      Return: true,
      RevokedSecurityGroupRules: [{ SecurityGroupRuleId: second }],
    });
    expect(missing).toMatchObject({ name: 'InvalidPermission.NotFound', $metadata: { httpStatusCode: 400 } });
    expect(missingId).toMatchObject({ name: 'InvalidSecurityGroupRuleId.NotFound' });
  });

  it('answers a missing rule in a default VPC with 200, Return false and UnknownIpPermissions', async () => {
    // Prepare
    const { groupId } = emulator.createSecurityGroup({ defaultVpc: true });
    const ec2Ingress = createEc2Ingress(ec2);

    // Act
    const output = await ec2.send(
      new RevokeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [tcp(5439, { IpRanges: [{ CidrIp: '203.0.113.0/24' }] })],
      }),
    );
    const status = await ec2Ingress.revoke({
      securityGroupId: groupId,
      port: 5439,
      source: { cidrIp: '203.0.113.0/24' },
    });

    // Assess
    expect(output.Return).toBe(false);
    expect(output.UnknownIpPermissions).toEqual([
      expect.objectContaining({
        IpProtocol: 'tcp',
        FromPort: 5439,
        ToPort: 5439,
        IpRanges: [{ CidrIp: '203.0.113.0/24' }],
      }),
    ]);
    expect(status).toEqual({ status: 'already-revoked' });
  });

  it('filters rules by group-id, security-group-rule-id and tag, and pages them with NextToken', async () => {
    // Prepare
    const { groupId } = emulator.createSecurityGroup();
    const other = emulator.createSecurityGroup();
    const { SecurityGroupRules = [] } = await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [
          tcp(5439, {
            IpRanges: Array.from({ length: 12 }, (_, index) => ({ CidrIp: `10.${index}.0.0/16` })),
          }),
        ],
        TagSpecifications: [
          { ResourceType: 'security-group-rule', Tags: [{ Key: 'redshift-ingress:managed', Value: 'true' }] },
        ],
      }),
    );
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: other.groupId,
        IpPermissions: [tcp(5439, { IpRanges: [{ CidrIp: '192.0.2.0/24' }] })],
      }),
    );

    // Act
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const page = await ec2.send(
        new DescribeSecurityGroupRulesCommand({
          Filters: [{ Name: 'group-id', Values: [groupId] }],
          MaxResults: 5,
          ...(token && { NextToken: token }),
        }),
      );
      pages.push((page.SecurityGroupRules ?? []).map((rule) => rule.SecurityGroupRuleId ?? ''));
      token = page.NextToken;
    } while (token);
    const tagged = await ec2.send(
      new DescribeSecurityGroupRulesCommand({
        Filters: [{ Name: 'tag:redshift-ingress:managed', Values: ['true'] }],
      }),
    );
    const byId = await ec2.send(
      new DescribeSecurityGroupRulesCommand({
        Filters: [
          { Name: 'security-group-rule-id', Values: [SecurityGroupRules[3]?.SecurityGroupRuleId ?? ''] },
        ],
      }),
    );

    // Assess: 12 inbound rules and the egress rule every group starts with, five to a page.
    expect(pages.map((page) => page.length)).toEqual([5, 5, 3]);
    expect(new Set(pages.flat()).size).toBe(13);
    expect(tagged.SecurityGroupRules).toHaveLength(12);
    expect(byId.SecurityGroupRules?.map((rule) => rule.CidrIpv4)).toEqual(['10.3.0.0/16']);
  });

  it('refuses MaxResults outside 5-1000, a bad NextToken and an unknown filter', async () => {
    const describe = (input: Record<string, unknown>) =>
      rejectionOf(ec2.send(new DescribeSecurityGroupRulesCommand(input)));
    expect(await describe({ MaxResults: 4 })).toMatchObject({ name: 'InvalidParameterValue' });
    expect(await describe({ MaxResults: 1001 })).toMatchObject({ name: 'InvalidParameterValue' });
    expect(await describe({ NextToken: 'garbage' })).toMatchObject({ name: 'InvalidPaginationToken' });
    expect(await describe({ Filters: [{ Name: 'nope', Values: ['x'] }] })).toMatchObject({
      name: 'InvalidParameterValue',
    });
  });

  it('describes groups with tags, grouped permissions and the egress rule', async () => {
    // Prepare
    const { groupId } = emulator.createSecurityGroup({
      groupName: 'bi',
      tags: { 'redshift-ingress:managed': 'true' },
    });
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [
          tcp(5439, {
            IpRanges: [{ CidrIp: '203.0.113.0/24' }],
            Ipv6Ranges: [{ CidrIpv6: '2001:db8::/32' }],
          }),
        ],
      }),
    );

    // Act
    const { SecurityGroups = [] } = await ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [{ Name: 'tag:redshift-ingress:managed', Values: ['true'] }],
      }),
    );

    // Assess
    expect(SecurityGroups).toEqual([
      expect.objectContaining({
        GroupId: groupId,
        GroupName: 'bi',
        OwnerId: '000000000000',
        Tags: [{ Key: 'redshift-ingress:managed', Value: 'true' }],
        IpPermissions: [
          expect.objectContaining({
            IpProtocol: 'tcp',
            FromPort: 5439,
            ToPort: 5439,
            IpRanges: [{ CidrIp: '203.0.113.0/24' }],
            Ipv6Ranges: [{ CidrIpv6: '2001:db8::/32' }],
          }),
        ],
        IpPermissionsEgress: [
          expect.objectContaining({ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }),
        ],
      }),
    ]);
  });

  it('injects EC2’s faults: RequestLimitExceeded 503, UnauthorizedOperation 403, InternalError 500', async () => {
    // Prepare
    const { groupId } = emulator.createSecurityGroup();
    const ec2Ingress = createEc2Ingress(ec2);
    const permission = { securityGroupId: groupId, port: 5439, source: { cidrIp: '203.0.113.0/24' } };
    const kinds = ['Throttling', 'AccessDenied', 'InternalError500'] as const;
    const errors: unknown[] = [];

    // Act
    for (const kind of kinds) {
      emulator.faults.setRules([
        { service: 'ec2', operation: 'AuthorizeSecurityGroupIngress', errorRate: 1, errors: [kind] },
      ]);
      errors.push(await rejectionOf(ec2Ingress.authorize(permission, 'chg-1')));
    }

    // Assess
    expect(errors).toEqual([
      expect.objectContaining({ name: 'TransientError', code: 'RequestLimitExceeded' }),
      expect.objectContaining({ name: 'TransientError', code: 'UnauthorizedOperation' }),
      expect.objectContaining({ name: 'TransientError', code: 'InternalError' }),
    ]);
    expect(
      errors.map(
        (error) =>
          (error as Error & { cause: { $metadata: { httpStatusCode: number } } }).cause.$metadata
            .httpStatusCode,
      ),
    ).toEqual([503, 403, 500]);
    expect(emulator.securityGroups()[0]?.rules.filter((rule) => !rule.isEgress)).toEqual([]);
  });
});
