import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { RedshiftClient } from '@aws-sdk/client-redshift';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import { createRedshiftIngress } from '../src/adapters/redshift.js';
import { serviceSdkLogger } from '../src/adapters/sdk-logger.js';
import { createQueuePublisher } from '../src/adapters/sqs.js';
import { makeReconcile } from '../src/app/reconcile.js';
import { loadConfig } from '../src/config.js';
import type { ReconciliationReport } from '../src/domain/reconciliation-report.js';
import { loadDesiredState } from '../src/load-desired-state.js';

// Cold start: configuration and the desired state are read once; either being invalid fails the init with
// every problem named. The desired state is JSON, compiled and validated from the user's YAML when the
// service is packaged (scripts/desired-state-plugin.mjs), so this bundle carries no YAML parser.
const config = loadConfig(process.env, 'reconcile');
const desiredState = loadDesiredState(config.desiredStatePath);
const logger = new Logger({ serviceName: 'redshift-ingress' });
const awsLogger = serviceSdkLogger(logger);
const sqs = new SQSClient({ logger: awsLogger });

const reconcile = makeReconcile({
  currentRules: createRedshiftIngress(new RedshiftClient({ logger: awsLogger })),
  requests: createQueuePublisher(sqs, config.requestsQueueUrl as string),
  results: createQueuePublisher(sqs, config.resultsQueueUrl),
  config,
  logger,
});

/** The reconcile entry point, run on a schedule: enqueues what is missing, reports drift. */
export const handler = middy<unknown, ReconciliationReport>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(() => reconcile(desiredState));
