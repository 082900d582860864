import {
  DeleteMessageBatchCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { createVisibilityController } from '../../src/adapters/sqs.js';

/** A message received from a queue, with what the commands show of it. */
export interface ReceivedMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly receiveCount: number;
  readonly sentAt?: string;
  /** FIFO queues: the message group. */
  readonly groupId?: string;
  readonly attributes: Readonly<Record<string, MessageAttributeValue>>;
}

/**
 * Reads a queue without consuming it: every received message is held (invisible) until it is
 * deleted or released, and a message received again is not returned twice.
 */
export interface QueueReader {
  /** Receives up to `max` (at most 10) messages never returned before; empty when the wait ends or is aborted. */
  receive(options: { readonly waitSeconds: number; readonly max?: number }): Promise<ReceivedMessage[]>;
  /** Deletes messages; returns the ids SQS could not delete, with the reason. */
  delete(messages: readonly ReceivedMessage[]): Promise<ReadonlyMap<string, string>>;
  /**
   * Makes every held message visible again at once (visibility 0), so other consumers get it back.
   *
   * @returns how many could not be released (they come back when their visibility timeout ends)
   */
  release(): Promise<number>;
}

/** Options of {@link createQueueReader}. */
export interface QueueReaderOptions {
  /**
   * How long received messages stay hidden. A message this reader holds comes back by itself after
   * it, if the process dies before releasing it.
   */
  readonly visibilitySeconds: number;
  /** Ends a long poll at once. */
  readonly signal?: AbortSignal;
}

/** SQS's most messages per ReceiveMessage and per batch call. */
const MAX_BATCH = 10;

/**
 * Creates a reader of one queue.
 *
 * Held messages are released only on {@link QueueReader.release}, not one by one: a message made
 * visible at once would be received again by the next poll, and every receive counts toward a
 * redrive policy's maxReceiveCount, so looping over other consumers' messages could dead-letter them.
 */
export function createQueueReader(
  sqs: SQSClient,
  queueUrl: string,
  options: QueueReaderOptions,
): QueueReader {
  const held = new Map<string, string>();
  const seen = new Set<string>();
  return {
    async receive({ waitSeconds, max = MAX_BATCH }) {
      if (options.signal?.aborted) return [];
      let messages: Message[] = [];
      try {
        const response = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: Math.max(1, Math.min(MAX_BATCH, max)),
            WaitTimeSeconds: Math.max(0, Math.min(20, Math.floor(waitSeconds))),
            VisibilityTimeout: options.visibilitySeconds,
            MessageAttributeNames: ['All'],
            MessageSystemAttributeNames: ['All'],
          }),
          options.signal ? { abortSignal: options.signal } : {},
        );
        messages = response.Messages ?? [];
      } catch (error) {
        if (options.signal?.aborted) return [];
        throw error;
      }
      const fresh: ReceivedMessage[] = [];
      for (const message of messages) {
        const messageId = message.MessageId as string;
        const receiptHandle = message.ReceiptHandle as string;
        // The latest receipt handle is the one SQS accepts for a later delete or release.
        held.set(messageId, receiptHandle);
        if (seen.has(messageId)) continue;
        seen.add(messageId);
        const system = message.Attributes ?? {};
        fresh.push({
          messageId,
          receiptHandle,
          body: message.Body ?? '',
          receiveCount: Number(system.ApproximateReceiveCount ?? 1),
          ...(system.SentTimestamp !== undefined && {
            sentAt: new Date(Number(system.SentTimestamp)).toISOString(),
          }),
          ...(system.MessageGroupId !== undefined && { groupId: system.MessageGroupId }),
          attributes: message.MessageAttributes ?? {},
        });
      }
      return fresh;
    },

    async delete(messages) {
      const failed = new Map<string, string>();
      for (let start = 0; start < messages.length; start += MAX_BATCH) {
        const chunk = messages.slice(start, start + MAX_BATCH);
        try {
          const response = await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: chunk.map((message, index) => ({
                Id: String(index),
                ReceiptHandle: held.get(message.messageId) ?? message.receiptHandle,
              })),
            }),
          );
          const failures = new Map((response.Failed ?? []).map((entry) => [entry.Id, entry]));
          chunk.forEach((message, index) => {
            const failure = failures.get(String(index));
            if (failure) failed.set(message.messageId, `${failure.Code}: ${failure.Message ?? 'no message'}`);
            else held.delete(message.messageId);
          });
        } catch (error) {
          for (const message of chunk) failed.set(message.messageId, (error as Error).message);
        }
      }
      return failed;
    },

    async release() {
      if (held.size === 0) return 0;
      const changes = [...held].map(([id, receiptHandle]) => ({ id, receiptHandle, seconds: 0 }));
      held.clear();
      const failed = await createVisibilityController(sqs).defer(queueUrl, changes);
      return failed.size;
    },
  };
}
