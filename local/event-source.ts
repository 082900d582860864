import { AsyncLocalStorage } from 'node:async_hooks';
import { subscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import {
  DeleteMessageBatchCommand,
  type Message,
  type MessageSystemAttributeName,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { createLambdaContext } from './lambda-context.js';

/** A Lambda handler of SQS events, as the authorize entry point exports it. */
export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;

/** Settings of the emulated event source mapping, named as in AWS::Lambda::EventSourceMapping. */
export interface EventSourceOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly handler: SqsHandler;
  readonly functionName?: string;
  /** Records per invocation, 1-10,000. Default 10. */
  readonly batchSize?: number;
  /** Seconds to gather records before invoking, 0-300. Default 0. */
  readonly maximumBatchingWindowInSeconds?: number;
  /** Invocations running at once (the mapping's MaximumConcurrency). Default 2. */
  readonly maximumConcurrency?: number;
  /** Long-poll wait of each ReceiveMessage, 0-20. Default 20, as Lambda polls. */
  readonly waitTimeSeconds?: number;
  /** The function's timeout: an invocation running longer counts as failed. Default 30 s. */
  readonly functionTimeoutMs?: number;
  /**
   * Chaos: called after the handler answered; returning true drops the batch as if the function had
   * crashed or timed out before returning, so nothing is deleted. May be asynchronous.
   */
  readonly dropBatch?: (records: readonly SQSRecord[]) => boolean | Promise<boolean>;
  /** Called after each invocation, for observers and tests. */
  readonly onInvoke?: (report: InvocationReport) => void;
  /** Called when polling or deleting fails; the poller goes on after a pause. */
  readonly onError?: (error: unknown) => void;
}

/** What one invocation did. */
export interface InvocationReport {
  readonly records: readonly SQSRecord[];
  readonly outcome: 'success' | 'partial' | 'error' | 'dropped';
  readonly deleted: number;
  readonly failed: readonly string[];
  readonly error?: unknown;
}

/** A running event source: stop it to end polling and wait for invocations in flight. */
export interface EventSource {
  stop(): Promise<void>;
  readonly stats: {
    invocations: number;
    records: number;
    deleted: number;
    errors: number;
    dropped: number;
    /** Handler calls not yet settled, counting those past their timeout that still run. */
    running: number;
  };
}

/**
 * The invocation whose handler makes a call. Lambda freezes an invocation that timed out and replaces
 * its environment, so nothing it had not yet sent reaches AWS; here its handler runs on, so a request
 * it starts after its timeout is destroyed before it leaves (one already sent still lands, as in AWS).
 */
const invocation = new AsyncLocalStorage<{ timedOut: boolean }>();
subscribe('http.client.request.start', (message) => {
  if (invocation.getStore()?.timedOut) {
    (message as { request: ClientRequest }).request.destroy(new Error('the invocation timed out'));
  }
});

/**
 * Polls a queue and invokes the handler the way Lambda's SQS event source mapping does.
 *
 * Records listed in `batchItemFailures` stay on the queue (and come back after their visibility
 * timeout); the others are deleted. A handler that throws or times out leaves the whole batch, and a
 * response naming a record not in the batch fails the whole batch, as Lambda treats it.
 * See https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
 */
export function startEventSource(options: EventSourceOptions): EventSource {
  const batchSize = options.batchSize ?? 10;
  const windowMs = (options.maximumBatchingWindowInSeconds ?? 0) * 1000;
  const concurrency = options.maximumConcurrency ?? 2;
  const waitTimeSeconds = options.waitTimeSeconds ?? 20;
  const timeoutMs = options.functionTimeoutMs ?? 30_000;
  const functionName = options.functionName ?? 'authorize';
  const region = options.queueArn.split(':')[3] ?? 'us-east-1';
  const lifetime = new AbortController();
  const stats = { invocations: 0, records: 0, deleted: 0, errors: 0, dropped: 0, running: 0 };

  const receive = async (max: number, wait: number): Promise<Message[]> => {
    const response = await options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.queueUrl,
        MaxNumberOfMessages: Math.min(10, max),
        WaitTimeSeconds: wait,
        MessageSystemAttributeNames: ['All' as MessageSystemAttributeName],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: lifetime.signal },
    );
    return response.Messages ?? [];
  };

  /** Gathers up to batchSize records: the first long poll, then more within the batching window. */
  const gather = async (): Promise<Message[]> => {
    const messages = await receive(batchSize, waitTimeSeconds);
    if (messages.length === 0) return messages;
    const deadline = Date.now() + windowMs;
    while (messages.length < batchSize && Date.now() < deadline && !lifetime.signal.aborted) {
      const remaining = Math.ceil((deadline - Date.now()) / 1000);
      const more = await receive(batchSize - messages.length, Math.min(20, Math.max(0, remaining)));
      if (more.length === 0 && remaining <= 0) break;
      messages.push(...more);
    }
    // A visibility timeout shorter than the window can deliver a message twice into one batch: keep the
    // newest receipt handle, as only it can delete the message.
    const byId = new Map(messages.map((message) => [message.MessageId, message]));
    return [...byId.values()];
  };

  const deleteRecords = async (records: readonly SQSRecord[]): Promise<number> => {
    let deleted = 0;
    for (let start = 0; start < records.length; start += 10) {
      const chunk = records.slice(start, start + 10);
      const response = await options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: options.queueUrl,
          Entries: chunk.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
        }),
      );
      deleted += response.Successful?.length ?? 0;
    }
    return deleted;
  };

  const invoke = async (records: SQSRecord[]): Promise<InvocationReport> => {
    const context = createLambdaContext(functionName, region, timeoutMs);
    let response: SQSBatchResponse | undefined;
    const state = { timedOut: false };
    try {
      // A timed-out handler keeps running, though it can send nothing more: `running` lets observers wait for it.
      stats.running += 1;
      const call = invocation
        .run(state, async () => options.handler({ Records: records }, context))
        .finally(() => {
          stats.running -= 1;
        });
      response = await withTimeout(call, timeoutMs, () => {
        state.timedOut = true;
      });
    } catch (error) {
      // A thrown error or a timeout: Lambda deletes nothing; every record returns after its visibility timeout.
      return { records, outcome: 'error', deleted: 0, failed: records.map((r) => r.messageId), error };
    }
    if (await options.dropBatch?.(records)) {
      return { records, outcome: 'dropped', deleted: 0, failed: records.map((r) => r.messageId) };
    }
    const failures = response?.batchItemFailures ?? [];
    const ids = new Set(records.map((record) => record.messageId));
    // An empty, null or unknown itemIdentifier makes Lambda treat the whole batch as failed.
    if (failures.some((failure) => !failure.itemIdentifier || !ids.has(failure.itemIdentifier))) {
      return {
        records,
        outcome: 'error',
        deleted: 0,
        failed: records.map((r) => r.messageId),
        error: new Error('batchItemFailures names a record that is not in the batch'),
      };
    }
    const failed = new Set(failures.map((failure) => failure.itemIdentifier));
    const deleted = await deleteRecords(records.filter((record) => !failed.has(record.messageId)));
    return { records, outcome: failed.size > 0 ? 'partial' : 'success', deleted, failed: [...failed] };
  };

  const poller = async (): Promise<void> => {
    while (!lifetime.signal.aborted) {
      try {
        const messages = await gather();
        if (messages.length === 0) continue;
        const records = messages.map((message) => toRecord(message, options.queueArn, region));
        const report = await invoke(records);
        stats.invocations += 1;
        stats.records += records.length;
        stats.deleted += report.deleted;
        if (report.outcome === 'error') stats.errors += 1;
        if (report.outcome === 'dropped') stats.dropped += 1;
        options.onInvoke?.(report);
      } catch (error) {
        if (lifetime.signal.aborted) break;
        options.onError?.(error);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  };

  const pollers = Array.from({ length: concurrency }, poller);
  return {
    stats,
    async stop() {
      lifetime.abort();
      await Promise.allSettled(pollers);
    },
  };
}

/** Builds the SQSRecord Lambda delivers for a received message. */
export function toRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const system = message.Attributes ?? {};
  const attributes: SQSRecord['attributes'] = {
    ApproximateReceiveCount: system.ApproximateReceiveCount ?? '1',
    SentTimestamp: system.SentTimestamp ?? String(Date.now()),
    SenderId: system.SenderId ?? 'local',
    ApproximateFirstReceiveTimestamp: system.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    ...(system.MessageGroupId !== undefined && { MessageGroupId: system.MessageGroupId }),
    ...(system.MessageDeduplicationId !== undefined && {
      MessageDeduplicationId: system.MessageDeduplicationId,
    }),
    ...(system.SequenceNumber !== undefined && { SequenceNumber: system.SequenceNumber }),
  };
  const messageAttributes: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      dataType: value.DataType ?? 'String',
      stringListValues: [],
      binaryListValues: [],
      ...(value.StringValue !== undefined && { stringValue: value.StringValue }),
      ...(value.BinaryValue !== undefined && {
        binaryValue: Buffer.from(value.BinaryValue).toString('base64'),
      }),
    };
  }
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes,
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new Error(`Task timed out after ${(ms / 1000).toFixed(2)} seconds`));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
