/** Structured logging, as Powertools Logger offers it. */
export interface LoggerPort {
  debug(message: string, ...extra: Record<string, unknown>[]): void;
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

/** Counters, written in Lambda as CloudWatch EMF lines (src/adapters/cloudwatch-metrics.ts). */
export interface MetricsPort {
  addMetric(name: string, unit: 'Count', value: number): void;
}

/** A logger that drops everything, for tests and tools that do not log. */
export const silentLogger: LoggerPort = { debug() {}, info() {}, warn() {}, error() {} };
