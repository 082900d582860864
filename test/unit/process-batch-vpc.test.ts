import {
  AuthorizeSecurityGroupIngressCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import {
  AuthorizeClusterSecurityGroupIngressCommand,
  DescribeClustersCommand,
  RedshiftClient,
  RedshiftServiceException,
} from '@aws-sdk/client-redshift';
import { GetWorkgroupCommand, RedshiftServerlessClient } from '@aws-sdk/client-redshift-serverless';
import { ChangeMessageVisibilityBatchCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createQueuePublisher, createVisibilityController, queueUrlFromArn } from '../../src/adapters/sqs.js';
import { silentLogger } from '../../src/app/ports.js';
import { makeProcessBatch } from '../../src/app/process-batch.js';
import {
  acceptAllSends,
  createBatchHarness,
  publishedOutcomes,
  publishedOutcomesV2,
} from '../helpers/batch-harness.js';
import { requestBody, sqsEventFactory, sqsRecordFactory, vpcRequestBody } from '../helpers/factories.js';
import { ec2Error, networkError, vpcErrors } from '../helpers/vpc-errors.js';
import { realVpcBackend } from '../helpers/vpc-path.js';

// The VPC request path through the whole batch processor, over the real adapters with their SDK clients
// mocked: every status issue a VPC target can get, and what its outcome v2 says.

const ec2Mock = mockClient(EC2Client);
const redshiftMock = mockClient(RedshiftClient);
const serverlessMock = mockClient(RedshiftServerlessClient);
const sqsMock = mockClient(SQSClient);

const GROUP = 'sg-0aaa1111';
const event = (...bodies: Record<string, unknown>[]) =>
  sqsEventFactory(bodies.map((body, index) => sqsRecordFactory(body, { messageId: `m-${index + 1}` })));
const lastAttempt = (body: Record<string, unknown>) =>
  sqsEventFactory([sqsRecordFactory(body, { messageId: 'm-1', receiveCount: 5 })]);

function cluster(groups: string[] = [GROUP], port = 5439) {
  return {
    Clusters: [
      {
        ClusterIdentifier: 'analytics-prod',
        Endpoint: { Address: 'analytics-prod.example', Port: port },
        VpcSecurityGroups: groups.map((id) => ({ VpcSecurityGroupId: id, Status: 'active' })),
      },
    ],
  };
}

function sentEntries() {
  return sqsMock.commandCalls(SendMessageBatchCommand).flatMap((call) => call.args[0].input.Entries ?? []);
}

describe('the VPC request path', () => {
  beforeEach(() => {
    ec2Mock.reset();
    redshiftMock.reset();
    serverlessMock.reset();
    sqsMock.reset();
    acceptAllSends(sqsMock);
    sqsMock.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });
    redshiftMock.on(DescribeClustersCommand).resolves(cluster());
    ec2Mock
      .on(AuthorizeSecurityGroupIngressCommand)
      .resolves({ Return: true, SecurityGroupRules: [{ SecurityGroupRuleId: 'sgr-0123abcd' }] });
    ec2Mock.on(RevokeSecurityGroupIngressCommand).resolves({
      Return: true,
      RevokedSecurityGroupRules: [{ SecurityGroupRuleId: 'sgr-0123abcd' }],
    });
  });

  it('authorizes on the cluster’s group and endpoint port, tagged, and answers with an outcome v2', async () => {
    // Prepare
    redshiftMock.on(DescribeClustersCommand).resolves(cluster([GROUP], 5440));
    const { processBatch } = createBatchHarness();

    // Act
    const response = await processBatch(event(vpcRequestBody({ requestId: 'chg-1' })));

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    const [input] = ec2Mock
      .commandCalls(AuthorizeSecurityGroupIngressCommand)
      .map((call) => call.args[0].input);
    expect(input).toEqual({
      GroupId: GROUP,
      IpPermissions: [
        {
          IpProtocol: 'tcp',
          FromPort: 5440,
          ToPort: 5440,
          IpRanges: [{ CidrIp: '203.0.113.0/24', Description: 'redshift-ingress chg-1' }],
        },
      ],
      TagSpecifications: [
        {
          ResourceType: 'security-group-rule',
          Tags: [
            { Key: 'redshift-ingress:managed', Value: 'true' },
            { Key: 'redshift-ingress:request-id', Value: 'chg-1' },
          ],
        },
      ],
    });
    expect(publishedOutcomesV2(sqsMock)).toEqual([
      {
        type: 'ingress-outcome',
        version: 2,
        requestId: 'chg-1',
        messageId: 'm-1',
        action: 'authorize',
        status: 'authorized',
        rule: {
          clusterIdentifier: 'analytics-prod',
          cidrIp: '203.0.113.0/24',
          securityGroupId: GROUP,
          port: 5440,
          securityGroupRuleId: 'sgr-0123abcd',
        },
        attempt: 1,
        requestedBy: 'office-onboarding',
        processedAt: '2026-11-27T05:00:00.000Z',
      },
    ]);
    expect(sentEntries()[0]?.MessageAttributes).toEqual({
      status: { DataType: 'String', StringValue: 'authorized' },
      action: { DataType: 'String', StringValue: 'authorize' },
      clusterIdentifier: { DataType: 'String', StringValue: 'analytics-prod' },
      securityGroupId: { DataType: 'String', StringValue: GROUP },
    });
  });

  it('reads a cluster once for a batch of its requests, and opens the request’s own port', async () => {
    // Prepare
    const { processBatch } = createBatchHarness();

    // Act
    await processBatch(
      event(
        vpcRequestBody({ cidrIp: '10.1.0.0/16' }),
        vpcRequestBody({ cidrIp: '10.2.0.0/16', port: 8192 }),
        vpcRequestBody({ cidrIpv6: '2001:db8::/48', cidrIp: undefined }),
      ),
    );

    // Assess
    expect(redshiftMock.commandCalls(DescribeClustersCommand)).toHaveLength(1);
    const permissions = ec2Mock
      .commandCalls(AuthorizeSecurityGroupIngressCommand)
      .map((call) => call.args[0].input.IpPermissions?.[0]);
    expect(permissions.map((permission) => permission?.FromPort)).toEqual([5439, 8192, 5439]);
    expect(permissions[2]?.Ipv6Ranges).toEqual([
      { CidrIpv6: '2001:db8::/48', Description: expect.any(String) },
    ]);
    expect(publishedOutcomesV2(sqsMock).map((outcome) => outcome.status)).toEqual([
      'authorized',
      'authorized',
      'authorized',
    ]);
  });

  it('answers InvalidPermission.Duplicate with already-authorized', async () => {
    ec2Mock.on(AuthorizeSecurityGroupIngressCommand).rejects(ec2Error('InvalidPermission.Duplicate'));
    const { processBatch } = createBatchHarness();
    await processBatch(event(vpcRequestBody()));
    expect(publishedOutcomesV2(sqsMock)).toMatchObject([
      { status: 'already-authorized', rule: { securityGroupId: GROUP, port: 5439 } },
    ]);
    expect(publishedOutcomesV2(sqsMock)[0]?.rule).not.toHaveProperty('securityGroupRuleId');
  });

  it('revokes, reporting the revoked rule’s id', async () => {
    const { processBatch } = createBatchHarness();
    await processBatch(event(vpcRequestBody({ action: 'revoke' })));
    expect(ec2Mock.commandCalls(RevokeSecurityGroupIngressCommand)[0]?.args[0].input).toEqual({
      GroupId: GROUP,
      IpPermissions: [
        { IpProtocol: 'tcp', FromPort: 5439, ToPort: 5439, IpRanges: [{ CidrIp: '203.0.113.0/24' }] },
      ],
    });
    expect(publishedOutcomesV2(sqsMock)).toMatchObject([
      { action: 'revoke', status: 'revoked', rule: { securityGroupRuleId: 'sgr-0123abcd' } },
    ]);
  });

  it.each([
    [
      'InvalidPermission.NotFound',
      () => ec2Mock.on(RevokeSecurityGroupIngressCommand).rejects(ec2Error('InvalidPermission.NotFound')),
    ],
    [
      'an answer with Return false',
      () => ec2Mock.on(RevokeSecurityGroupIngressCommand).resolves({ Return: false }),
    ],
    [
      'an answer listing UnknownIpPermissions',
      () =>
        ec2Mock.on(RevokeSecurityGroupIngressCommand).resolves({
          Return: true,
          UnknownIpPermissions: [{ IpProtocol: 'tcp', FromPort: 5439, ToPort: 5439 }],
        }),
    ],
  ])('answers a revoke with already-revoked on %s', async (_name, arrange) => {
    arrange();
    const { processBatch } = createBatchHarness();
    await processBatch(event(vpcRequestBody({ action: 'revoke' })));
    expect(publishedOutcomesV2(sqsMock)).toMatchObject([{ status: 'already-revoked' }]);
  });

  it.each([
    [
      'RulesPerSecurityGroupLimitExceeded',
      /security group sg-0aaa1111 already holds the most inbound rules it may \(60 by default/,
    ],
    ['InvalidGroup.NotFound', /security group sg-0aaa1111 .*does not exist/],
    ['InvalidGroupId.Malformed', /malformed security group id/],
    ['InvalidParameterValue', /EC2 refused a parameter value/],
  ])('rejects %s from EC2, naming the group', async (code, message) => {
    // Prepare
    ec2Mock.on(AuthorizeSecurityGroupIngressCommand).rejects(ec2Error(code));
    const { processBatch } = createBatchHarness();

    // Act
    const response = await processBatch(event(vpcRequestBody()));

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    const [outcome] = publishedOutcomesV2(sqsMock);
    expect(outcome).toMatchObject({ status: 'rejected', error: { code, retryable: false } });
    expect(outcome?.error?.message).toMatch(message);
  });

  it('rejects a cluster that does not exist (ClusterNotFound)', async () => {
    redshiftMock.on(DescribeClustersCommand).rejects(vpcErrors.clusterNotFound());
    const { processBatch } = createBatchHarness();
    await processBatch(event(vpcRequestBody()));
    const [outcome] = publishedOutcomesV2(sqsMock);
    expect(outcome).toMatchObject({
      status: 'rejected',
      error: { code: 'ClusterNotFoundFault', retryable: false },
    });
    expect(outcome?.rule).toEqual({ clusterIdentifier: 'analytics-prod', cidrIp: '203.0.113.0/24' });
    expect(ec2Mock.commandCalls(AuthorizeSecurityGroupIngressCommand)).toHaveLength(0);
  });

  it.each([
    ['ResourceNotFoundException', vpcErrors.workgroupNotFound, /workgroup "bi-reports" does not exist/],
    ['ValidationException', vpcErrors.workgroupValidation, /refused the workgroup name "bi-reports"/],
  ])('rejects a workgroup answered with %s', async (code, error, message) => {
    serverlessMock.on(GetWorkgroupCommand).rejects(error());
    const { processBatch } = createBatchHarness();
    await processBatch(event(vpcRequestBody({ clusterIdentifier: undefined, workgroupName: 'bi-reports' })));
    const [outcome] = publishedOutcomesV2(sqsMock);
    expect(outcome).toMatchObject({ status: 'rejected', error: { code, retryable: false } });
    expect(outcome?.error?.message).toMatch(message);
  });

  it('authorizes on a workgroup’s one managed group among several, on the workgroup’s port', async () => {
    // Prepare
    serverlessMock.on(GetWorkgroupCommand).resolves({
      workgroup: { workgroupName: 'bi-reports', port: 5431, securityGroupIds: [GROUP, 'sg-0bbb2222'] },
    });
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({
      SecurityGroups: [
        { GroupId: GROUP, Tags: [] },
        { GroupId: 'sg-0bbb2222', Tags: [{ Key: 'redshift-ingress:managed', Value: 'true' }] },
      ],
    });
    const { processBatch } = createBatchHarness();

    // Act
    await processBatch(event(vpcRequestBody({ clusterIdentifier: undefined, workgroupName: 'bi-reports' })));

    // Assess
    expect(publishedOutcomesV2(sqsMock)).toMatchObject([
      {
        status: 'authorized',
        rule: { workgroupName: 'bi-reports', securityGroupId: 'sg-0bbb2222', port: 5431 },
      },
    ]);
    expect(sentEntries()[0]?.MessageAttributes?.workgroupName).toEqual({
      DataType: 'String',
      StringValue: 'bi-reports',
    });
  });

  it('rejects AmbiguousSecurityGroup listing the candidates and how to choose, without changing a rule', async () => {
    // Prepare
    redshiftMock.on(DescribeClustersCommand).resolves(cluster([GROUP, 'sg-0bbb2222']));
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({
      SecurityGroups: [
        { GroupId: GROUP, Tags: [] },
        { GroupId: 'sg-0bbb2222', Tags: [] },
      ],
    });
    const { processBatch } = createBatchHarness();

    // Act
    await processBatch(event(vpcRequestBody()));

    // Assess
    const [outcome] = publishedOutcomesV2(sqsMock);
    expect(outcome).toMatchObject({
      status: 'rejected',
      error: { code: 'AmbiguousSecurityGroup', retryable: false },
    });
    expect(outcome?.error?.message).toContain('sg-0aaa1111, sg-0bbb2222');
    expect(outcome?.error?.message).toContain('send securityGroupId with one of them');
    expect(ec2Mock.commandCalls(AuthorizeSecurityGroupIngressCommand)).toHaveLength(0);
  });

  it('rejects a securityGroupId that is not one of the cluster’s groups', async () => {
    const { processBatch } = createBatchHarness();
    await processBatch(event(vpcRequestBody({ securityGroupId: 'sg-0ccc3333' })));
    expect(publishedOutcomesV2(sqsMock)).toMatchObject([
      { status: 'rejected', error: { code: 'SecurityGroupNotOfTarget' } },
    ]);
  });

  it('opens a bare security group on port 5439 without reading a cluster', async () => {
    const { processBatch } = createBatchHarness();
    await processBatch(
      event(
        vpcRequestBody({
          clusterIdentifier: undefined,
          securityGroupId: 'sg-0d00d00d',
          cidrIp: undefined,
          prefixListId: 'pl-0a1b2c3d',
        }),
      ),
    );
    expect(redshiftMock.commandCalls(DescribeClustersCommand)).toHaveLength(0);
    expect(
      ec2Mock.commandCalls(AuthorizeSecurityGroupIngressCommand)[0]?.args[0].input.IpPermissions,
    ).toEqual([
      {
        IpProtocol: 'tcp',
        FromPort: 5439,
        ToPort: 5439,
        PrefixListIds: [{ PrefixListId: 'pl-0a1b2c3d', Description: expect.any(String) }],
      },
    ]);
    expect(publishedOutcomesV2(sqsMock)).toMatchObject([
      {
        status: 'authorized',
        rule: { securityGroupId: 'sg-0d00d00d', prefixListId: 'pl-0a1b2c3d', port: 5439 },
      },
    ]);
  });

  it.each([
    ['RequestLimitExceeded', () => ec2Error('RequestLimitExceeded', 503)],
    ['Unavailable', () => ec2Error('Unavailable', 503)],
    ['UnauthorizedOperation', () => ec2Error('UnauthorizedOperation', 403)],
    ['NetworkError', networkError],
  ])('retries %s as transient, then fails it on the last attempt', async (code, error) => {
    // Prepare
    ec2Mock.on(AuthorizeSecurityGroupIngressCommand).rejects(error());
    const { processBatch } = createBatchHarness();

    // Act
    const early = await processBatch(event(vpcRequestBody()));
    const published = sentEntries().length;
    const last = await processBatch(lastAttempt(vpcRequestBody()));

    // Assess: no outcome before the last attempt; then failed, retryable, and on to the DLQ.
    expect(early).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
    expect(published).toBe(0);
    expect(last).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
    expect(publishedOutcomesV2(sqsMock)).toMatchObject([
      { status: 'failed', attempt: 5, error: { code, retryable: true } },
    ]);
  });

  it('retries a workgroup that cannot be read now (throttled, 5xx, access denied)', async () => {
    serverlessMock.on(GetWorkgroupCommand).rejects(vpcErrors.workgroupThrottling());
    const { processBatch } = createBatchHarness();
    const response = await processBatch(
      event(vpcRequestBody({ clusterIdentifier: undefined, workgroupName: 'bi-reports' })),
    );
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-1' }] });
    expect(sentEntries()).toHaveLength(0);
  });

  it('refuses by policy a cluster outside ALLOWED_CLUSTERS, before any call, naming the variable', async () => {
    const { processBatch } = createBatchHarness();
    await processBatch(event(vpcRequestBody({ clusterIdentifier: 'payments' })));
    const [outcome] = publishedOutcomesV2(sqsMock);
    expect(outcome).toMatchObject({ status: 'rejected', error: { code: 'PolicyRefused' } });
    expect(outcome?.error?.message).toMatch(/^refused by ALLOWED_CLUSTERS: clusterIdentifier: "payments"/);
    expect(redshiftMock.commandCalls(DescribeClustersCommand)).toHaveLength(0);
  });

  it('answers a v1 request on a VPC-by-default account with ClusterSecurityGroupsUnavailable, in a v1 outcome', async () => {
    // Prepare
    redshiftMock.on(AuthorizeClusterSecurityGroupIngressCommand).rejects(
      new RedshiftServiceException({
        name: 'InvalidParameterValue',
        $fault: 'client',
        message: 'VPC-by-Default customers cannot use cluster security groups',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const { processBatch } = createBatchHarness();

    // Act
    await processBatch(event(requestBody()));

    // Assess
    const [outcome] = publishedOutcomes(sqsMock);
    expect(outcome).toMatchObject({
      version: 1,
      status: 'rejected',
      error: { code: 'ClusterSecurityGroupsUnavailable', retryable: false },
    });
    expect(outcome?.error?.message).toContain('send a clusterIdentifier or workgroupName request instead');
  });

  it('gives an invalid v2 body a v2 rejection naming the field', async () => {
    const { processBatch } = createBatchHarness();
    await processBatch(event(vpcRequestBody({ cidrIpv6: '2001:db8::1/48', cidrIp: undefined })));
    const [outcome] = publishedOutcomesV2(sqsMock);
    expect(outcome).toMatchObject({ version: 2, status: 'rejected', error: { code: 'InvalidRequest' } });
    expect(outcome?.error?.message).toMatch(/^cidrIpv6: /);
  });

  it('gives each outcome on a FIFO results queue its target’s group, v1 unchanged', async () => {
    // Prepare
    const sqs = new SQSClient({ region: 'us-east-1' });
    const processBatch = makeProcessBatch({
      backends: {
        clusterSecurityGroup: { apply: () => Promise.reject(new Error('no cluster security group call')) },
        vpcSecurityGroup: realVpcBackend(),
      },
      callbacks: {
        succeed: () => Promise.reject(new Error('none')),
        fail: () => Promise.reject(new Error('none')),
      },
      results: createQueuePublisher(sqs, 'https://sqs.us-east-1.amazonaws.com/123456789012/results.fifo'),
      visibility: createVisibilityController(sqs),
      queueUrlOf: (arn) => queueUrlFromArn(arn),
      config: {
        policy: {
          allowedGroups: [],
          allowedClusters: ['analytics-*'],
          allowedWorkgroups: ['bi-*'],
          allowedSecurityGroupIds: ['*'],
          minCidrPrefix: 16,
          requireApproval: false,
        },
        maxReceiveCount: 5,
        concurrency: 4,
        retryBaseSeconds: 30,
        retryMaxSeconds: 900,
      },
      logger: silentLogger,
    });
    serverlessMock.on(GetWorkgroupCommand).resolves({ workgroup: { securityGroupIds: [GROUP], port: 5439 } });

    // Act
    await processBatch(
      event(
        vpcRequestBody(),
        vpcRequestBody({ clusterIdentifier: undefined, workgroupName: 'bi-reports' }),
        vpcRequestBody({ clusterIdentifier: undefined, securityGroupId: 'sg-0d00d00d' }),
        requestBody(),
        { version: 2, clusterIdentifier: 'Bad' },
      ),
    );

    // Assess: the requests queue's groups (message-group.ts); a v1 request is refused here by ALLOWED_GROUPS.
    expect(sentEntries().map((entry) => entry.MessageGroupId)).toEqual([
      'cluster:analytics-prod',
      'workgroup:bi-reports',
      'security-group:sg-0d00d00d',
      'analytics-prod',
      'invalid-requests',
    ]);
  });
});
