import {
  AuthorizeClusterSecurityGroupIngressCommand,
  type AuthorizeClusterSecurityGroupIngressCommandInput,
  CreateClusterSecurityGroupCommand,
  DeleteClusterSecurityGroupCommand,
  DescribeClusterSecurityGroupsCommand,
  RevokeClusterSecurityGroupIngressCommand,
} from '@aws-sdk/client-redshift';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rejectionOf, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

let stack: TestEmulator;

beforeAll(async () => {
  stack = await startTestEmulator({ maxAttempts: 1 });
});

afterAll(async () => {
  await stack.close();
});

beforeEach(() => {
  stack.emulator.reset();
});

async function createGroup(name: string, description = 'test group'): Promise<void> {
  await stack.redshift.send(
    new CreateClusterSecurityGroupCommand({ ClusterSecurityGroupName: name, Description: description }),
  );
}

function authorize(input: AuthorizeClusterSecurityGroupIngressCommandInput) {
  return stack.redshift.send(new AuthorizeClusterSecurityGroupIngressCommand(input));
}

async function postQuery(
  params: Record<string, string>,
): Promise<{ status: number; type: string; body: string }> {
  const response = await fetch(stack.emulator.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ Version: '2012-12-01', ...params }).toString(),
  });
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    body: await response.text(),
  };
}

describe('cluster security groups', () => {
  it('creates, refuses a duplicate, deletes and reports a missing group', async () => {
    // Prepare
    await createGroup('analytics-prod');

    // Act
    const duplicate = await rejectionOf(createGroup('analytics-prod'));
    await stack.redshift.send(
      new DeleteClusterSecurityGroupCommand({ ClusterSecurityGroupName: 'analytics-prod' }),
    );
    const deletedAgain = await rejectionOf(
      stack.redshift.send(
        new DeleteClusterSecurityGroupCommand({ ClusterSecurityGroupName: 'analytics-prod' }),
      ),
    );
    const described = await rejectionOf(
      stack.redshift.send(
        new DescribeClusterSecurityGroupsCommand({ ClusterSecurityGroupName: 'analytics-prod' }),
      ),
    );

    // Assess
    expect(duplicate).toMatchObject({
      name: 'ClusterSecurityGroupAlreadyExistsFault',
      $metadata: { httpStatusCode: 400 },
    });
    expect(deletedAgain).toMatchObject({
      name: 'ClusterSecurityGroupNotFoundFault',
      $metadata: { httpStatusCode: 404 },
    });
    expect(described).toMatchObject({ name: 'ClusterSecurityGroupNotFoundFault' });
    expect(stack.emulator.redshiftGroups()).toEqual([]);
  });

  it('escapes XML so descriptions with markup round-trip', async () => {
    // Prepare
    const description = `Tom & Jerry's <"office"> \u00e9`;

    // Act
    await createGroup('escaped', description);
    const { ClusterSecurityGroups = [] } = await stack.redshift.send(
      new DescribeClusterSecurityGroupsCommand({ ClusterSecurityGroupName: 'escaped' }),
    );

    // Assess
    expect(ClusterSecurityGroups[0]?.Description).toBe(description);
  });

  it('pages DescribeClusterSecurityGroups with opaque markers across three pages', async () => {
    // Prepare
    const names = Array.from({ length: 45 }, (_, i) => `group-${String(i).padStart(2, '0')}`);
    for (const name of names) await createGroup(name);

    // Act
    const pages: string[][] = [];
    const markers: Array<string | undefined> = [];
    let marker: string | undefined;
    do {
      const page = await stack.redshift.send(
        new DescribeClusterSecurityGroupsCommand({ MaxRecords: 20, Marker: marker }),
      );
      pages.push((page.ClusterSecurityGroups ?? []).map((group) => group.ClusterSecurityGroupName ?? ''));
      marker = page.Marker;
      markers.push(marker);
    } while (marker !== undefined);
    const tooSmall = await rejectionOf(
      stack.redshift.send(new DescribeClusterSecurityGroupsCommand({ MaxRecords: 19 })),
    );
    const badMarker = await rejectionOf(
      stack.redshift.send(new DescribeClusterSecurityGroupsCommand({ Marker: 'not-a-marker' })),
    );

    // Assess
    expect(pages.map((page) => page.length)).toEqual([20, 20, 5]);
    expect(pages.flat()).toEqual(names);
    expect(markers[0]).not.toContain('group-');
    expect(markers[2]).toBeUndefined();
    expect(tooSmall).toMatchObject({ name: 'InvalidParameterValue' });
    expect(badMarker).toMatchObject({ name: 'InvalidParameterValue' });
  });
});

