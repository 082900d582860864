import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createEmfMetrics,
  type EmfMetrics,
  metricsDisabledIn,
  publishMetrics,
} from '../../src/adapters/cloudwatch-metrics.js';
import type { MetricsPort } from '../../src/app/ports.js';

// Powertools Metrics 2.x (a devDependency) is the reference: the same calls go through both and the
// lines they write to stdout must be identical, byte for byte, under a frozen clock.

const NOW = Date.UTC(2026, 10, 26, 10, 0, 0);
const NAMESPACE = 'RedshiftIngress';
const SERVICE = 'redshift-ingress';
const context = { functionName: 'redshift-ingress-authorize' } as Context;

/** The calls process-batch makes for a batch: one status per outcome, then the two totals. */
const batchCalls = (metrics: MetricsPort) => {
  metrics.addMetric('status-authorized', 'Count', 1);
  metrics.addMetric('status-failed', 'Count', 1);
  metrics.addMetric('status-authorized', 'Count', 1);
  metrics.addMetric('status-authorized', 'Count', 1);
  metrics.addMetric('redshift-calls', 'Count', 3);
  metrics.addMetric('retries', 'Count', 0);
};

/** Captures what is written to stdout while `run` runs, one entry per write. */
const stdoutDuring = async (run: () => unknown): Promise<string[]> => {
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
  return written;
};

const powertools = () => new Metrics({ namespace: NAMESPACE, serviceName: SERVICE });
const ours = (write?: (line: string) => unknown): EmfMetrics =>
  createEmfMetrics({ namespace: NAMESPACE, serviceName: SERVICE, ...(write && { write }) });

/** What Powertools Metrics and the EMF writer each write for the same `calls` and one publish. */
const publishedByBoth = async (
  calls: (metrics: MetricsPort) => void,
): Promise<{ expected: string[]; actual: string[] }> => {
  const reference = powertools();
  const metrics = ours();
  const expected = await stdoutDuring(() => {
    calls(reference);
    reference.publishStoredMetrics();
  });
  const actual = await stdoutDuring(() => {
    calls(metrics);
    metrics.publish();
  });
  return { expected, actual };
};

/** Runs two invocations of a middy handler doing `calls`, with the given middleware, and returns stdout. */
const twoInvocations = (
  middleware: middy.MiddlewareObj<unknown, unknown, Error, Context>,
  calls: () => void,
): Promise<string[]> =>
  stdoutDuring(async () => {
    const handler = middy<unknown, unknown, Error, Context>()
      .use(middleware)
      .handler(async () => {
        calls();
      });
    await handler({}, context);
    await handler({}, context);
  });

/** What logMetrics and publishMetrics (ColdStart on) each write over two invocations of one batch's calls. */
const invokedTwiceByBoth = async (): Promise<{ expected: string[]; actual: string[] }> => {
  const reference = powertools();
  const metrics = ours();
  const expected = await twoInvocations(logMetrics(reference, { captureColdStartMetric: true }), () =>
    batchCalls(reference),
  );
  const actual = await twoInvocations(publishMetrics(metrics, { captureColdStartMetric: true }), () =>
    batchCalls(metrics),
  );
  return { expected, actual };
};

