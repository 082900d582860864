import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { RedshiftClient } from '@aws-sdk/client-redshift';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createRedshiftIngress } from '../src/adapters/redshift.js';
import { serviceSdkLogger } from '../src/adapters/sdk-logger.js';
import {
  createQueuePublisher,
  createVisibilityController,
  makeQueueUrlResolver,
} from '../src/adapters/sqs.js';
import { loadTaskCallbacksOnFirstUse } from '../src/adapters/task-callbacks-on-first-use.js';
import { makeProcessBatch } from '../src/app/process-batch.js';
import { checkTaskTokensBundled, loadConfig } from '../src/config.js';

// Cold start: configuration is read once (a bad variable fails the init with every problem named),
// clients are built once and reused by every invocation of this container.
const config = loadConfig(process.env, 'authorize');
// `process.env.TASK_TOKENS` written out (twice, not through a variable: esbuild folds only the literal
// test) is replaced by a constant when serverless.yml bundles the function (custom.esbuild.define), so a
// deployment without task tokens packages no Step Functions client; with them, the client is a chunk
// the first callback loads (docs/benchmarks.md). The variable read at run time must then say the same.
checkTaskTokensBundled(config, process.env.TASK_TOKENS === 'true');
const logger = new Logger({ serviceName: 'redshift-ingress' });
// Metrics are CloudWatch EMF lines on stdout; POWERTOOLS_METRICS_DISABLED (set by the local stack) turns them off.
const metrics = new Metrics({ namespace: 'RedshiftIngress', serviceName: 'redshift-ingress' });
const awsLogger = serviceSdkLogger(logger);
const sqs = new SQSClient({ logger: awsLogger });
const processBatch = makeProcessBatch({
  redshift: createRedshiftIngress(new RedshiftClient({ logger: awsLogger })),
  results: createQueuePublisher(sqs, config.resultsQueueUrl),
  visibility: createVisibilityController(sqs),
  queueUrlOf: makeQueueUrlResolver(
    config.requestsQueueUrl,
    process.env.AWS_ENDPOINT_URL_SQS ?? process.env.AWS_ENDPOINT_URL,
  ),
  callbacks:
    process.env.TASK_TOKENS === 'true'
      ? loadTaskCallbacksOnFirstUse(async () =>
          (await import('../src/adapters/step-functions.js')).createStepFunctionsCallbacks({
            logger: awsLogger,
          }),
        )
      : undefined,
  config,
  logger,
  metrics,
});

/** The authorize entry point: an SQS batch of ingress requests in, a partial batch response out. */
export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }))
  .handler(processBatch);
