import { randomBytes } from 'node:crypto';
import type { MessageAttributeValue } from './sqs-checksums.js';

/** One message as a queue stores it. */
export interface StoredMessage {
  readonly messageId: string;
  readonly body: string;
  readonly md5OfBody: string;
  readonly messageAttributes: Readonly<Record<string, MessageAttributeValue>>;
  readonly systemAttributes: Readonly<Record<string, MessageAttributeValue>>;
  readonly senderId: string;
  /** Epoch ms of the first send; retention counts from it, even after a move to a DLQ. */
  readonly sentAt: number;
  readonly groupId: string | undefined;
  readonly deduplicationId: string | undefined;
  readonly sequenceNumber: string | undefined;
  readonly deadLetterQueueSourceArn: string | undefined;
  /** Epoch ms from which the message can be received (delay or visibility timeout). */
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt: number | undefined;
  /** Epoch ms of the latest receive: SQS's 12 hours of visibility count from it. */
  receivedAt: number | undefined;
  /** The receipt handle of the latest receive: only it deletes or changes visibility. */
  receiptHandle: string | undefined;
  deleted: boolean;
}

/** A message's state at one instant, as the Approximate* attributes count it. */
export type MessageState = 'visible' | 'in-flight' | 'delayed';

interface DeduplicationEntry {
  readonly expiresAt: number;
  readonly messageId: string;
  readonly sequenceNumber: string | undefined;
}

/** The FIFO deduplication interval. https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-queues-exactly-once-processing.html */
export const DEDUPLICATION_INTERVAL_MS = 5 * 60 * 1000;

/** Returns the state of a message at `now`. */
export function messageState(message: StoredMessage, now: number): MessageState {
  if (message.visibleAt <= now) return 'visible';
  return message.receiveCount > 0 ? 'in-flight' : 'delayed';
}

/** One queue: its attributes, its messages in arrival order, receipt handles and waiting receivers. */
export class Queue {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  readonly fifo: boolean;
  readonly createdAt: number;
  lastModifiedAt: number;
  readonly attributes: Map<string, string>;
  deleted = false;
  readonly #messages: StoredMessage[] = [];
  readonly #handles = new Map<string, StoredMessage>();
  readonly #deduplication = new Map<string, DeduplicationEntry>();
  readonly #waiters = new Set<() => void>();
  // SequenceNumber is a large, increasing, non-consecutive number; its start only has to look the part.
  #sequence = 18_000_000_000_000_000_000n;

  constructor(init: {
    name: string;
    url: string;
    arn: string;
    attributes: Map<string, string>;
    now: number;
  }) {
    this.name = init.name;
    this.url = init.url;
    this.arn = init.arn;
    this.fifo = init.name.endsWith('.fifo');
    this.attributes = init.attributes;
    this.createdAt = init.now;
    this.lastModifiedAt = init.now;
  }

  /** A numeric attribute, which validation guarantees to be present and numeric. */
  numberAttribute(name: string): number {
    return Number(this.attributes.get(name) ?? 0);
  }

  /** The messages not yet deleted, in arrival order, after dropping those past retention. */
  messages(now: number): readonly StoredMessage[] {
    const retentionMs = this.numberAttribute('MessageRetentionPeriod') * 1000;
    for (let index = this.#messages.length - 1; index >= 0; index -= 1) {
      const message = this.#messages[index];
      if (message !== undefined && message.sentAt + retentionMs <= now) this.remove(message);
    }
    return this.#messages;
  }

  /** Counts of messages by state. */
  counts(now: number): Record<MessageState, number> {
    const counts: Record<MessageState, number> = { visible: 0, 'in-flight': 0, delayed: 0 };
    for (const message of this.messages(now)) counts[messageState(message, now)] += 1;
    return counts;
  }

  /** Appends a message and wakes receivers. */
  append(message: StoredMessage): void {
    this.#messages.push(message);
    this.notify();
  }

  /** Removes a message; its receipt handles stay known, so deleting it again succeeds as on AWS. */
  remove(message: StoredMessage): void {
    const index = this.#messages.indexOf(message);
    if (index >= 0) this.#messages.splice(index, 1);
    message.deleted = true;
    this.notify();
  }

  /** Removes every message. */
  purge(): number {
    const removed = this.#messages.length;
    for (const message of [...this.#messages]) this.remove(message);
    return removed;
  }

  /** Marks a message received: one more receive, a new receipt handle, invisible until `visibleAt`. */
  markReceived(message: StoredMessage, now: number, visibleAt: number): void {
    message.receiveCount += 1;
    message.firstReceivedAt ??= now;
    message.receivedAt = now;
    message.visibleAt = visibleAt;
    const handle = randomBytes(48).toString('base64');
    message.receiptHandle = handle;
    this.#handles.set(handle, message);
  }

  /** The message a receipt handle was issued for, if this queue issued it. */
  messageForHandle(handle: string): StoredMessage | undefined {
    return this.#handles.get(handle);
  }

  /** The next sequence number of a FIFO queue. */
  nextSequenceNumber(): string {
    this.#sequence += 16n;
    return this.#sequence.toString();
  }

  /** The earlier send a deduplication id names, if it is within the deduplication interval. */
  duplicateOf(key: string, now: number): DeduplicationEntry | undefined {
    const entry = this.#deduplication.get(key);
    if (entry !== undefined && entry.expiresAt <= now) {
      this.#deduplication.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Remembers a send for deduplication. */
  rememberDeduplication(
    key: string,
    now: number,
    messageId: string,
    sequenceNumber: string | undefined,
  ): void {
    this.#deduplication.set(key, { expiresAt: now + DEDUPLICATION_INTERVAL_MS, messageId, sequenceNumber });
  }

  /** The earliest future instant at which a message becomes visible, if any. */
  nextVisibleAt(now: number): number | undefined {
    let next: number | undefined;
    for (const message of this.#messages) {
      if (message.visibleAt > now && (next === undefined || message.visibleAt < next))
        next = message.visibleAt;
    }
    return next;
  }

  /**
   * Resolves when the queue changes, a message may have become visible, `deadline` passes or `signal` aborts.
   *
   * Receivers re-check after waking, so a spurious wake-up is harmless.
   */
  waitForChange(deadline: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) {
        resolve();
        return;
      }
      const now = Date.now();
      const nextVisible = this.nextVisibleAt(now);
      const wakeAt = nextVisible === undefined ? deadline : Math.min(deadline, nextVisible);
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, wakeAt - now));
      this.#waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Wakes every waiting receiver. */
  notify(): void {
    for (const wake of [...this.#waiters]) wake();
  }
}
