// The effects of the batch processor besides answering tasks (answer-tasks.ts): publishing outcomes,
// deferring retries, logging and counting.
import { fifoGroupId } from '../domain/hash.js';
import { requestMessageGroupId } from '../domain/message-group.js';
import { type AnyOutcome, Status, shortenOutcome } from '../domain/outcome.js';
import { calculateRetryDelaySeconds } from '../domain/retry.js';
import type { Decision } from './decide-record.js';
import type {
  LoggerPort,
  MessagePublisher,
  MetricsPort,
  OutgoingMessage,
  PublishReport,
  VisibilityChange,
  VisibilityController,
} from './ports.js';
import { type BatchRecord, logFieldsOf } from './read-batch.js';

/** What publishing outcomes achieved: the records whose outcome was not accepted, and the send calls made. */
export interface PublishedOutcomes {
  readonly unpublished: ReadonlySet<number>;
  readonly calls: number;
}

/** Publishes the outcome of every decision that has one; each not accepted is logged, as its record will be retried. */
export async function publishOutcomes(
  items: readonly BatchRecord[],
  decisions: readonly Decision[],
  results: MessagePublisher,
  logger: LoggerPort,
): Promise<PublishedOutcomes> {
  const outgoing: OutgoingMessage[] = [];
  decisions.forEach((decision, index) => {
    if (decision.kind === 'outcome') outgoing.push(toMessage(decision.outcome, items[index] as BatchRecord));
  });
  const published: PublishReport =
    outgoing.length > 0
      ? await results.publish(outgoing)
      : { failed: new Map<string, string>(), refused: new Set<string>(), calls: 0 };
  const unpublished = new Set<number>();
  decisions.forEach((decision, index) => {
    const item = items[index] as BatchRecord;
    if (decision.kind !== 'outcome' || !published.failed.has(item.record.messageId)) return;
    unpublished.add(index);
    logger.error(
      published.refused.has(item.record.messageId)
        ? 'Outcome refused by the results queue (sender fault), its shortened form too; the request is delivered again until the DLQ'
        : 'Outcome not accepted by the results queue; the request will be retried',
      { ...logFieldsOf(item), reason: published.failed.get(item.record.messageId) },
    );
  });
  return { unpublished, calls: published.calls };
}

/** What deferring retries needs. */
export interface DeferOptions {
  readonly visibility: VisibilityController;
  /** Resolves the queue URL of a record's event source ARN. */
  readonly queueUrlOf: (eventSourceArn: string) => string;
  readonly logger: LoggerPort;
  readonly retryBaseSeconds: number;
  readonly retryMaxSeconds: number;
  /** A number in [0, 1) for the jitter of each delay. */
  readonly random: () => number;
  /** At most how long ago the batch's records were received: no delay may reach 12 hours past a receive. */
  readonly secondsSinceReceive: number;
}

/**
 * Gives each deferred record its backoff delay (ChangeMessageVisibility), logging every transient
 * failure with its delay and every skipped FIFO record.
 *
 * @returns how many records were given a delay
 */
