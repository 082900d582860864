import { AuthorizeClusterSecurityGroupIngressCommand, RedshiftClient } from '@aws-sdk/client-redshift';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { requestBody, sqsEventFactory, sqsRecordFactory } from '../helpers/factories.js';

const redshiftMock = mockClient(RedshiftClient);
const sqsMock = mockClient(SQSClient);

const context = {
  functionName: 'redshift-ingress-authorize',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:redshift-ingress-authorize',
  memoryLimitInMB: '256',
  awsRequestId: 'req-1',
  logGroupName: '/aws/lambda/redshift-ingress-authorize',
  logStreamName: 'stream',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

describe('handlers/authorize', () => {
  beforeEach(() => {
    vi.resetModules();
    redshiftMock.reset();
    sqsMock.reset();
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
  });

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('fails at cold start naming every missing variable', async () => {
    // Prepare
    vi.stubEnv('RESULTS_QUEUE_URL', '');
    vi.stubEnv('ALLOWED_GROUPS', '');
    vi.stubEnv('MIN_CIDR_PREFIX', 'wide');

    // Act / Assess
    await expect(import('../../handlers/authorize.js')).rejects.toThrow(
      'Invalid configuration: RESULTS_QUEUE_URL: is required; ALLOWED_GROUPS: is required unless ALLOWED_CLUSTERS, ALLOWED_WORKGROUPS or ALLOWED_SECURITY_GROUP_IDS is set (names or * patterns of the targets the service may change; nothing is allowed by default); MIN_CIDR_PREFIX: must be a whole number from 0 to 32, got "wide"',
    );
  });

  it('processes a batch through middy with a Lambda context', async () => {
    // Prepare
    vi.stubEnv('RESULTS_QUEUE_URL', 'https://sqs.us-east-1.amazonaws.com/123456789012/results');
    vi.stubEnv('ALLOWED_GROUPS', 'analytics-*');
    redshiftMock.on(AuthorizeClusterSecurityGroupIngressCommand).resolves({});
    sqsMock
      .on(SendMessageBatchCommand)
      .resolves({ Successful: [{ Id: '0', MessageId: 'x', MD5OfMessageBody: '' }] });
    const { handler } = await import('../../handlers/authorize.js');

    // Act
    const response = await handler(sqsEventFactory([sqsRecordFactory(requestBody())]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(redshiftMock).toHaveReceivedCommandTimes(AuthorizeClusterSecurityGroupIngressCommand, 1);
    expect(sqsMock).toHaveReceivedCommandWith(SendMessageBatchCommand, {
      QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/results',
    });
  });
});
