import {
  AuthorizeClusterSecurityGroupIngressCommand,
  DescribeClusterSecurityGroupsCommand,
  RedshiftClient,
  RedshiftServiceException,
  RevokeClusterSecurityGroupIngressCommand,
} from '@aws-sdk/client-redshift';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createRedshiftIngress } from '../../src/adapters/redshift.js';
import { createBatchScope } from '../../src/app/batch-scope.js';
import { RejectedError, TransientError } from '../../src/domain/errors.js';
import { redshiftErrors } from '../helpers/aws-errors.js';

const redshiftMock = mockClient(RedshiftClient);
const ingress = createRedshiftIngress(new RedshiftClient({ region: 'us-east-1' }));
const cidrRule = { clusterSecurityGroupName: 'analytics-prod', cidrIp: '203.0.113.0/24' };
const ec2Rule = {
  clusterSecurityGroupName: 'analytics-prod',
  ec2SecurityGroupName: 'bi',
  ec2SecurityGroupOwnerId: '111122223333',
};

type Rule = typeof cidrRule | typeof ec2Rule;
/** The status of one change applied through the backend port. */
const statusOf = async (action: 'authorize' | 'revoke', rule: Rule): Promise<string> =>
  (await ingress.apply({ action, rule, requestId: 'chg-1' }, createBatchScope())).status;

const failure = async (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => 'resolved',
    (error: unknown) => error,
  );

describe('createRedshiftIngress', () => {
  beforeEach(() => {
    redshiftMock.reset();
  });

  it('authorizes a CIDR with the API parameter names', async () => {
    // Prepare
    redshiftMock.on(AuthorizeClusterSecurityGroupIngressCommand).resolves({});

    // Act
    const applied = await ingress.apply(
      { action: 'authorize', rule: cidrRule, requestId: 'chg-1' },
      createBatchScope(),
    );

    // Assess: a cluster security group resolves nothing beyond what the request named.
    expect(applied).toEqual({ status: 'authorized' });
    expect(redshiftMock).toHaveReceivedCommandExactlyOnceWith(AuthorizeClusterSecurityGroupIngressCommand, {
      ClusterSecurityGroupName: 'analytics-prod',
      CIDRIP: '203.0.113.0/24',
    });
  });

  it('revokes an EC2 security group with its owner', async () => {
    // Prepare
    redshiftMock.on(RevokeClusterSecurityGroupIngressCommand).resolves({});

    // Act
    const status = await statusOf('revoke', ec2Rule);

    // Assess
    expect(status).toBe('revoked');
    expect(redshiftMock).toHaveReceivedCommandExactlyOnceWith(RevokeClusterSecurityGroupIngressCommand, {
      ClusterSecurityGroupName: 'analytics-prod',
      EC2SecurityGroupName: 'bi',
      EC2SecurityGroupOwnerId: '111122223333',
    });
  });

  it('reads AuthorizationAlreadyExistsFault as already-authorized', async () => {
    redshiftMock.on(AuthorizeClusterSecurityGroupIngressCommand).rejects(redshiftErrors.alreadyExists());
    expect(await statusOf('authorize', cidrRule)).toBe('already-authorized');
  });

  it('reads AuthorizationNotFoundFault on revoke as already-revoked', async () => {
    redshiftMock.on(RevokeClusterSecurityGroupIngressCommand).rejects(redshiftErrors.notFound());
    expect(await statusOf('revoke', cidrRule)).toBe('already-revoked');
  });

  it.each([
    [
      'ClusterSecurityGroupNotFoundFault',
      redshiftErrors.groupNotFound,
      /cluster security group "analytics-prod" does not exist/,
    ],
    ['AuthorizationQuotaExceededFault', redshiftErrors.quota, /this group already has 20 rules/],
    ['InvalidParameterValue', redshiftErrors.invalidParameter, /refused a parameter value: bad CIDR/],
    [
      'InvalidParameterCombination',
      redshiftErrors.invalidCombination,
      /refused the combination of parameters/,
    ],
  ])('rejects on %s, keeping the cause', async (code, makeError, message) => {
    // Prepare
    const sdkError = makeError();
    redshiftMock.on(AuthorizeClusterSecurityGroupIngressCommand).rejects(sdkError);

    // Act
    const error = await failure(statusOf('authorize', cidrRule));

    // Assess
    expect(error).toBeInstanceOf(RejectedError);
    expect(error).toMatchObject({ code, message: expect.stringMatching(message), cause: sdkError });
  });

  it.each([
    [
      'InvalidClusterSecurityGroupStateFault',
      redshiftErrors.groupState,
      'InvalidClusterSecurityGroupStateFault',
      /being changed/,
    ],
    ['throttling', redshiftErrors.throttling, 'Throttling', /throttled by AWS/],
    ['a 5xx', redshiftErrors.serverError, 'InternalFailure', /AWS server error/],
    [
      'access denied',
      redshiftErrors.accessDenied,
      'AccessDenied',
      /access denied \(check the function's IAM role\)/,
    ],
    ['a network error', redshiftErrors.network, 'NetworkError', /network error \(ECONNRESET\)/],
    ['an unknown error', redshiftErrors.unknown, 'SomethingNew', /never seen/],
    [
      'AuthorizationNotFoundFault on authorize',
      redshiftErrors.notFound,
      'AuthorizationNotFoundFault',
      /no such authorization/,
    ],
  ])('counts %s as transient, keeping the cause', async (_name, makeError, code, message) => {
    // Prepare
    const sdkError = makeError();
    redshiftMock.on(AuthorizeClusterSecurityGroupIngressCommand).rejects(sdkError);

    // Act
    const error = await failure(statusOf('authorize', cidrRule));

    // Assess
    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ code, message: expect.stringMatching(message), cause: sdkError });
  });
});

