import { describe, expect, it } from 'vitest';
import type { Decision } from '../../src/app/decide-record.js';
import { settleBatch } from '../../src/app/settle-batch.js';
import type { Outcome } from '../../src/domain/outcome.js';

// Decisions are built by hand: settling reads only their kind, acknowledgement and FIFO flag.
const outcome = {} as Outcome;
const done: Decision = { kind: 'outcome', outcome, acknowledge: true };
const failedOnLastAttempt: Decision = { kind: 'outcome', outcome, acknowledge: false };
const rejectedUnordered: Decision = { kind: 'outcome', outcome, acknowledge: true, unordered: true };
const retry: Decision = {
  kind: 'retry',
  error: { code: 'Throttling', message: 'slow down', retryable: true },
};
const skip: Decision = { kind: 'skip' };
const none = new Set<number>();

/** The requests queue's maxReceiveCount in these tests. */
const MAX = 5;

/** Records on their first delivery, in FIFO message groups (undefined: a standard queue). */
const inGroups = (...groups: (string | undefined)[]) =>
  groups.map((messageGroupId) =>
    messageGroupId === undefined ? { attempt: 1 } : { attempt: 1, messageGroupId },
  );

describe('settleBatch', () => {
  it('acknowledges final published outcomes and answers their tasks', () => {
    // Act
    const settlement = settleBatch({
      items: inGroups(undefined, undefined),
      decisions: [done, done],
      unpublished: none,
      maxReceiveCount: MAX,
    });

    // Assess
    expect(settlement).toEqual({ failed: [], deferred: [], answerable: [0, 1] });
  });

  it('fails and delays a retry; fails a failed outcome without delay but answers its task', () => {
    // Act
    const settlement = settleBatch({
      items: inGroups(undefined, undefined, undefined),
      decisions: [retry, failedOnLastAttempt, done],
      unpublished: none,
      maxReceiveCount: MAX,
    });

    // Assess
    expect(settlement).toEqual({ failed: [0, 1], deferred: [0], answerable: [1, 2] });
  });

  it('fails and delays a record whose outcome was not published, and answers nothing for it', () => {
    // Act
    const settlement = settleBatch({
      items: inGroups(undefined, undefined),
      decisions: [done, failedOnLastAttempt],
      unpublished: new Set([0, 1]),
      maxReceiveCount: MAX,
    });

    // Assess: the failed outcome goes to the DLQ whether or not it was published, so it is not delayed.
    expect(settlement).toEqual({ failed: [0, 1], deferred: [0], answerable: [] });
  });

  it('fails and delays a record whose task could not be answered', () => {
    // Act
    const settlement = settleBatch({
      items: inGroups(undefined, undefined),
      decisions: [done, done],
      unpublished: none,
      maxReceiveCount: MAX,
      unanswered: new Set([1]),
    });

    // Assess
    expect(settlement.failed).toEqual([1]);
    expect(settlement.deferred).toEqual([1]);
  });

  it('acknowledges a record whose task could not be answered on its last attempt, as a retry would go to the DLQ', () => {
    // Act
    const settlement = settleBatch({
      items: [
        { attempt: MAX - 1, messageGroupId: 'a' },
        { attempt: MAX, messageGroupId: 'a' },
      ],
      decisions: [done, done],
      unpublished: none,
      unanswered: new Set([1]),
      maxReceiveCount: MAX,
    });

    // Assess
    expect(settlement).toEqual({ failed: [], deferred: [], answerable: [0, 1] });
  });

  it('FIFO: fails every later record of a group after its first failure, delaying only the record that failed', () => {
    // Act: group a fails at record 1 (unpublished); group b is untouched.
    const settlement = settleBatch({
      items: inGroups('a', 'a', 'b', 'a', 'a'),
      decisions: [done, done, done, done, skip],
      unpublished: new Set([1]),
      maxReceiveCount: MAX,
    });

    // Assess: record 3 was published, but is held back with its group and answered on its redelivery.
    expect(settlement).toEqual({ failed: [1, 3, 4], deferred: [1], answerable: [0, 2] });
  });

  it('FIFO: a rejection on its last delivery stays acknowledged after its group failed, unless it failed itself', () => {
    // Act
    const published = settleBatch({
      items: inGroups('a', 'a', 'a'),
      decisions: [retry, rejectedUnordered, done],
      unpublished: none,
      maxReceiveCount: MAX,
    });
    const unpublished = settleBatch({
      items: inGroups('a', 'a', 'a'),
      decisions: [retry, rejectedUnordered, done],
      unpublished: new Set([1]),
      maxReceiveCount: MAX,
    });

    // Assess
    expect(published).toEqual({ failed: [0, 2], deferred: [0], answerable: [1] });
    expect(unpublished).toEqual({ failed: [0, 1, 2], deferred: [0, 1], answerable: [] });
  });

  it('FIFO: a task that could not be answered holds back the rest of its group, which was already answered', () => {
    // Prepare
    const input = {
      items: inGroups('a', 'a', 'b'),
      decisions: [done, done, done],
      unpublished: none,
      maxReceiveCount: MAX,
    };

    // Act
    const beforeAnswers = settleBatch(input);
    const afterAnswers = settleBatch({ ...input, unanswered: new Set([0]) });

    // Assess: the later record of group a is redelivered and answers again idempotently.
    expect(beforeAnswers.answerable).toEqual([0, 1, 2]);
    expect(afterAnswers.failed).toEqual([0, 1]);
    expect(afterAnswers.deferred).toEqual([0]);
  });

  it('keeps FIFO groups apart and standard records out of them', () => {
    // Act
    const settlement = settleBatch({
      items: inGroups('a', undefined, 'b', 'a'),
      decisions: [retry, done, done, done],
      unpublished: none,
      maxReceiveCount: MAX,
    });

    // Assess
    expect(settlement.failed).toEqual([0, 3]);
  });
});
