import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { RedshiftClient } from '@aws-sdk/client-redshift';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createEmfMetrics, metricsDisabledIn, publishMetrics } from '../src/adapters/cloudwatch-metrics.js';
import { createRedshiftClusters, createRedshiftIngress } from '../src/adapters/redshift.js';
import { serviceSdkLogger } from '../src/adapters/sdk-logger.js';
import {
  createQueuePublisher,
  createVisibilityController,
  makeQueueUrlResolver,
} from '../src/adapters/sqs.js';
import { loadTaskCallbacksOnFirstUse } from '../src/adapters/task-callbacks-on-first-use.js';
import { loadVpcPortsOnFirstUse } from '../src/adapters/vpc-on-first-use.js';
import { makeProcessBatch } from '../src/app/process-batch.js';
import { makeVpcBackend } from '../src/app/vpc-backend.js';
import { loadConfig } from '../src/config.js';

// Cold start: configuration is read once (a bad variable fails the init with every problem named),
// clients are built once and reused by every invocation of this container.
const config = loadConfig(process.env, 'authorize');
const logger = new Logger({ serviceName: 'redshift-ingress' });
const metrics = createEmfMetrics({
  namespace: 'RedshiftIngress',
  serviceName: 'redshift-ingress',
  disabled: metricsDisabledIn(process.env),
});
const awsLogger = serviceSdkLogger(logger);
const sqs = new SQSClient({ logger: awsLogger });
const redshift = new RedshiftClient({ logger: awsLogger });
const processBatch = makeProcessBatch({
  backends: {
    clusterSecurityGroup: createRedshiftIngress(redshift),
    // The EC2 and Redshift Serverless clients are a chunk of their own, loaded by a container's first
    // request on a VPC target: a function serving cluster security groups never loads them
    // (docs/benchmarks.md). DescribeClusters goes through the Redshift client above.
    vpcSecurityGroup: makeVpcBackend(
      loadVpcPortsOnFirstUse(
        async () =>
          (await import('../src/adapters/vpc-adapters.js')).createVpcAdapters({ logger: awsLogger }),
        createRedshiftClusters(redshift),
      ),
    ),
  },
  results: createQueuePublisher(sqs, config.resultsQueueUrl),
  visibility: createVisibilityController(sqs),
  queueUrlOf: makeQueueUrlResolver(
    config.requestsQueueUrl,
    process.env.AWS_ENDPOINT_URL_SQS ?? process.env.AWS_ENDPOINT_URL,
  ),
  // Every request that carries a task token is answered. The Step Functions client is a chunk of its own,
  // loaded by a container's first callback: a cold start neither parses nor runs it (docs/benchmarks.md).
  callbacks: loadTaskCallbacksOnFirstUse(async () =>
    (await import('../src/adapters/step-functions.js')).createStepFunctionsCallbacks({ logger: awsLogger }),
  ),
  config,
  logger,
  metrics,
});

/** The authorize entry point: an SQS batch of ingress requests in, a partial batch response out. */
export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(publishMetrics(metrics, { captureColdStartMetric: true }))
  .handler(processBatch);
