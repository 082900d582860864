import {
  ChangeMessageVisibilityBatchCommand,
  type MessageAttributeValue,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type {
  MessagePublisher,
  OutgoingMessage,
  VisibilityChange,
  VisibilityController,
} from '../app/ports.js';
import { forEachBounded, sleep } from '../shared/run-bounded.js';
import { asAwsError } from './aws-error.js';

/**
 * SQS limits of one SendMessageBatch: 10 entries, 1 MiB of bodies and attributes together (256 KiB
 * before August 2025), as of one message.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html
 */
const MAX_BATCH_ENTRIES = 10;
const MAX_BATCH_BYTES = 1_048_576;
/** Batches sent at once; a batch of outcomes rarely needs more than one or two. */
const SEND_CONCURRENCY = 4;

/** Options of {@link createQueuePublisher}. */
export interface PublisherOptions {
  /** Rounds of sending: the first plus retries of entries SQS failed with a server fault. */
  readonly rounds?: number;
  /** Pause before a retry round, in milliseconds, doubled each round. */
  readonly retryDelayMs?: number;
}

/**
 * Creates a publisher that sends with SendMessageBatch in chunks within SQS's limits.
 *
 * SendMessageBatch answers HTTP 200 even when entries fail: each `Failed[]` entry is read. A server
 * fault is retried; a sender fault (`SenderFault: true`: too large, a character SQS refuses, a bad
 * attribute) fails again the same way, so it is not retried as an outage: the message's fallback body is
 * sent instead, once, and without one the message is reported as refused.
 * See https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html
 */
export function createQueuePublisher(
  client: SQSClient,
  queueUrl: string,
  options: PublisherOptions = {},
): MessagePublisher {
  const rounds = options.rounds ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 100;
  const fifo = queueUrl.endsWith('.fifo');
  return {
    async publish(messages) {
      const failed = new Map<string, string>();
      const refused = new Set<string>();
      let pending = [...messages];
      let calls = 0;
      for (let round = 1; round <= rounds && pending.length > 0; round += 1) {
        if (round > 1) await sleep(retryDelayMs * 2 ** (round - 2));
        const retry: OutgoingMessage[] = [];
        const chunks = chunkMessages(pending);
        calls += chunks.length;
        await forEachBounded(chunks, SEND_CONCURRENCY, async (chunk) => {
          const entries = chunk.map((message, index) => toEntry(message, String(index), fifo));
          try {
            const response = await client.send(
              new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }),
            );
            const accepted = new Set((response.Successful ?? []).map((entry) => entry.Id));
            const failures = new Map((response.Failed ?? []).map((entry) => [entry.Id, entry]));
            chunk.forEach((message, index) => {
              const id = String(index);
              if (accepted.has(id)) {
                failed.delete(message.id);
                refused.delete(message.id);
                return;
              }
              const failure = failures.get(id);
              const reason = failure
                ? `${failure.Code ?? 'Failed'}: ${failure.Message ?? 'no message'}`
                : 'absent from both Successful and Failed';
              failed.set(message.id, reason);
              if (!failure?.SenderFault) {
                retry.push(message);
              } else if (message.fallback !== undefined) {
                // The fallback has none of its own, so it is tried once.
                retry.push({ ...message, body: message.fallback(reason), fallback: undefined });
              } else {
                refused.add(message.id);
              }
            });
          } catch (thrown) {
            const error = asAwsError(thrown);
            for (const message of chunk) {
              failed.set(message.id, `${error.name}: ${error.message}`);
              refused.delete(message.id);
              retry.push(message);
            }
          }
        });
        pending = retry;
      }
      return { failed, refused, calls };
    },
  };
}