export async function deferRetries(
  items: readonly BatchRecord[],
  decisions: readonly Decision[],
  deferred: readonly number[],
  options: DeferOptions,
): Promise<number> {
  const { logger } = options;
  const isDeferred = new Set(deferred);
  const delays: { index: number; seconds: number }[] = [];
  decisions.forEach((decision, index) => {
    const item = items[index] as BatchRecord;
    if (decision.kind === 'skip') {
      logger.info('Not attempted: an earlier request of its FIFO message group failed', logFieldsOf(item));
      return;
    }
    if (!isDeferred.has(index)) return;
    const seconds = calculateRetryDelaySeconds(
      item.attempt,
      { baseSeconds: options.retryBaseSeconds, maxSeconds: options.retryMaxSeconds },
      options.random(),
      options.secondsSinceReceive,
    );
    delays.push({ index, seconds });
    if (decision.kind === 'retry') {
      logger.warn('Transient failure; the request will be retried', {
        ...logFieldsOf(item),
        error: decision.error,
        retryInSeconds: seconds,
      });
    }
  });

  const byQueue = new Map<string, VisibilityChange[]>();
  for (const { index, seconds } of delays) {
    const { record } = items[index] as BatchRecord;
    let queueUrl: string;
    try {
      queueUrl = options.queueUrlOf(record.eventSourceARN);
    } catch (error) {
      logger.warn('Cannot defer a retry: unknown queue', {
        ...logFieldsOf(items[index] as BatchRecord),
        error: String(error),
      });
      continue;
    }
    const changes = byQueue.get(queueUrl) ?? [];
    changes.push({ id: record.messageId, receiptHandle: record.receiptHandle, seconds });
    byQueue.set(queueUrl, changes);
  }
  const itemOf = new Map(delays.map(({ index }) => [(items[index] as BatchRecord).record.messageId, index]));
  for (const [queueUrl, changes] of byQueue) {
    const notChanged = await options.visibility.defer(queueUrl, changes);
    for (const messageId of notChanged) {
      const index = itemOf.get(messageId);
      // The record still returns after the queue's own visibility timeout: retried sooner, not lost.
      logger.warn('Could not set the retry delay; the request returns after the visibility timeout', {
        ...(index === undefined ? { messageId } : logFieldsOf(items[index] as BatchRecord)),
        queueUrl,
      });
    }
  }
  return delays.length;
}

/** Logs every published outcome and counts it by status. */
export function logOutcomes(
  items: readonly BatchRecord[],
  decisions: readonly Decision[],
  unpublished: ReadonlySet<number>,
  logger: LoggerPort,
  metrics: MetricsPort | undefined,
): void {
  for (const [index, decision] of decisions.entries()) {
    if (decision.kind !== 'outcome' || unpublished.has(index)) continue;
    const { outcome } = decision;
    const fields = {
      ...logFieldsOf(items[index] as BatchRecord),
      status: outcome.status,
      ...(outcome.error && { error: outcome.error }),
    };
    if (outcome.status === Status.failed) logger.error('Request failed on its last attempt', fields);
    else logger.info('Request processed', fields);
    metrics?.addMetric(`status-${outcome.status}`, 'Count', 1);
  }
}

/** The FIFO results group of an outcome that names no target. */
const INVALID_REQUESTS_GROUP = 'invalid-requests';

/** The message attributes naming an outcome v2's target: as asked, and the security group resolved. */
function targetAttributes(outcome: AnyOutcome): Record<string, string> {
  if (outcome.version !== 2 || outcome.rule === undefined) return {};
  const { clusterIdentifier, workgroupName, securityGroupId } = outcome.rule;
  return {
    ...(clusterIdentifier !== undefined && { clusterIdentifier }),
    ...(workgroupName !== undefined && { workgroupName }),
    ...(securityGroupId !== undefined && { securityGroupId }),
  };
}

/**
 * The FIFO results group of an outcome: its target, as the requests queue groups it (a cluster security
 * group's name for version 1, the same or the kind-prefixed target for version 2).
 */
function resultsGroupOf(outcome: AnyOutcome, item: BatchRecord): string {
  if (outcome.version === 2 && outcome.rule !== undefined) return requestMessageGroupId(outcome.rule);
  return fifoGroupId(item.context.clusterSecurityGroupName ?? INVALID_REQUESTS_GROUP);
}

function toMessage(outcome: AnyOutcome, item: BatchRecord): OutgoingMessage {
  return {
    id: item.record.messageId,
    body: JSON.stringify(outcome),
    attributes: {
      status: outcome.status,
      action: outcome.action,
      ...(item.context.clusterSecurityGroupName !== undefined && {
        clusterSecurityGroupName: item.context.clusterSecurityGroupName,
      }),
      ...targetAttributes(outcome),
    },
    // FIFO results queues: outcomes of one target stay in order; one outcome per delivery attempt.
    groupId: resultsGroupOf(outcome, item),
    deduplicationId: `${item.record.messageId}-${item.attempt}`,
    // Refused as the sender's fault (a body SQS cannot take), the outcome goes again without echoed text.
    fallback: (reason) => JSON.stringify(shortenOutcome(outcome, reason)),
  };
}