describe('createEmfMetrics', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', undefined);
    vi.stubEnv('POWERTOOLS_DEV', undefined);
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });

  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('writes one EMF line with the service dimension, Count units and repeated values as arrays', async () => {
    // Prepare
    const metrics = ours();
    batchCalls(metrics);

    // Act
    const lines = await stdoutDuring(() => metrics.publish());

    // Assess
    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith('}\n')).toBe(true);
    expect(JSON.parse(lines[0] as string)).toEqual({
      _aws: {
        Timestamp: NOW,
        CloudWatchMetrics: [
          {
            Namespace: 'RedshiftIngress',
            Dimensions: [['service']],
            Metrics: [
              { Name: 'status-authorized', Unit: 'Count' },
              { Name: 'status-failed', Unit: 'Count' },
              { Name: 'redshift-calls', Unit: 'Count' },
              { Name: 'retries', Unit: 'Count' },
            ],
          },
        ],
      },
      service: 'redshift-ingress',
      'status-authorized': [1, 1, 1],
      'status-failed': 1,
      'redshift-calls': 3,
      retries: 0,
    });
  });

  it('writes the same line as Powertools Metrics for the same calls', async () => {
    // Act
    const { expected, actual } = await publishedByBoth(batchCalls);

    // Assess
    expect(expected).toHaveLength(1);
    expect(actual).toEqual(expected);
  });

  it('writes the same lines as logMetrics with ColdStart over two invocations: ColdStart once', async () => {
    // Act
    const { expected, actual } = await invokedTwiceByBoth();

    // Assess
    expect(actual).toEqual(expected);
    expect(actual.map((line) => JSON.parse(line))).toEqual([
      {
        _aws: {
          Timestamp: NOW,
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
      expect.objectContaining({ 'status-authorized': [1, 1, 1] }),
      expect.objectContaining({ 'status-authorized': [1, 1, 1] }),
    ]);
  });

  it('counts no ColdStart when the environment was initialised ahead of demand, as Powertools', async () => {
    // Prepare
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'provisioned-concurrency');

    // Act
    const { expected, actual } = await invokedTwiceByBoth();

    // Assess
    expect(actual).toEqual(expected);
    expect(actual.filter((line) => line.includes('ColdStart'))).toEqual([]);
  });

  it('names only the service on ColdStart when the function name is unknown', async () => {
    // Prepare
    const written: string[] = [];
    const metrics = ours((line) => written.push(line));

    // Act
    metrics.captureColdStartMetric(undefined);

    // Assess
    expect(JSON.parse(written[0] as string)).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Dimensions: [['service']] }] },
      service: 'redshift-ingress',
      ColdStart: 1,
    });
  });

  it('writes nothing when no metric is stored, and clears what it published', async () => {
    // Prepare
    const written: string[] = [];
    const metrics = ours((line) => written.push(line));
    metrics.addMetric('retries', 'Count', 2);
    metrics.publish();
    written.length = 0;

    // Act
    metrics.publish();

    // Assess
    expect(written).toEqual([]);
  });

  it('splits more than 100 metrics into lines of at most 100, as Powertools', async () => {
    // Prepare: a full line is written before the next value, even one of a name it already holds
    const calls = (metrics: MetricsPort) => {
      for (let index = 0; index < 100; index += 1) metrics.addMetric(`metric-${index}`, 'Count', index);
      metrics.addMetric('metric-0', 'Count', 0);
      for (let index = 100; index < 150; index += 1) metrics.addMetric(`metric-${index}`, 'Count', index);
    };

    // Act
    const { expected, actual } = await publishedByBoth(calls);

    // Assess
    expect(actual).toEqual(expected);
    const documents = actual.map((line) => JSON.parse(line));
    expect(documents.map((document) => document._aws.CloudWatchMetrics[0].Metrics.length)).toEqual([100, 51]);
    expect(documents[1]['metric-149']).toBe(149);
  });

  it('splits more than 100 values of one metric across lines, as Powertools', async () => {
    // Prepare
    const calls = (metrics: MetricsPort) => {
      for (let index = 0; index < 120; index += 1) metrics.addMetric('status-authorized', 'Count', 1);
    };

    // Act
    const { expected, actual } = await publishedByBoth(calls);

    // Assess
    expect(actual).toEqual(expected);
    expect(actual.map((line) => JSON.parse(line)['status-authorized'].length)).toEqual([100, 20]);
  });

  it('publishes after a handler that throws and rethrows its error', async () => {
    // Prepare
    const written: string[] = [];
    const metrics = ours((line) => written.push(line));
    const failure = new Error('Redshift is down');
    const handler = middy<unknown, unknown, Error, Context>()
      .use(publishMetrics(metrics))
      .handler(async () => {
        metrics.addMetric('retries', 'Count', 1);
        throw failure;
      });

    // Act
    const result = handler({}, context);

    // Assess
    await expect(result).rejects.toBe(failure);
    expect(written.map((line) => JSON.parse(line).retries)).toEqual([1]);
  });

  it('stores and clears but writes nothing when disabled', async () => {
    // Prepare
    const written: string[] = [];
    const metrics = createEmfMetrics({
      namespace: NAMESPACE,
      serviceName: SERVICE,
      write: (line) => written.push(line),
      disabled: true,
    });

    // Act
    metrics.captureColdStartMetric('redshift-ingress-authorize');
    metrics.addMetric('retries', 'Count', 1);
    metrics.publish();

    // Assess
    expect(written).toEqual([]);
  });

  it('rejects a value JSON cannot carry and a name CloudWatch refuses', () => {
    // Prepare
    const metrics = ours(() => undefined);

    // Act / Assess
    expect(() => metrics.addMetric('retries', 'Count', Number.NaN)).toThrow(RangeError);
    expect(() => metrics.addMetric('', 'Count', 1)).toThrow(RangeError);
    expect(() => metrics.addMetric('x'.repeat(256), 'Count', 1)).toThrow(RangeError);
  });
});

describe('metricsDisabledIn', () => {
  it.each([
    [{ POWERTOOLS_METRICS_DISABLED: 'true' }, true],
    [{ POWERTOOLS_METRICS_DISABLED: ' Yes ' }, true],
    [{ POWERTOOLS_METRICS_DISABLED: 'false', POWERTOOLS_DEV: 'true' }, false],
    [{ POWERTOOLS_DEV: '1' }, true],
    [{}, false],
  ])('reads %o as %s, as Powertools', (env, disabled) => {
    // Act / Assess
    expect(metricsDisabledIn(env)).toBe(disabled);
  });
});
