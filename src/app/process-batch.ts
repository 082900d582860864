import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { Config } from '../config.js';
import { secondsSinceReceiveAtMost } from '../domain/retry.js';
import { answerTasks, logUnansweredTasks } from './answer-tasks.js';
import { deferRetries, logOutcomes, publishOutcomes } from './batch-effects.js';
import type {
  LoggerPort,
  MessagePublisher,
  MetricsPort,
  RuleBackends,
  TaskCallbacks,
  VisibilityController,
} from './ports.js';
import { type BatchRecord, makeRecordReader, planRecords } from './read-batch.js';
import { runBatch } from './run-batch.js';
import { settleBatch } from './settle-batch.js';

/** What the batch processor is built from: ports, configuration and, for tests, a clock and randomness. */
export interface ProcessBatchDeps {
  /** The backend of each kind of target; each request's rule change goes to the one of its target. */
  readonly backends: RuleBackends;
  /** Where outcomes are published. */
  readonly results: MessagePublisher;
  /** Defers records retried after a transient failure. */
  readonly visibility: VisibilityController;
  /** Resolves the queue URL of a record's event source ARN, for deferring it. */
  readonly queueUrlOf: (eventSourceArn: string) => string;
  /** Answers the workflow task of every request that carries a task token. */
  readonly callbacks: TaskCallbacks;
  readonly config: Pick<
    Config,
    'policy' | 'maxReceiveCount' | 'concurrency' | 'retryBaseSeconds' | 'retryMaxSeconds'
  >;
  readonly logger: LoggerPort;
  readonly metrics?: MetricsPort;
  readonly now?: () => Date;
  readonly random?: () => number;
}

/** Processes one SQS batch of ingress requests and answers which records SQS must deliver again. */
export type ProcessBatch = (event: SQSEvent) => Promise<SQSBatchResponse>;

/**
 * Makes the batch processor of the authorize entry point: read the records, run and decide each one,
 * publish the outcomes, settle the batch, then answer tasks, defer retries, log and count.
 *
 * A record is acknowledged (left out of `batchItemFailures`) only after its outcome was accepted by
 * the results queue, so nothing is lost; rule changes are idempotent, so a redelivery is safe.
 */
export function makeProcessBatch(deps: ProcessBatchDeps): ProcessBatch {
  const { backends, results, visibility, queueUrlOf, callbacks, config, logger, metrics } = deps;
  const now = deps.now ?? (() => new Date());
  const random = deps.random ?? Math.random;
  const readRecord = makeRecordReader(config.policy);

  return async (event) => {
    const batchStartedAt = now();
    // 1. Read: parse and check every record, and plan which run in order and which share a call.
    const items = event.Records.map(readRecord);
    const plan = planRecords(items);

    // 2. Decide: make the calls and decide each record from its result.
    const { decisions, calls } = await runBatch(items, plan, {
      backends,
      concurrency: config.concurrency,
      maxReceiveCount: config.maxReceiveCount,
      now,
    });

    // 3. Settle, around the effects it depends on: outcomes are published first, since a record is
    // acknowledged only once its outcome is accepted; then the tasks whose outcome that settlement made
    // final are answered (a record SQS delivers again answers then). Only when a task could not be
    // answered is the batch settled again, with that record (and the rest of its FIFO group) retried
    // unless this was its last attempt.
    const { unpublished, calls: publishCalls } = await publishOutcomes(items, decisions, results, logger);
    const { maxReceiveCount } = config;
    const published = settleBatch({ items, decisions, unpublished, maxReceiveCount });
    const unanswered = await answerTasks(items, decisions, published.answerable, {
      callbacks,
      logger,
      concurrency: config.concurrency,
    });
    const settlement =
      unanswered.size === 0
        ? published
        : settleBatch({
            items,
            decisions,
            unpublished,
            unanswered: new Set(unanswered.keys()),
            maxReceiveCount,
          });

    // 4. The remaining effects: retry delays, logs and metrics.
    const retries = await deferRetries(items, decisions, settlement.deferred, {
      visibility,
      queueUrlOf,
      logger,
      retryBaseSeconds: config.retryBaseSeconds,
      retryMaxSeconds: config.retryMaxSeconds,
      random,
      secondsSinceReceive: secondsSinceReceiveAtMost(batchStartedAt, now()),
    });
    logUnansweredTasks(items, unanswered, settlement.deferred, logger);
    logOutcomes(items, decisions, unpublished, logger, metrics);
    metrics?.addMetric('redshift-calls', 'Count', calls);
    metrics?.addMetric('retries', 'Count', retries);

    const batchItemFailures = settlement.failed.map((index) => ({
      itemIdentifier: (items[index] as BatchRecord).record.messageId,
    }));
    logger.debug('Batch processed', {
      records: items.length,
      redshiftCalls: calls,
      publishCalls,
      failures: batchItemFailures.length,
    });
    return { batchItemFailures };
  };
}
