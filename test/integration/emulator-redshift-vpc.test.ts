import {
  AuthorizeClusterSecurityGroupIngressCommand,
  CreateClusterSecurityGroupCommand,
  DescribeClusterSecurityGroupsCommand,
  DescribeClustersCommand,
  RedshiftClient,
  RevokeClusterSecurityGroupIngressCommand,
} from '@aws-sdk/client-redshift';
import { GetWorkgroupCommand, RedshiftServerlessClient } from '@aws-sdk/client-redshift-serverless';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../local/emulator/index.js';
import { createRedshiftIngress } from '../../src/adapters/redshift.js';
import { createRedshiftServerlessWorkgroups } from '../../src/adapters/redshift-serverless.js';
import { createBatchScope } from '../../src/app/batch-scope.js';
import { rejectionOf } from '../helpers/emulator.js';

let emulator: Emulator;
let redshift: RedshiftClient;
let serverless: RedshiftServerlessClient;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, host: '127.0.0.1' });
  const config = {
    endpoint: emulator.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  };
  redshift = new RedshiftClient(config);
  serverless = new RedshiftServerlessClient(config);
});

afterAll(async () => {
  redshift?.destroy();
  serverless?.destroy();
  await emulator?.close();
});

beforeEach(() => {
  emulator.reset();
  emulator.setVpcByDefault(false);
});

