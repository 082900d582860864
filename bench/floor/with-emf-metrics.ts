import middy from '@middy/core';
import { createEmfMetrics, publishMetrics } from '../../src/adapters/cloudwatch-metrics.js';

// The floor plus the EMF metrics writer under middy, as the authorize handler publishes its metrics.
export * from './clients-only.js';

const metrics = createEmfMetrics({ namespace: 'RedshiftIngress', serviceName: 'redshift-ingress' });

/** A handler that publishes metrics with the EMF writer and does nothing else. */
export const handler = middy()
  .use(publishMetrics(metrics, { captureColdStartMetric: true }))
  .handler(async () => ({ batchItemFailures: [] }));
