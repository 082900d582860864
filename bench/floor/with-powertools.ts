import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { createEmfMetrics, publishMetrics } from '../../src/adapters/cloudwatch-metrics.js';

// The floor plus the authorize handler's middleware: Powertools Logger and the EMF metrics writer under
// middy, constructed as the handler constructs them.
export * from './clients-only.js';

const logger = new Logger({ serviceName: 'redshift-ingress' });
const metrics = createEmfMetrics({ namespace: 'RedshiftIngress', serviceName: 'redshift-ingress' });

/** A handler with the authorize handler's middleware and no work of its own. */
export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(publishMetrics(metrics, { captureColdStartMetric: true }))
  .handler(async () => ({ batchItemFailures: [] }));
