import {
  AuthorizeSecurityGroupIngressCommand,
  DescribeSecurityGroupRulesCommand,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../local/emulator/index.js';
import { createEc2Ingress, type Ec2Ingress } from '../../src/adapters/ec2.js';
import { createRedshiftClusters, type RedshiftClusters } from '../../src/adapters/redshift.js';
import type { VpcPermission } from '../../src/domain/vpc.js';
import { rejectionOf } from '../helpers/emulator.js';
import { describeWithMoto, type MotoServer, startMoto } from '../helpers/moto.js';
import { emulatorBackend, motoBackend, type VpcBackend } from '../helpers/vpc-backends.js';

// The same adapter tests run against the embedded emulator and against moto, a widely used emulator
// this project did not write, so the adapters are checked against two readings of AWS's behaviour.
// Where moto departs from AWS (VPC-NOTES.md), each backend's answer is asserted with the reason.

const MANAGED = { 'redshift-ingress:managed': 'true' };

function adapterSuite(start: () => Promise<{ backend: VpcBackend; stop(): Promise<void> }>): void {
  let backend: VpcBackend;
  let stop: () => Promise<void>;
  let ec2: Ec2Ingress;
  let clusters: RedshiftClusters;

  beforeAll(async () => {
    ({ backend, stop } = await start());
    ec2 = createEc2Ingress(backend.ec2);
    clusters = createRedshiftClusters(backend.redshift);
  });
  afterAll(async () => {
    backend?.destroy();
    await stop?.();
  });
  beforeEach(async () => {
    await backend.reset();
  });

  const cidr = (securityGroupId: string, cidrIp = '203.0.113.0/24'): VpcPermission => ({
    securityGroupId,
    port: 5439,
    source: { cidrIp },
  });

  it('authorizes with the description and the managed tags, and lists the rule with them', async () => {
    // Prepare
    const group = await backend.createGroup();

    // Act
    const result = await ec2.authorize(cidr(group), 'chg-1042');
    const rules = await ec2.listRules(group);

    // Assess
    expect(result).toEqual({ status: 'authorized', securityGroupRuleId: expect.stringMatching(/^sgr-/) });
    // The egress rule every group starts with is left out.
    expect(rules).toEqual([
      {
        securityGroupRuleId: result.securityGroupRuleId,
        securityGroupId: group,
        protocol: 'tcp',
        fromPort: 5439,
        toPort: 5439,
        source: { cidrIp: '203.0.113.0/24' },
        description: 'redshift-ingress chg-1042',
        tags: { 'redshift-ingress:managed': 'true', 'redshift-ingress:request-id': 'chg-1042' },
      },
    ]);
  });

  it('reads the same protocol, port and source as already-authorized whatever the description', async () => {
    const group = await backend.createGroup();
    await ec2.authorize(cidr(group), 'first');
    expect(await ec2.authorize(cidr(group), 'second')).toEqual({ status: 'already-authorized' });
    expect(await ec2.listRules(group)).toHaveLength(1);
  });

  it('authorizes IPv6 and security group sources', async () => {
    // Prepare
    const group = await backend.createGroup();
    const peer = await backend.createGroup();

    // Act
    const v6 = await ec2.authorize(
      { securityGroupId: group, port: 5439, source: { cidrIpv6: '2001:db8::/32' } },
      'v6',
    );
    const fromGroup = await ec2.authorize(
      { securityGroupId: group, port: 5439, source: { sourceSecurityGroupId: peer } },
      'sg',
    );

    // Assess
    expect([v6.status, fromGroup.status]).toEqual(['authorized', 'authorized']);
    const sources = (await ec2.listRules(group)).map((rule) => rule.source);
    expect(sources).toContainEqual({ cidrIpv6: '2001:db8::/32' });
    expect(sources).toContainEqual(
      expect.objectContaining({ sourceSecurityGroupId: peer }) as unknown as {
        sourceSecurityGroupId: string;
      },
    );
  });

  it('revokes, then reads the same revoke as already-revoked', async () => {
    const group = await backend.createGroup();
    await ec2.authorize(cidr(group), 'chg-1');
    expect((await ec2.revoke(cidr(group))).status).toBe('revoked');
    expect(await ec2.revoke(cidr(group))).toEqual({ status: 'already-revoked' });
    expect(await ec2.listRules(group)).toEqual([]);
  });

  it('reads a revoke of a missing rule in a default VPC as already-revoked', async () => {
    // Prepare
    const group = await backend.createGroup({ defaultVpc: true });
    const input = {
      GroupId: group,
      IpPermissions: [
        { IpProtocol: 'tcp', FromPort: 5439, ToPort: 5439, IpRanges: [{ CidrIp: '198.51.100.0/24' }] },
      ],
    };

    // Act
    const status = (await ec2.revoke(cidr(group, '198.51.100.0/24'))).status;
    const raw = await backend.ec2.send(new RevokeSecurityGroupIngressCommand(input)).then(
      (answer) => answer,
      (error: unknown) => error,
    );

    // Assess
    expect(status).toBe('already-revoked');
    if (backend.kind === 'emulator') {
      // AWS (and the emulator) answer 200 with Return false and the rule in UnknownIpPermissions.
      expect(raw).toEqual(
        expect.objectContaining({ Return: false, UnknownIpPermissions: [expect.anything()] }),
      );
    } else {
      // moto answers InvalidPermission.NotFound in every VPC.
      expect(raw).toMatchObject({ name: 'InvalidPermission.NotFound' });
    }
  });

  it('revokes a rule by its id, then reads it as already-revoked', async () => {
    const group = await backend.createGroup();
    const { securityGroupRuleId } = await ec2.authorize(cidr(group), 'chg-1');
    if (securityGroupRuleId === undefined) throw new Error('no rule id');
    expect(await ec2.revokeRule(group, securityGroupRuleId)).toEqual({
      status: 'revoked',
      securityGroupRuleId,
    });
    expect(await ec2.revokeRule(group, securityGroupRuleId)).toEqual({ status: 'already-revoked' });
  });

  it('rejects the 61st IPv4 rule naming the group and the limit; IPv6 is counted apart on AWS', async () => {
    // Prepare
    const group = await backend.createGroup();
    for (let index = 0; index < 60; index += 1) {
      const result = await ec2.authorize(cidr(group, `10.${index}.0.0/16`), `fill-${index}`);
      expect(result.status).toBe('authorized');
    }

    // Act
    const error = await rejectionOf(ec2.authorize(cidr(group, '10.200.0.0/16'), 'one-too-many'));
    const v6 = ec2.authorize(
      { securityGroupId: group, port: 5439, source: { cidrIpv6: '2001:db8::/32' } },
      'v6',
    );

    // Assess
    expect(error).toMatchObject({
      name: 'RejectedError',
      code: 'RulesPerSecurityGroupLimitExceeded',
      message: expect.stringContaining(
        `security group ${group} already holds the most inbound rules it may (60`,
      ),
    });
    if (backend.kind === 'emulator') {
      // AWS enforces the 60 apart for IPv4 and IPv6 rules, so an IPv6 rule still fits.
      expect((await v6).status).toBe('authorized');
    } else {
      // moto counts IPv4 and IPv6 rules together.
      expect(await rejectionOf(v6)).toMatchObject({ code: 'RulesPerSecurityGroupLimitExceeded' });
    }
  });

  it('rejects a group that does not exist and a malformed group id', async () => {
    expect(await rejectionOf(ec2.authorize(cidr('sg-0123456789abcdef0'), 'x'))).toMatchObject({
      name: 'RejectedError',
      code: 'InvalidGroup.NotFound',
    });
    const malformed = await rejectionOf(ec2.authorize(cidr('sg-nothex'), 'x'));
    // AWS (and the emulator) check the id's form first; moto's authorize only looks the group up.
    expect(malformed).toMatchObject({
      name: 'RejectedError',
      code: backend.kind === 'emulator' ? 'InvalidGroupId.Malformed' : 'InvalidGroup.NotFound',
    });
  });

  it('describes groups with their tags and rejects a missing one', async () => {
    // Prepare
    const managed = await backend.createGroup({ tags: MANAGED });
    const plain = await backend.createGroup();

    // Act
    const groups = await ec2.describeGroups([plain, managed]);

    // Assess
    expect(groups.map((group) => [group.securityGroupId, group.tags])).toEqual([
      [plain, {}],
      [managed, MANAGED],
    ]);
    expect(await rejectionOf(ec2.describeGroups(['sg-0123456789abcdef0']))).toMatchObject({
      name: 'RejectedError',
      code: 'InvalidGroup.NotFound',
    });
  });

  it("resolves a cluster to its VPC security groups and port, and rejects one that doesn't exist", async () => {
    // Prepare
    const first = await backend.createGroup();
    const second = await backend.createGroup({ tags: MANAGED });
    await backend.createCluster('analytics', [first, second], 5440);

    // Act
    const target = await clusters.describeCluster('analytics');

    // Assess
    expect({ ...target, securityGroupIds: [...target.securityGroupIds].sort() }).toEqual({
      securityGroupIds: [first, second].sort(),
      port: 5440,
    });
    expect(await rejectionOf(clusters.describeCluster('nope'))).toMatchObject({
      name: 'RejectedError',
      code: 'ClusterNotFoundFault',
    });
  });

  it('lists every rule of a group whether or not the backend pages DescribeSecurityGroupRules', async () => {
    // Prepare
    const group = await backend.createGroup();
    for (let index = 0; index < 7; index += 1)
      await ec2.authorize(cidr(group, `10.${index}.0.0/16`), `r${index}`);

    // Act
    const rules = await ec2.listRules(group);
    const firstPage = await backend.ec2.send(
      new DescribeSecurityGroupRulesCommand({
        Filters: [{ Name: 'group-id', Values: [group] }],
        MaxResults: 5,
      }),
    );

    // Assess
    expect(rules.map((rule) => ('cidrIp' in rule.source ? rule.source.cidrIp : '')).sort()).toEqual(
      Array.from({ length: 7 }, (_, index) => `10.${index}.0.0/16`).sort(),
    );
    if (backend.kind === 'emulator') {
      // AWS (and the emulator) page by MaxResults: 7 inbound rules and the egress rule need two pages.
      expect(firstPage.SecurityGroupRules).toHaveLength(5);
      expect(firstPage.NextToken).toEqual(expect.any(String));
    } else {
      // moto ignores MaxResults and answers every rule at once.
      expect(firstPage.SecurityGroupRules).toHaveLength(8);
      expect(firstPage.NextToken).toBeUndefined();
    }
  });

  it('sends the permission the adapter builds exactly as the backend accepts it', async () => {
    // A raw call with the same permission is a duplicate: the adapter and the SDK agree on the shape.
    const group = await backend.createGroup();
    await ec2.authorize(cidr(group), 'chg-1');
    const raw = backend.ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: group,
        IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 5439, ToPort: 5439, IpRanges: [{ CidrIp: '203.0.113.0/24' }] },
        ],
      }),
    );
    expect(await rejectionOf(raw)).toMatchObject({ name: 'InvalidPermission.Duplicate' });
  });
}

describe('VPC adapters against the embedded emulator', () => {
  adapterSuite(async () => {
    const emulator: Emulator = await startEmulator({ port: 0, host: '127.0.0.1' });
    return { backend: emulatorBackend(emulator), stop: () => emulator.close() };
  });
});

describeWithMoto('VPC adapters against moto', () => {
  adapterSuite(async () => {
    const moto: MotoServer = await startMoto();
    return { backend: motoBackend(moto), stop: () => moto.close() };
  });
});
