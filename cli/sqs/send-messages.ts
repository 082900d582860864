import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { asAwsError } from '../../src/adapters/aws-error.js';
import { forEachBounded, sleep } from '../../src/shared/run-bounded.js';
import { describeEndpointFailure, EndpointError } from '../endpoint-error.js';

/** One message to send, with FIFO settings used only on a FIFO queue. */
export interface MessageToSend {
  readonly body: string;
  readonly groupId?: string;
  readonly deduplicationId?: string;
}

/** What became of each message, by its index in the list given. */
export interface SendResult {
  /** The SQS message id of each accepted message: the id its outcome carries as `messageId`. */
  readonly messageIds: ReadonlyMap<number, string>;
  /** The reason of each message the queue did not accept. */
  readonly failed: ReadonlyMap<number, string>;
}

/** SQS's most entries per SendMessageBatch; request bodies are capped far below its 256 KiB. */
const MAX_BATCH = 10;
/** Batches in flight at once. */
const CONCURRENCY = 4;
/** Rounds of sending: the first plus retries of entries SQS failed with a server fault. */
const ROUNDS = 3;

/**
 * Sends messages with SendMessageBatch and returns the message id SQS gave each one, which is what
 * ties an outcome to this send: a request id may have been used before.
 *
 * Per-entry failures (HTTP 200 with `Failed[]`) are retried unless SQS says the sender is at fault.
 * An endpoint that cannot be reached, or does not answer as SQS, fails the whole send at once.
 *
 * @throws EndpointError when the endpoint cannot be reached or is not an AWS endpoint
 */
export async function sendMessages(
  sqs: SQSClient,
  queueUrl: string,
  messages: readonly MessageToSend[],
  onProgress?: (done: number) => void,
): Promise<SendResult> {
  const fifo = queueUrl.endsWith('.fifo');
  const messageIds = new Map<number, string>();
  const failed = new Map<number, string>();
  let pending = messages.map((_, index) => index);
  // An unreachable endpoint fails every batch the same way: said once, for the whole send.
  let endpointFailure: EndpointError | undefined;
  for (let round = 1; round <= ROUNDS && pending.length > 0; round += 1) {
    if (round > 1) await sleep(100 * 2 ** (round - 2));
    const retry: number[] = [];
    const chunks: number[][] = [];
    for (let start = 0; start < pending.length; start += MAX_BATCH)
      chunks.push(pending.slice(start, start + MAX_BATCH));
    await forEachBounded(chunks, CONCURRENCY, async (chunk) => {
      if (endpointFailure !== undefined) return;
      try {
        const response = await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: chunk.map((index, position) => {
              const message = messages[index] as MessageToSend;
              return {
                Id: String(position),
                MessageBody: message.body,
                ...(fifo && {
                  MessageGroupId: message.groupId ?? 'default',
                  ...(message.deduplicationId !== undefined && {
                    MessageDeduplicationId: message.deduplicationId,
                  }),
                }),
              };
            }),
          }),
        );
        for (const entry of response.Successful ?? []) {
          const index = chunk[Number(entry.Id)];
          if (index === undefined || entry.MessageId === undefined) continue;
          messageIds.set(index, entry.MessageId);
          failed.delete(index);
        }
        const failures = new Map((response.Failed ?? []).map((entry) => [entry.Id, entry]));
        chunk.forEach((index, position) => {
          if (messageIds.has(index)) return;
          const failure = failures.get(String(position));
          failed.set(
            index,
            failure
              ? `${failure.Code ?? 'Failed'}: ${failure.Message ?? 'no message'}`
              : 'absent from both Successful and Failed',
          );
          // A sender fault (too large, invalid attribute) fails again the same way.
          if (!failure?.SenderFault) retry.push(index);
        });
      } catch (thrown) {
        const message = describeEndpointFailure(thrown, queueUrl);
        if (message !== undefined) {
          endpointFailure ??= new EndpointError(message, { cause: thrown });
          return;
        }
        const error = asAwsError(thrown);
        for (const index of chunk) {
          failed.set(index, `${error.name}: ${error.message}`);
          retry.push(index);
        }
      }
      onProgress?.(messageIds.size + failed.size);
    });
    if (endpointFailure !== undefined) throw endpointFailure;
    pending = retry;
  }
  return { messageIds, failed };
}
