import { DescribeClustersCommand, RedshiftClient } from '@aws-sdk/client-redshift';
import { GetWorkgroupCommand, RedshiftServerlessClient } from '@aws-sdk/client-redshift-serverless';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createRedshiftClusters } from '../../src/adapters/redshift.js';
import { createRedshiftServerlessWorkgroups } from '../../src/adapters/redshift-serverless.js';
import { RejectedError, TransientError } from '../../src/domain/errors.js';
import { redshiftErrors } from '../helpers/aws-errors.js';
import { rejectionOf } from '../helpers/emulator.js';
import { networkError, vpcErrors } from '../helpers/vpc-errors.js';

const redshiftMock = mockClient(RedshiftClient);
const serverlessMock = mockClient(RedshiftServerlessClient);
const clusters = createRedshiftClusters(new RedshiftClient({ region: 'us-east-1' }));
const workgroups = createRedshiftServerlessWorkgroups(new RedshiftServerlessClient({ region: 'us-east-1' }));

describe('createRedshiftClusters', () => {
  beforeEach(() => {
    redshiftMock.reset();
  });

  it("reads a cluster's VPC security groups and endpoint port, leaving out groups being removed", async () => {
    // Prepare
    redshiftMock.on(DescribeClustersCommand).resolves({
      Clusters: [
        {
          ClusterIdentifier: 'analytics',
          Endpoint: { Address: 'analytics.example', Port: 5440 },
          VpcSecurityGroups: [
            { VpcSecurityGroupId: 'sg-0aaa1111', Status: 'active' },
            { VpcSecurityGroupId: 'sg-0bbb2222', Status: 'adding' },
            { VpcSecurityGroupId: 'sg-0ccc3333', Status: 'removing' },
          ],
        },
      ],
    });

    // Act
    const target = await clusters.describeCluster('analytics');

    // Assess
    expect(target).toEqual({ securityGroupIds: ['sg-0aaa1111', 'sg-0bbb2222'], port: 5440 });
    expect(redshiftMock).toHaveReceivedCommandExactlyOnceWith(DescribeClustersCommand, {
      ClusterIdentifier: 'analytics',
    });
  });

  it('rejects ClusterNotFound naming the cluster', async () => {
    redshiftMock.on(DescribeClustersCommand).rejects(vpcErrors.clusterNotFound());
    const error = await rejectionOf(clusters.describeCluster('nope'));
    expect(error).toBeInstanceOf(RejectedError);
    expect(error).toMatchObject({
      code: 'ClusterNotFoundFault',
      message: expect.stringMatching(/^cluster "nope" does not exist in this account and region/),
    });
  });

  it('counts a cluster without an endpoint yet as transient', async () => {
    redshiftMock.on(DescribeClustersCommand).resolves({
      Clusters: [{ ClusterIdentifier: 'new', ClusterStatus: 'creating', VpcSecurityGroups: [] }],
    });
    expect(await rejectionOf(clusters.describeCluster('new'))).toMatchObject({
      name: 'TransientError',
      code: 'ClusterEndpointUnavailable',
      message: 'cluster "new" has no endpoint yet (status creating)',
    });
  });

  it.each([
    ['throttling', redshiftErrors.throttling, 'Throttling'],
    ['a server error', redshiftErrors.serverError, 'InternalFailure'],
    ['access denied', redshiftErrors.accessDenied, 'AccessDenied'],
    ['a network error', networkError, 'NetworkError'],
  ])('counts %s as transient', async (_label, make, code) => {
    redshiftMock.on(DescribeClustersCommand).rejects(make());
    const error = await rejectionOf(clusters.describeCluster('analytics'));
    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ code, message: expect.stringMatching(/^cannot read cluster "analytics"/) });
  });
});

describe('createRedshiftServerlessWorkgroups', () => {
  beforeEach(() => {
    serverlessMock.reset();
  });

  it("reads a workgroup's security groups and port", async () => {
    // Prepare
    serverlessMock.on(GetWorkgroupCommand).resolves({
      workgroup: { workgroupName: 'bi', securityGroupIds: ['sg-0aaa1111', 'sg-0bbb2222'], port: 5431 },
    });

    // Act
    const target = await workgroups.getWorkgroup('bi');

    // Assess
    expect(target).toEqual({ securityGroupIds: ['sg-0aaa1111', 'sg-0bbb2222'], port: 5431 });
    expect(serverlessMock).toHaveReceivedCommandExactlyOnceWith(GetWorkgroupCommand, { workgroupName: 'bi' });
  });

  it("falls back to the endpoint's port, then to 5439", async () => {
    serverlessMock
      .on(GetWorkgroupCommand)
      .resolvesOnce({ workgroup: { securityGroupIds: ['sg-0aaa1111'], endpoint: { port: 8191 } } })
      .resolvesOnce({ workgroup: { securityGroupIds: ['sg-0aaa1111'] } });
    expect((await workgroups.getWorkgroup('bi')).port).toBe(8191);
    expect((await workgroups.getWorkgroup('bi')).port).toBe(5439);
  });

  it.each([
    ['ResourceNotFoundException', vpcErrors.workgroupNotFound, /workgroup "bi" does not exist/],
    ['ValidationException', vpcErrors.workgroupValidation, /refused the workgroup name "bi"/],
  ])('rejects %s', async (code, make, message) => {
    serverlessMock.on(GetWorkgroupCommand).rejects(make());
    const error = await rejectionOf(workgroups.getWorkgroup('bi'));
    expect(error).toBeInstanceOf(RejectedError);
    expect(error).toMatchObject({ code, message: expect.stringMatching(message) });
  });

  it.each([
    ['ThrottlingException', vpcErrors.workgroupThrottling, 'ThrottlingException', /throttled/],
    ['InternalServerException', vpcErrors.workgroupServerError, 'InternalServerException', /server error/],
    ['AccessDeniedException', vpcErrors.workgroupAccessDenied, 'AccessDeniedException', /IAM role/],
    ['a network error', networkError, 'NetworkError', /ECONNRESET/],
  ])('counts %s as transient', async (_label, make, code, message) => {
    serverlessMock.on(GetWorkgroupCommand).rejects(make());
    const error = await rejectionOf(workgroups.getWorkgroup('bi'));
    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ code, message: expect.stringMatching(message) });
  });
});