async function admin(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${emulator.url}/_emulator/${path}`, {
    method,
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
}

describe('emulated Redshift clusters in a VPC', () => {
  it('describes a cluster with its VPC security groups and endpoint port', async () => {
    // Prepare
    const first = emulator.createSecurityGroup();
    const second = emulator.createSecurityGroup();
    emulator.createCluster({
      clusterIdentifier: 'analytics',
      vpcSecurityGroupIds: [first.groupId, second.groupId],
      port: 5440,
    });

    // Act
    const { Clusters = [] } = await redshift.send(
      new DescribeClustersCommand({ ClusterIdentifier: 'analytics' }),
    );

    // Assess
    expect(Clusters).toEqual([
      expect.objectContaining({
        ClusterIdentifier: 'analytics',
        ClusterStatus: 'available',
        Endpoint: expect.objectContaining({ Port: 5440 }),
        VpcSecurityGroups: [
          { VpcSecurityGroupId: first.groupId, Status: 'active' },
          { VpcSecurityGroupId: second.groupId, Status: 'active' },
        ],
      }),
    ]);
  });

  it('answers ClusterNotFound with 404', async () => {
    const error = await rejectionOf(
      redshift.send(new DescribeClustersCommand({ ClusterIdentifier: 'nope' })),
    );
    expect(error).toMatchObject({ name: 'ClusterNotFoundFault', $metadata: { httpStatusCode: 404 } });
  });

  it('refuses a cluster whose security groups do not exist', () => {
    expect(() =>
      emulator.createCluster({ clusterIdentifier: 'c', vpcSecurityGroupIds: ['sg-0123456789abcdef0'] }),
    ).toThrow('vpcSecurityGroupIds: no such security group sg-0123456789abcdef0');
  });
});

describe('emulated Redshift Serverless workgroups (AWS JSON 1.1)', () => {
  it('answers GetWorkgroup with securityGroupIds and port', async () => {
    // Prepare
    const group = emulator.createSecurityGroup();
    emulator.createWorkgroup({ workgroupName: 'bi-wg', securityGroupIds: [group.groupId], port: 5431 });

    // Act
    const { workgroup } = await serverless.send(new GetWorkgroupCommand({ workgroupName: 'bi-wg' }));

    // Assess
    expect(workgroup).toMatchObject({
      workgroupName: 'bi-wg',
      securityGroupIds: [group.groupId],
      port: 5431,
      status: 'AVAILABLE',
      endpoint: { port: 5431 },
    });
  });

  it('answers a missing workgroup with ResourceNotFoundException 404 and a bad name with ValidationException 400', async () => {
    expect(
      await rejectionOf(serverless.send(new GetWorkgroupCommand({ workgroupName: 'nope' }))),
    ).toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 404 },
    });
    expect(
      await rejectionOf(serverless.send(new GetWorkgroupCommand({ workgroupName: 'Bad_Name' }))),
    ).toMatchObject({
      name: 'ValidationException',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('answers with the JSON 1.1 content type', async () => {
    const response = await fetch(emulator.url, {
      method: 'POST',
      headers: {
        'x-amz-target': 'RedshiftServerless.GetWorkgroup',
        'content-type': 'application/x-amz-json-1.1',
      },
      body: JSON.stringify({ workgroupName: 'nope' }),
    });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(await response.json()).toEqual({
      __type: 'com.amazonaws.redshiftserverless#ResourceNotFoundException',
      message: 'Workgroup nope not found.',
    });
  });

  it('injects throttling and access denied as transient for the adapter', async () => {
    // Prepare
    const workgroups = createRedshiftServerlessWorkgroups(serverless);
    const errors: unknown[] = [];

    // Act
    for (const kind of ['Throttling', 'AccessDenied'] as const) {
      emulator.faults.setRules([{ service: 'redshift-serverless', errorRate: 1, errors: [kind] }]);
      errors.push(await rejectionOf(workgroups.getWorkgroup('bi')));
    }

    // Assess
    expect(errors).toEqual([
      expect.objectContaining({ name: 'TransientError', code: 'ThrottlingException' }),
      expect.objectContaining({ name: 'TransientError', code: 'AccessDeniedException' }),
    ]);
  });
});

describe('a VPC-by-default account', () => {
  it('refuses all four cluster security group calls with AWS’s answer', async () => {
    // Prepare
    emulator.setVpcByDefault(true);
    const calls = [
      new CreateClusterSecurityGroupCommand({ ClusterSecurityGroupName: 'g', Description: 'd' }),
      new DescribeClusterSecurityGroupsCommand({}),
      new AuthorizeClusterSecurityGroupIngressCommand({
        ClusterSecurityGroupName: 'g',
        CIDRIP: '10.0.0.0/8',
      }),
      new RevokeClusterSecurityGroupIngressCommand({ ClusterSecurityGroupName: 'g', CIDRIP: '10.0.0.0/8' }),
    ];

    // Act
    const errors = await Promise.all(calls.map((call) => rejectionOf(redshift.send(call as never))));

    // Assess
    for (const error of errors) {
      expect(error).toMatchObject({
        name: 'InvalidParameterValue',
        message: 'VPC-by-Default customers cannot use cluster security groups',
        $metadata: { httpStatusCode: 400 },
      });
    }
  });

  it('still answers DescribeClusters, and the adapter rejects with ClusterSecurityGroupsUnavailable', async () => {
    // Prepare
    const started = await startEmulator({ port: 0, host: '127.0.0.1', vpcByDefault: true });
    const client = new RedshiftClient({
      endpoint: started.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    const group = started.createSecurityGroup();
    started.createCluster({ clusterIdentifier: 'analytics', vpcSecurityGroupIds: [group.groupId] });

    try {
      // Act
      const described = await client.send(new DescribeClustersCommand({}));
      const error = await rejectionOf(
        createRedshiftIngress(client).apply(
          {
            action: 'authorize',
            rule: {
              clusterSecurityGroupName: 'g',
              cidrIp: '10.0.0.0/8',
            },
            requestId: 'chg-1',
          },
          createBatchScope(),
        ),
      );

      // Assess
      expect(described.Clusters?.map((cluster) => cluster.ClusterIdentifier)).toEqual(['analytics']);
      expect(error).toMatchObject({
        name: 'RejectedError',
        code: 'ClusterSecurityGroupsUnavailable',
        message: expect.stringMatching(/send a clusterIdentifier or workgroupName request instead/),
      });
    } finally {
      client.destroy();
      await started.close();
    }
  });
});

describe('admin seeding of VPC resources', () => {
  it('creates groups, clusters and workgroups over HTTP and shows them in the state', async () => {
    // Act
    const group = await admin('POST', 'ec2/security-groups', {
      groupName: 'redshift-ingress-managed',
      tags: { 'redshift-ingress:managed': 'true' },
    });
    const groupId = (group.body as { groupId: string }).groupId;
    const cluster = await admin('POST', 'redshift/clusters', {
      clusterIdentifier: 'demo',
      vpcSecurityGroupIds: [groupId],
    });
    const workgroup = await admin('POST', 'redshift-serverless/workgroups', {
      workgroupName: 'demo-wg',
      securityGroupIds: [groupId],
      port: 5439,
    });
    const account = await admin('PUT', 'account', { vpcByDefault: true });
    const state = await admin('GET', 'state');

    // Assess
    expect(group).toMatchObject({
      status: 200,
      body: { groupId: expect.stringMatching(/^sg-/), tags: { 'redshift-ingress:managed': 'true' } },
    });
    expect(cluster).toMatchObject({ status: 200, body: { clusterIdentifier: 'demo', port: 5439 } });
    expect(workgroup).toMatchObject({
      status: 200,
      body: { workgroupName: 'demo-wg', securityGroupIds: [groupId] },
    });
    expect(account).toEqual({ status: 200, body: { vpcByDefault: true } });
    expect(state.body).toMatchObject({
      securityGroups: [{ groupId, groupName: 'redshift-ingress-managed' }],
      clusters: [{ clusterIdentifier: 'demo', vpcSecurityGroupIds: [groupId] }],
      workgroups: [{ workgroupName: 'demo-wg' }],
      vpcByDefault: true,
    });
  });

  it('refuses bad seeds with 400 naming the field', async () => {
    expect(await admin('POST', 'ec2/security-groups', { tag: {} })).toEqual({
      status: 400,
      body: { message: 'unknown field "tag"' },
    });
    expect(await admin('POST', 'ec2/security-groups', { tags: { a: 1 } })).toEqual({
      status: 400,
      body: { message: 'tags must be an object of strings' },
    });
    expect(await admin('POST', 'ec2/security-groups', { groupId: 'sg-1' })).toEqual({
      status: 400,
      body: { message: 'groupId must be sg- and 8 or 17 hex digits, got "sg-1"' },
    });
    expect(await admin('POST', 'redshift/clusters', { clusterIdentifier: 'c' })).toEqual({
      status: 400,
      body: { message: 'vpcSecurityGroupIds is required' },
    });
    expect(
      await admin('POST', 'redshift-serverless/workgroups', {
        workgroupName: 'wg1',
        securityGroupIds: [],
        port: 6000,
      }),
    ).toEqual({
      status: 400,
      body: { message: 'port must be 5431-5455 or 8191-8215' },
    });
    expect(await admin('PUT', 'account', {})).toEqual({
      status: 400,
      body: { message: 'vpcByDefault is required' },
    });
  });
});