describe('createRedshiftIngress on a VPC-by-default account', () => {
  const vpcByDefault = () =>
    new RedshiftServiceException({
      name: 'InvalidParameterValue',
      $fault: 'client',
      message: 'VPC-by-Default customers cannot use cluster security groups',
      $metadata: { httpStatusCode: 400 },
    });

  beforeEach(() => {
    redshiftMock.reset();
  });

  it.each([
    ['authorize', AuthorizeClusterSecurityGroupIngressCommand],
    ['revoke', RevokeClusterSecurityGroupIngressCommand],
  ] as const)(
    'rejects %s with ClusterSecurityGroupsUnavailable, pointing to the VPC kind',
    async (action, command) => {
      // Prepare
      redshiftMock.on(command).rejects(vpcByDefault());

      // Act
      const error = await failure(
        ingress.apply({ action, rule: cidrRule, requestId: 'chg-1' }, createBatchScope()),
      );

      // Assess
      expect(error).toBeInstanceOf(RejectedError);
      expect(error).toMatchObject({
        code: 'ClusterSecurityGroupsUnavailable',
        message: expect.stringMatching(/send a clusterIdentifier or workgroupName request instead/),
      });
    },
  );

  it('rejects listing the groups instead of failing every reconcile run as transient', async () => {
    redshiftMock.on(DescribeClusterSecurityGroupsCommand).rejects(vpcByDefault());
    const error = await failure(ingress.listGroups());
    expect(error).toBeInstanceOf(RejectedError);
    expect(error).toMatchObject({ code: 'ClusterSecurityGroupsUnavailable' });
  });

  it('still reads any other InvalidParameterValue as a refused parameter', async () => {
    redshiftMock.on(AuthorizeClusterSecurityGroupIngressCommand).rejects(redshiftErrors.invalidParameter());
    expect(
      await failure(
        ingress.apply({ action: 'authorize', rule: cidrRule, requestId: 'chg-1' }, createBatchScope()),
      ),
    ).toMatchObject({
      code: 'InvalidParameterValue',
    });
  });
});
