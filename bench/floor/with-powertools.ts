import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';

// The floor plus the authorize handler's middleware: Powertools Logger and Powertools Metrics under
// middy, constructed as the handler constructs them.
export * from './clients-only.js';

const logger = new Logger({ serviceName: 'redshift-ingress' });
const metrics = new Metrics({ namespace: 'RedshiftIngress', serviceName: 'redshift-ingress' });

/** A handler with the authorize handler's middleware and no work of its own. */
export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }))
  .handler(async () => ({ batchItemFailures: [] }));
