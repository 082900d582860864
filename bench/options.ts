/** The sizes of one benchmark run. */
export interface BenchSizes {
  /** Imports per bundle for the cold-start medians. */
  readonly importRuns: number;
  readonly throughputRequests: number;
  /** Batches of 10 distinct groups timed against one Redshift call. */
  readonly floorBatches: number;
  readonly cpuMessages: number;
  readonly cpuWarmupMessages: number;
  readonly cpuRounds: number;
  readonly memoryMessages: number;
  readonly memoryRounds: number;
}

/** The sizes the issue asks for. */
export const FULL: BenchSizes = {
  importRuns: 81,
  throughputRequests: 2000,
  floorBatches: 20,
  cpuMessages: 100_000,
  cpuWarmupMessages: 2000,
  cpuRounds: 3,
  memoryMessages: 10_000,
  memoryRounds: 3,
};

/** Sizes that run every path in seconds, for the test suite; the figures mean nothing. */
export const QUICK: BenchSizes = {
  importRuns: 1,
  throughputRequests: 40,
  floorBatches: 2,
  cpuMessages: 200,
  cpuWarmupMessages: 20,
  cpuRounds: 1,
  memoryMessages: 200,
  memoryRounds: 1,
};

/** The workload every section shares: 20 groups, 10% duplicates, batches of 10. */
export const WORKLOAD = { groups: 20, duplicateRate: 0.1, batchSize: 10, seed: 42 } as const;

/** Latency the emulator adds to every Redshift call in the throughput section. */
export const REDSHIFT_LATENCY_MS = 50;

/** CONCURRENCY values the throughput section runs our handler with. */
export const CONCURRENCIES = [4, 10] as const;
