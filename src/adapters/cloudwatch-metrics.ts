import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { MetricsPort } from '../app/ports.js';

// CloudWatch embedded metric format (EMF): a JSON log line that CloudWatch Logs turns into metrics.
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
// This writer emits what @aws-lambda-powertools/metrics 2.x emitted for this service (same names,
// namespace, units, dimensions, ColdStart), so dashboards and alarms built on them keep working.

/** The spec allows at most 100 metric definitions in one directive, so a line carries at most 100 names. */
const MAX_METRICS_PER_LINE = 100;
/** The spec allows at most 100 values in a metric's value array. */
const MAX_VALUES_PER_METRIC = 100;
/** CloudWatch metric names are 1 to 255 characters. */
const MAX_METRIC_NAME_LENGTH = 255;
const COLD_START_METRIC = 'ColdStart';

/** What the EMF writer needs: the namespace, the `service` dimension, and where lines go. */
export interface EmfMetricsOptions {
  readonly namespace: string;
  /** The value of the `service` dimension every metric carries. */
  readonly serviceName: string;
  /** Receives each EMF document as one line ending in a newline; stdout by default. */
  readonly write?: (line: string) => unknown;
  /** The clock for `_aws.Timestamp`, in epoch milliseconds. */
  readonly now?: () => number;
  /** Stores and clears as usual but writes nothing (the local stack and tests). */
  readonly disabled?: boolean;
  /**
   * Whether this process started on demand; ColdStart is counted only then. Defaults to
   * `AWS_LAMBDA_INITIALIZATION_TYPE === 'on-demand'`, as Powertools did: a provisioned-concurrency or
   * SnapStart environment was initialised ahead of its first request, which therefore waits for no init.
   */
  readonly onDemand?: boolean;
}

/** Counters buffered per invocation and written to stdout as EMF lines by `publish()`. */
export interface EmfMetrics extends MetricsPort {
  /** Writes the stored metrics as EMF line(s), then clears them; writes nothing when none are stored. */
  publish(): void;
  /** Writes `ColdStart` 1 with dimensions service and function_name, on the first call in an on-demand process only. */
  captureColdStartMetric(functionName?: string): void;
}

interface StoredMetric {
  readonly unit: 'Count';
  value: number | number[];
}

type Dimensions = Readonly<Record<string, string>>;

/** Creates an EMF writer implementing `MetricsPort`, with the `service` dimension on every metric. */
export function createEmfMetrics(options: EmfMetricsOptions): EmfMetrics {
  const {
    namespace,
    serviceName,
    write = (line: string) => process.stdout.write(line),
    now = Date.now,
    disabled = false,
  } = options;
  // process.stdout, not console.log: in Lambda the runtime prefixes console lines with a timestamp and
  // request id, and a line that is not a bare JSON object is not read as EMF.
  let coldStart = options.onDemand ?? process.env.AWS_LAMBDA_INITIALIZATION_TYPE?.trim() === 'on-demand';
  // Insertion order is the order of the Metrics array and of the value members, as Powertools wrote them.
  let stored = new Map<string, StoredMetric>();

  const writeDocument = (metrics: ReadonlyMap<string, StoredMetric>, dimensions: Dimensions): void => {
    if (disabled || metrics.size === 0) return;
    const document = {
      _aws: {
        Timestamp: now(),
        CloudWatchMetrics: [
          {
            Namespace: namespace,
            // One dimension set naming every dimension: each metric is aggregated by all of them together.
            Dimensions: [Object.keys(dimensions)],
            Metrics: [...metrics].map(([name, { unit }]) => ({ Name: name, Unit: unit })),
          },
        ],
      },
      // Dimension values and metric values are root members that the directive refers to by name.
      ...dimensions,
      ...Object.fromEntries([...metrics].map(([name, { value }]) => [name, value])),
    };
    write(`${JSON.stringify(document)}\n`);
  };

  const publish = (): void => {
    // Cleared before writing, so a write that throws does not carry these values into the next invocation.
    const metrics = stored;
    stored = new Map();
    writeDocument(metrics, { service: serviceName });
  };

  return {
    addMetric(name, unit, value) {
      if (name.length < 1 || name.length > MAX_METRIC_NAME_LENGTH) {
        throw new RangeError(`The metric name should be between 1 and ${MAX_METRIC_NAME_LENGTH} characters`);
      }
      // JSON has no NaN or Infinity (they would be written as null, which the spec rejects).
      if (!Number.isFinite(value)) throw new RangeError(`${value} is not a valid metric value`);
      // A full line is written before anything more is stored, as Powertools did: at most 100
      // definitions per directive.
      if (stored.size >= MAX_METRICS_PER_LINE) publish();
      const metric = stored.get(name);
      if (metric === undefined) {
        stored.set(name, { unit, value });
        return;
      }
      // A repeated name keeps every value, as an array: CloudWatch records each as a sample, so the
      // sum, sample count and average are those of the individual calls (not of one pre-summed value).
      metric.value = Array.isArray(metric.value) ? [...metric.value, value] : [metric.value, value];
      if (metric.value.length >= MAX_VALUES_PER_METRIC) publish();
    },
    publish,
    captureColdStartMetric(functionName) {
      if (!coldStart) return;
      coldStart = false;
      // Its own line, written at once, with function_name as a second dimension when it is known.
      const name = functionName?.trim();
      writeDocument(new Map([[COLD_START_METRIC, { unit: 'Count', value: 1 }]]), {
        service: serviceName,
        ...(name && { function_name: name }),
      });
    },
  };
}

/**
 * Whether the environment turns metrics off, read as Powertools read it: `POWERTOOLS_METRICS_DISABLED`
 * when set, otherwise `POWERTOOLS_DEV`, each true for 1, y, yes, t, true or on (any case).
 */
export function metricsDisabledIn(env: NodeJS.ProcessEnv): boolean {
  const truthy = (value: string | undefined) =>
    ['1', 'y', 'yes', 't', 'true', 'on'].includes(value?.trim().toLowerCase() ?? '');
  const disabled = env.POWERTOOLS_METRICS_DISABLED;
  return disabled === undefined ? truthy(env.POWERTOOLS_DEV) : truthy(disabled);
}

/** Options of the `publishMetrics` middleware. */
export interface PublishMetricsOptions {
  /** Writes `ColdStart` on the first invocation of the process, named after the Lambda function. */
  readonly captureColdStartMetric?: boolean;
}

/** A middy middleware that writes the ColdStart metric before the handler and publishes after it, also on error. */
export function publishMetrics<TEvent, TResult>(
  metrics: EmfMetrics,
  options: PublishMetricsOptions = {},
): MiddlewareObj<TEvent, TResult, Error, Context> {
  // onError leaves request.response and request.error alone, so middy rethrows the handler's error.
  const flush = (): void => metrics.publish();
  return {
    before: (request) => {
      if (options.captureColdStartMetric) metrics.captureColdStartMetric(request.context.functionName);
    },
    after: flush,
    onError: flush,
  };
}