/** Creates a controller of request messages' visibility, using ChangeMessageVisibilityBatch. */
export function createVisibilityController(client: SQSClient): VisibilityController {
  return {
    async defer(queueUrl, changes) {
      const failed = new Set<string>();
      const chunks: VisibilityChange[][] = [];
      for (let start = 0; start < changes.length; start += MAX_BATCH_ENTRIES) {
        chunks.push(changes.slice(start, start + MAX_BATCH_ENTRIES));
      }
      await forEachBounded(chunks, SEND_CONCURRENCY, async (chunk) => {
        try {
          const response = await client.send(
            new ChangeMessageVisibilityBatchCommand({
              QueueUrl: queueUrl,
              Entries: chunk.map((change, index) => ({
                Id: String(index),
                ReceiptHandle: change.receiptHandle,
                VisibilityTimeout: change.seconds,
              })),
            }),
          );
          for (const entry of response.Failed ?? []) {
            const change = chunk[Number(entry.Id)];
            if (change) failed.add(change.id);
          }
        } catch {
          for (const change of chunk) failed.add(change.id);
        }
      });
      return failed;
    },
  };
}

/**
 * The URL of a queue from its ARN, as the event source gives it.
 *
 * @param endpoint a custom SQS endpoint (AWS_ENDPOINT_URL_SQS or AWS_ENDPOINT_URL), if any
 */
export function queueUrlFromArn(arn: string, endpoint?: string): string {
  const parts = arn.split(':');
  const [, partition, , region, account, name] = parts;
  if (parts.length !== 6 || !region || !account || !name) throw new Error(`not an SQS queue ARN: "${arn}"`);
  if (endpoint) return `${endpoint.replace(/\/+$/, '')}/${account}/${name}`;
  const domain = partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://sqs.${region}.${domain}/${account}/${name}`;
}

/**
 * Resolves an event source ARN to its queue URL: the configured URL when it names the same queue
 * (it may point at another endpoint), else the URL built from the ARN.
 *
 * @param knownQueueUrl REQUESTS_QUEUE_URL, if configured
 * @param endpoint a custom SQS endpoint (AWS_ENDPOINT_URL_SQS or AWS_ENDPOINT_URL), if any
 */
export function makeQueueUrlResolver(knownQueueUrl?: string, endpoint?: string): (arn: string) => string {
  return (arn) => {
    const name = arn.split(':').pop();
    if (knownQueueUrl && name && knownQueueUrl.endsWith(`/${name}`)) return knownQueueUrl;
    return queueUrlFromArn(arn, endpoint);
  };
}

function toEntry(message: OutgoingMessage, id: string, fifo: boolean): SendMessageBatchRequestEntry {
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(message.attributes ?? {})) {
    attributes[name] = { DataType: 'String', StringValue: value };
  }
  return {
    Id: id,
    MessageBody: message.body,
    ...(Object.keys(attributes).length > 0 && { MessageAttributes: attributes }),
    ...(fifo && {
      MessageGroupId: message.groupId ?? 'default',
      MessageDeduplicationId: message.deduplicationId ?? message.id,
    }),
  };
}

/** The bytes a message counts against SQS's size limit: body, attribute names, types and values. */
export function messageSize(message: OutgoingMessage): number {
  let size = Buffer.byteLength(message.body, 'utf8');
  for (const [name, value] of Object.entries(message.attributes ?? {})) {
    size += Buffer.byteLength(name, 'utf8') + 'String'.length + Buffer.byteLength(value, 'utf8');
  }
  return size;
}

/** Splits messages into batches of at most 10 entries and 1 MiB, keeping their order. */
export function chunkMessages(messages: readonly OutgoingMessage[]): OutgoingMessage[][] {
  return chunkWithinBatchLimits(messages, messageSize);
}

/**
 * Splits items into SendMessageBatch-sized batches (10 entries, 1 MiB as `sizeOf` counts), keeping
 * their order; an item larger than the limit goes alone, for SQS to refuse it by itself.
 */
export function chunkWithinBatchLimits<T>(items: readonly T[], sizeOf: (item: T) => number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length > 0 && (current.length === MAX_BATCH_ENTRIES || bytes + size > MAX_BATCH_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
