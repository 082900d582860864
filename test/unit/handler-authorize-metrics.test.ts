import { AuthorizeClusterSecurityGroupIngressCommand, RedshiftClient } from '@aws-sdk/client-redshift';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { requestBody, sqsEventFactory, sqsRecordFactory } from '../helpers/factories.js';

// What the authorize function writes to stdout as CloudWatch embedded metric format (EMF): the metric
// names, namespace and dimensions that dashboards and alarms are built on.
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html

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

interface EmfDocument {
  _aws: { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] };
  [member: string]: unknown;
}

/** Runs `run` and returns the EMF documents written to stdout meanwhile, in order. */
async function emfDuring(run: () => Promise<unknown>): Promise<EmfDocument[]> {
  const written: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return written
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as EmfDocument)
    .filter((document) => document._aws !== undefined);
}

/** A batch of three requests: two authorized, one rejected (a group outside ALLOWED_GROUPS). */
const batch = () =>
  sqsEventFactory([
    sqsRecordFactory(requestBody()),
    sqsRecordFactory(requestBody({ cidrIp: '198.51.100.0/24' })),
    sqsRecordFactory(requestBody({ clusterSecurityGroupName: 'billing-prod' })),
  ]);

describe('handlers/authorize: metrics', () => {
  beforeEach(() => {
    vi.resetModules();
    redshiftMock.reset();
    sqsMock.reset();
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', undefined);
    vi.stubEnv('POWERTOOLS_DEV', undefined);
    vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', undefined);
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
    vi.stubEnv('RESULTS_QUEUE_URL', 'https://sqs.us-east-1.amazonaws.com/123456789012/results');
    vi.stubEnv('ALLOWED_GROUPS', 'analytics-*');
    redshiftMock.on(AuthorizeClusterSecurityGroupIngressCommand).resolves({});
    sqsMock.on(SendMessageBatchCommand).callsFake(({ Entries }: { Entries: { Id: string }[] }) => ({
      Successful: Entries.map(({ Id }) => ({ Id, MessageId: `m-${Id}`, MD5OfMessageBody: '' })),
    }));
  });

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('writes ColdStart once, then per invocation the outcome counts under RedshiftIngress and service', async () => {
    // Prepare
    const { handler } = await import('../../handlers/authorize.js');

    // Act
    const documents = await emfDuring(async () => {
      await handler(batch(), context);
      await handler(batch(), context);
    });

    // Assess
    const batchMetrics = {
      _aws: {
        Timestamp: expect.any(Number),
        CloudWatchMetrics: [
          {
            Namespace: 'RedshiftIngress',
            Dimensions: [['service']],
            Metrics: [
              { Name: 'status-authorized', Unit: 'Count' },
              { Name: 'status-rejected', Unit: 'Count' },
              { Name: 'redshift-calls', Unit: 'Count' },
              { Name: 'retries', Unit: 'Count' },
            ],
          },
        ],
      },
      service: 'redshift-ingress',
      'status-authorized': [1, 1],
      'status-rejected': 1,
      'redshift-calls': 2,
      retries: 0,
    };
    expect(documents).toEqual([
      {
        _aws: {
          Timestamp: expect.any(Number),
          CloudWatchMetrics: [
            {
              Namespace: 'RedshiftIngress',
              Dimensions: [['service', 'function_name']],
              Metrics: [{ Name: 'ColdStart', Unit: 'Count' }],
            },
          ],
        },
        service: 'redshift-ingress',
        function_name: 'redshift-ingress-authorize',
        ColdStart: 1,
      },
      batchMetrics,
      batchMetrics,
    ]);
  });

  it('counts no ColdStart in an environment initialised ahead of demand', async () => {
    // Prepare
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'provisioned-concurrency');
    const { handler } = await import('../../handlers/authorize.js');

    // Act
    const documents = await emfDuring(() => handler(batch(), context));

    // Assess
    expect(documents).toHaveLength(1);
    expect(documents[0]).not.toHaveProperty('ColdStart');
    expect(documents[0]).toMatchObject({ service: 'redshift-ingress', 'redshift-calls': 2 });
  });

  it('writes nothing when POWERTOOLS_METRICS_DISABLED is set, as the local stack sets it', async () => {
    // Prepare
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    const { handler } = await import('../../handlers/authorize.js');

    // Act
    const documents = await emfDuring(() => handler(batch(), context));

    // Assess
    expect(documents).toEqual([]);
  });
});