describe('ingress rules', () => {
  it('authorizes a CIDR and an EC2 group and answers with the whole group', async () => {
    // Prepare
    await createGroup('analytics-prod');

    // Act
    const byCidr = await authorize({ ClusterSecurityGroupName: 'analytics-prod', CIDRIP: '203.0.113.0/24' });
    const byEc2 = await authorize({
      ClusterSecurityGroupName: 'analytics-prod',
      EC2SecurityGroupName: 'bi-tools',
      EC2SecurityGroupOwnerId: '111122223333',
    });

    // Assess
    expect(byCidr.ClusterSecurityGroup?.IPRanges).toEqual([
      { Status: 'authorized', CIDRIP: '203.0.113.0/24', Tags: [] },
    ]);
    expect(byEc2.ClusterSecurityGroup).toMatchObject({
      ClusterSecurityGroupName: 'analytics-prod',
      Description: 'test group',
      IPRanges: [{ CIDRIP: '203.0.113.0/24' }],
      EC2SecurityGroups: [
        {
          Status: 'authorized',
          EC2SecurityGroupName: 'bi-tools',
          EC2SecurityGroupOwnerId: '111122223333',
          Tags: [],
        },
      ],
    });
    expect(stack.emulator.redshiftGroups()).toEqual([
      {
        name: 'analytics-prod',
        description: 'test group',
        cidrIps: ['203.0.113.0/24'],
        ec2SecurityGroups: [{ name: 'bi-tools', ownerId: '111122223333' }],
      },
    ]);
  });

  it('raises the SDK faults for existing, missing and unknown-group authorizations', async () => {
    // Prepare
    await createGroup('analytics-prod');
    await authorize({ ClusterSecurityGroupName: 'analytics-prod', CIDRIP: '198.51.100.7/32' });

    // Act
    const again = await rejectionOf(
      authorize({ ClusterSecurityGroupName: 'analytics-prod', CIDRIP: '198.51.100.7/32' }),
    );
    const revoked = await stack.redshift.send(
      new RevokeClusterSecurityGroupIngressCommand({
        ClusterSecurityGroupName: 'analytics-prod',
        CIDRIP: '198.51.100.7/32',
      }),
    );
    const revokedAgain = await rejectionOf(
      stack.redshift.send(
        new RevokeClusterSecurityGroupIngressCommand({
          ClusterSecurityGroupName: 'analytics-prod',
          CIDRIP: '198.51.100.7/32',
        }),
      ),
    );
    const revokeEc2 = await rejectionOf(
      stack.redshift.send(
        new RevokeClusterSecurityGroupIngressCommand({
          ClusterSecurityGroupName: 'analytics-prod',
          EC2SecurityGroupName: 'bi-tools',
          EC2SecurityGroupOwnerId: '111122223333',
        }),
      ),
    );
    const unknownGroup = await rejectionOf(
      authorize({ ClusterSecurityGroupName: 'nope', CIDRIP: '10.0.0.0/8' }),
    );

    // Assess
    expect(again).toMatchObject({
      name: 'AuthorizationAlreadyExistsFault',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
    expect(revoked.ClusterSecurityGroup?.IPRanges).toEqual([]);
    expect(revokedAgain).toMatchObject({
      name: 'AuthorizationNotFoundFault',
      $metadata: { httpStatusCode: 404 },
    });
    expect(revokeEc2).toMatchObject({ name: 'AuthorizationNotFoundFault' });
    expect(unknownGroup).toMatchObject({
      name: 'ClusterSecurityGroupNotFoundFault',
      $metadata: { httpStatusCode: 404 },
    });
  });

  it('refuses the 21st rule with AuthorizationQuotaExceededFault, counting CIDRs and EC2 groups together', async () => {
    // Prepare
    await createGroup('full');
    for (let i = 0; i < 15; i += 1)
      await authorize({ ClusterSecurityGroupName: 'full', CIDRIP: `10.0.${i}.0/24` });
    for (let i = 0; i < 5; i += 1) {
      await authorize({
        ClusterSecurityGroupName: 'full',
        EC2SecurityGroupName: `ec2-${i}`,
        EC2SecurityGroupOwnerId: '111122223333',
      });
    }

    // Act
    const twentyFirst = await rejectionOf(
      authorize({ ClusterSecurityGroupName: 'full', CIDRIP: '10.1.0.0/24' }),
    );
    const duplicateAtQuota = await rejectionOf(
      authorize({ ClusterSecurityGroupName: 'full', CIDRIP: '10.0.0.0/24' }),
    );

    // Assess
    expect(twentyFirst).toMatchObject({
      name: 'AuthorizationQuotaExceededFault',
      $metadata: { httpStatusCode: 400 },
    });
    expect(duplicateAtQuota).toMatchObject({ name: 'AuthorizationAlreadyExistsFault' });
    const [group] = stack.emulator.redshiftGroups();
    expect((group?.cidrIps.length ?? 0) + (group?.ec2SecurityGroups.length ?? 0)).toBe(20);
  });

  it.each(['10.0.0.0', '10.0.0/8', '256.0.0.0/8', '10.0.0.0/33', '010.0.0.0/8', '2001:db8::/32', ''])(
    'refuses the malformed CIDR %j with InvalidParameterValue',
    async (cidrIp) => {
      // Prepare
      await createGroup('analytics-prod');

      // Act
      const error = await rejectionOf(
        authorize({ ClusterSecurityGroupName: 'analytics-prod', CIDRIP: cidrIp }),
      );

      // Assess
      expect(error).toMatchObject({ name: 'InvalidParameterValue', $metadata: { httpStatusCode: 400 } });
    },
  );

  it.each([
    [
      'CIDRIP with EC2 fields',
      { CIDRIP: '10.0.0.0/8', EC2SecurityGroupName: 'x', EC2SecurityGroupOwnerId: '111122223333' },
    ],
    ['neither target', {}],
    ['EC2 name without owner', { EC2SecurityGroupName: 'x' }],
    ['EC2 owner without name', { EC2SecurityGroupOwnerId: '111122223333' }],
  ])('refuses %s with InvalidParameterCombination', async (_label, target) => {
    // Prepare
    await createGroup('analytics-prod');

    // Act
    const error = await rejectionOf(authorize({ ClusterSecurityGroupName: 'analytics-prod', ...target }));

    // Assess
    expect(error).toMatchObject({ name: 'InvalidParameterCombination' });
  });
});

describe('wire format', () => {
  it('answers awsQuery with namespaced XML in the API element order', async () => {
    // Prepare
    await createGroup('wire');

    // Act
    const answer = await postQuery({
      Action: 'AuthorizeClusterSecurityGroupIngress',
      ClusterSecurityGroupName: 'wire',
      CIDRIP: '192.0.2.0/24',
    });

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.type).toBe('text/xml');
    expect(answer.body).toMatch(
      /^<AuthorizeClusterSecurityGroupIngressResponse xmlns="http:\/\/redshift\.amazonaws\.com\/doc\/2012-12-01\/"><AuthorizeClusterSecurityGroupIngressResult><ClusterSecurityGroup><ClusterSecurityGroupName>wire<\/ClusterSecurityGroupName><Description>test group<\/Description><EC2SecurityGroups\/><IPRanges><IPRange><Status>authorized<\/Status><CIDRIP>192\.0\.2\.0\/24<\/CIDRIP><Tags\/><\/IPRange><\/IPRanges><Tags\/><\/ClusterSecurityGroup><\/AuthorizeClusterSecurityGroupIngressResult><ResponseMetadata><RequestId>[0-9a-f-]{36}<\/RequestId><\/ResponseMetadata><\/AuthorizeClusterSecurityGroupIngressResponse>$/,
    );
  });

  it('answers errors as an ErrorResponse with Type, Code, Message and RequestId', async () => {
    // Act
    const answer = await postQuery({
      Action: 'RevokeClusterSecurityGroupIngress',
      ClusterSecurityGroupName: 'x&y',
      CIDRIP: '192.0.2.0/24',
    });
    const unknownAction = await postQuery({ Action: 'CreateCluster' });

    // Assess
    expect(answer.status).toBe(404);
    expect(answer.body).toMatch(
      /^<ErrorResponse xmlns="http:\/\/redshift\.amazonaws\.com\/doc\/2012-12-01\/"><Error><Type>Sender<\/Type><Code>ClusterSecurityGroupNotFound<\/Code><Message>Cluster security group x&amp;y not found\.<\/Message><\/Error><RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/,
    );
    expect(unknownAction.status).toBe(400);
    expect(unknownAction.body).toContain('<Code>InvalidAction</Code>');
  });
});
