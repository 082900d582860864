import { AuthorizeClusterSecurityGroupIngressCommand, RedshiftClient } from '@aws-sdk/client-redshift';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { requestBody, sqsEventFactory, sqsRecordFactory } from '../helpers/factories.js';

const redshiftMock = mockClient(RedshiftClient);
const sqsMock = mockClient(SQSClient);
const sfnMock = mockClient(SFNClient);

const context = {
  functionName: 'redshift-ingress-authorize',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;
const token = 'AQCEAAAAKgAAAAMAAAAAAAAAAR+default+deployment+token';

describe('handlers/authorize and task tokens', () => {
  beforeEach(() => {
    vi.resetModules();
    redshiftMock.reset();
    sqsMock.reset();
    sfnMock.reset();
    // Only what every deployment sets: no variable turns task tokens on.
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    vi.stubEnv('RESULTS_QUEUE_URL', 'https://sqs.us-east-1.amazonaws.com/123456789012/results');
    vi.stubEnv('ALLOWED_GROUPS', 'analytics-*');
    redshiftMock.on(AuthorizeClusterSecurityGroupIngressCommand).resolves({});
    sqsMock
      .on(SendMessageBatchCommand)
      .resolves({ Successful: [{ Id: '0', MessageId: 'x', MD5OfMessageBody: '' }] });
    sfnMock.on(SendTaskSuccessCommand).resolves({});
  });

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it.each([
    ['with no extra variable', undefined],
    // A variable left over from a deployment of an earlier version changes nothing.
    ['with a TASK_TOKENS=false left over', 'false'],
  ])('answers the task token of a request %s', async (_name, leftOver) => {
    // Prepare
    vi.stubEnv('TASK_TOKENS', leftOver);
    const { handler } = await import('../../handlers/authorize.js');

    // Act
    const response = await handler(
      sqsEventFactory([sqsRecordFactory(requestBody({ taskToken: token }))]),
      context,
    );

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(sfnMock).toHaveReceivedCommandExactlyOnceWith(SendTaskSuccessCommand, {
      taskToken: token,
      output: expect.stringContaining('"status":"authorized"'),
    });
  });

  it('makes no Step Functions call for a batch without task tokens', async () => {
    // Prepare
    const { handler } = await import('../../handlers/authorize.js');

    // Act
    const response = await handler(sqsEventFactory([sqsRecordFactory(requestBody())]), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(sfnMock.calls()).toHaveLength(0);
  });
});
