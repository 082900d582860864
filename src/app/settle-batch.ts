// Stage 3 of the batch processor: which records SQS deletes, which it delivers again and which of those
// wait a retry delay, from the decisions and what became of their effects. Pure. The FIFO rule that no
// record is acknowledged after an earlier record of its message group failed is applied here alone.
import { acknowledges, type Decision } from './decide-record.js';
import type { BatchRecord } from './read-batch.js';

/** What a settlement is computed from. */
export interface SettleInput {
  readonly items: readonly Pick<BatchRecord, 'messageGroupId' | 'attempt'>[];
  /** One decision per record, in batch order. */
  readonly decisions: readonly Decision[];
  /** Records whose outcome the results queue did not accept. */
  readonly unpublished: ReadonlySet<number>;
  /** Records whose task could not be answered (the workflow service was unreachable). */
  readonly unanswered?: ReadonlySet<number>;
  /** The requests queue's maxReceiveCount: a delivery with this attempt is the last. */
  readonly maxReceiveCount: number;
}

/** How a batch ends, by record index. */
export interface Settlement {
  /** Records SQS must deliver again (the batch item failures), in batch order. */
  readonly failed: readonly number[];
  /** Records retried after a backoff delay, in batch order. */
  readonly deferred: readonly number[];
  /**
   * Records whose task, if they carry a token, may be answered now: their outcome is published and final
   * (acknowledged, or `failed` on its way to the DLQ). An acknowledged outcome held back by its FIFO group
   * is answered when SQS delivers it again.
   */
  readonly answerable: readonly number[];
}

/**
 * Settles a batch.
 *
 * A record fails when it must be retried, was skipped, exhausted its attempts, its outcome was not
 * accepted or its task could not be answered before its last attempt (on the last, a retry would send a
 * settled request to the DLQ: it is acknowledged, the callback lost); in a FIFO message group every
 * later record fails with it (unless its outcome needs no order: a rejection on its last delivery).
 * A record retried for its own sake (a transient error, an unpublished outcome, an unanswered task)
 * waits a retry delay; a `failed` outcome goes on to the DLQ, and delaying it would only hold it back.
 */
export function settleBatch(input: SettleInput): Settlement {
  const { items, decisions, unpublished } = input;
  const unanswered = new Set(
    [...(input.unanswered ?? [])].filter(
      (index) => (items[index] as Pick<BatchRecord, 'attempt'>).attempt < input.maxReceiveCount,
    ),
  );
  const failed = new Set<number>();
  decisions.forEach((decision, index) => {
    if (!acknowledges(decision) || unpublished.has(index) || unanswered.has(index)) failed.add(index);
  });
  const failedGroups = new Set<string>();
  items.forEach((item, index) => {
    if (item.messageGroupId === undefined) return;
    const decision = decisions[index] as Decision;
    if (failedGroups.has(item.messageGroupId)) {
      const unordered = decision.kind === 'outcome' && decision.unordered === true && !failed.has(index);
      if (!unordered) failed.add(index);
    } else if (failed.has(index)) failedGroups.add(item.messageGroupId);
  });

  const deferred: number[] = [];
  const answerable: number[] = [];
  decisions.forEach((decision, index) => {
    if (decision.kind === 'skip') return;
    const retried = decision.kind === 'retry' || unpublished.has(index) || unanswered.has(index);
    if (retried && (decision.kind === 'retry' || decision.acknowledge)) deferred.push(index);
    if (
      decision.kind === 'outcome' &&
      !unpublished.has(index) &&
      !(decision.acknowledge && failed.has(index))
    )
      answerable.push(index);
  });
  return { failed: [...failed].sort((a, b) => a - b), deferred, answerable };
}
