import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';

// The floor plus Powertools Metrics under middy, as the authorize handler publishes its metrics.
export * from './clients-only.js';

const metrics = new Metrics({ namespace: 'RedshiftIngress', serviceName: 'redshift-ingress' });

/** A handler that publishes metrics with Powertools and does nothing else. */
export const handler = middy()
  .use(logMetrics(metrics, { captureColdStartMetric: true }))
  .handler(async () => ({ batchItemFailures: [] }));
