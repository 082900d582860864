import {
  GetQueueAttributesCommand,
  ListDeadLetterSourceQueuesCommand,
  ListMessageMoveTasksCommand,
  type MessageAttributeValue,
  SendMessageBatchCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { asAwsError } from '../../src/adapters/aws-error.js';
import { chunkWithinBatchLimits } from '../../src/adapters/sqs.js';
import { UsageError } from '../errors.js';
import { createQueueReader, type ReceivedMessage } from './queue-reader.js';

/** Options of {@link redrive}. */
export interface RedriveOptions {
  readonly dlqUrl: string;
  /** Where the messages go; absent: the queue whose redrive policy names the DLQ. */
  readonly destinationUrl?: string;
  /** Skip StartMessageMoveTask and move the messages by receive, send and delete. */
  readonly manual?: boolean;
  /** StartMessageMoveTask's MaxNumberOfMessagesPerSecond. */
  readonly ratePerSecond?: number;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** Pause between checks of a move task's progress. Default 1 s. */
  readonly pollIntervalMs?: number;
}

/** How a redrive ended. */
export const RedriveStatus = {
  completed: 'completed',
  failed: 'failed',
  timeout: 'timeout',
  stopped: 'stopped',
} as const;
/** How a redrive ended. */
export type RedriveStatus = (typeof RedriveStatus)[keyof typeof RedriveStatus];

/** What a redrive did. */
export interface RedriveResult {
  readonly method: 'move-task' | 'manual';
  readonly status: RedriveStatus;
  readonly moved: number;
  /** The destination queue, when one was named or found; a move task without one returns each message to its source. */
  readonly destinationUrl?: string;
  readonly taskHandle?: string;
  /** Why the manual path was taken, when it was not asked for. */
  readonly fallbackReason?: string;
  readonly failureReason?: string;
  /** Messages the destination did not accept: they stay on the DLQ. */
  readonly notSent: number;
  /** Messages copied to the destination but not deleted from the DLQ: they may be redriven twice (harmless: requests are idempotent). */
  readonly notDeleted: number;
}

/**
 * Error codes meaning the endpoint has no message move tasks (an older emulator or LocalStack, a
 * queue type that does not support them), so the manual path is the way.
 */
const UNSUPPORTED = new Set([
  'UnsupportedOperation',
  'AWS.SimpleQueueService.UnsupportedOperation',
  'UnknownOperation',
  'UnknownOperationException',
  'InvalidAction',
  'NotImplemented',
]);

/**
 * Moves every message of the requests DLQ back to its source queue: with StartMessageMoveTask where
 * the endpoint supports it, otherwise by receive, send and delete, deleting a message only after the
 * destination accepted it, so nothing is lost.
 * See https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_StartMessageMoveTask.html
 */
export async function redrive(sqs: SQSClient, options: RedriveOptions): Promise<RedriveResult> {
  const destinationUrl =
    options.destinationUrl ?? (await findSource(sqs, options.dlqUrl, options.manual === true));
  // findSource gives one queue or throws when the manual path needs one.
  if (options.manual) return manualMove(sqs, options, destinationUrl as string, undefined);
  try {
    return await moveTask(sqs, options, destinationUrl);
  } catch (error) {
    const reason = unsupportedReason(error);
    if (reason === undefined) throw error;
    // Falling back keeps the guarantees: a message leaves the DLQ only once the destination holds it.
    const destination = destinationUrl ?? ((await findSource(sqs, options.dlqUrl, true)) as string);
    return manualMove(sqs, options, destination, reason);
  }
}

/**
 * Why an error means the endpoint has no message move tasks, or undefined when it means something else
 * (access denied, a throttle, a bad queue), which is reported as it is.
 *
 * An endpoint that does not implement the operation may name that (UNSUPPORTED), or answer with a page
 * that is no AWS error at all: moto answers StartMessageMoveTask with HTTP 500 and HTML, which the SDK
 * reports as a deserialization error. AWS itself always answers with an error code, so an answer the
 * SDK cannot read comes from an endpoint that is not AWS's SQS and does not speak this operation.
 */
function unsupportedReason(error: unknown): string | undefined {
  const aws = asAwsError(error);
  if (UNSUPPORTED.has(aws.name)) return `${aws.name}: ${aws.message}`;
  const status = aws.$metadata?.httpStatusCode;
  const unreadable = aws.name === 'SyntaxError' || /Deserialization error/.test(aws.message);
  if (unreadable && status !== undefined && status >= 400) {
    return `the endpoint answered StartMessageMoveTask with HTTP ${status} and a body that is not an AWS error, so it does not implement message move tasks`;
  }
  return undefined;
}

async function findSource(sqs: SQSClient, dlqUrl: string, needOne: boolean): Promise<string | undefined> {
  const { queueUrls = [] } = await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlqUrl }));
  if (queueUrls.length === 1) return queueUrls[0];
  if (queueUrls.length === 0) {
    throw new UsageError(
      `${dlqUrl}: no queue names it as its dead-letter queue; pass --queue-url to say where its messages go`,
    );
  }
  // A move task without a destination returns each message to the queue it came from.
  if (!needOne) return undefined;
  throw new UsageError(
    `${dlqUrl}: is the dead-letter queue of ${queueUrls.length} queues (${queueUrls.join(', ')}); pass --queue-url to choose one`,
  );
}

async function queueArn(sqs: SQSClient, url: string): Promise<string> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  const arn = Attributes?.QueueArn;
  if (arn === undefined) throw new Error(`${url}: GetQueueAttributes returned no QueueArn`);
  return arn;
}

async function moveTask(
  sqs: SQSClient,
  options: RedriveOptions,
  destinationUrl: string | undefined,
): Promise<RedriveResult> {
  const sourceArn = await queueArn(sqs, options.dlqUrl);
  const destinationArn = destinationUrl === undefined ? undefined : await queueArn(sqs, destinationUrl);
  const { TaskHandle: taskHandle } = await sqs.send(
    new StartMessageMoveTaskCommand({
      SourceArn: sourceArn,
      ...(destinationArn !== undefined && { DestinationArn: destinationArn }),
      ...(options.ratePerSecond !== undefined && { MaxNumberOfMessagesPerSecond: options.ratePerSecond }),
    }),
  );
  const base = {
    method: 'move-task' as const,
    ...(destinationUrl !== undefined && { destinationUrl }),
    ...(taskHandle !== undefined && { taskHandle }),
    notSent: 0,
    notDeleted: 0,
  };
  const deadline = Date.now() + options.timeoutMs;
  let moved = 0;
  // The task runs on its own; its progress is read until it ends or the wait does.
  while (true) {
    const { Results = [] } = await sqs.send(
      new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 10 }),
    );
    const task =
      Results.find((result) => result.TaskHandle === taskHandle) ??
      (taskHandle === undefined ? Results[0] : undefined);
    moved = task?.ApproximateNumberOfMessagesMoved ?? moved;
    if (task?.Status === 'COMPLETED') return { ...base, status: RedriveStatus.completed, moved };
    if (task?.Status === 'FAILED' || task?.Status === 'CANCELLED') {
      return {
        ...base,
        status: RedriveStatus.failed,
        moved,
        failureReason: task.FailureReason ?? `the task was ${task.Status.toLowerCase()}`,
      };
    }
    if (options.signal?.aborted) return { ...base, status: RedriveStatus.stopped, moved };
    if (Date.now() >= deadline) return { ...base, status: RedriveStatus.timeout, moved };
    await pause(options.pollIntervalMs ?? 1000, options.signal);
  }
}

async function manualMove(
  sqs: SQSClient,
  options: RedriveOptions,
  destinationUrl: string,
  fallbackReason: string | undefined,
): Promise<RedriveResult> {
  const reader = createQueueReader(sqs, options.dlqUrl, {
    visibilitySeconds: 60,
    ...(options.signal && { signal: options.signal }),
  });
  const fifo = destinationUrl.endsWith('.fifo');
  const deadline = Date.now() + options.timeoutMs;
  let moved = 0;
  let notDeleted = 0;
  const notSent = new Map<string, string>();
  let status: RedriveStatus = RedriveStatus.completed;
  try {
    while (true) {
      if (options.signal?.aborted) {
        status = RedriveStatus.stopped;
        break;
      }
      if (Date.now() >= deadline) {
        status = RedriveStatus.timeout;
        break;
      }
      const messages = await reader.receive({ waitSeconds: 1 });
      if (messages.length === 0) {
        if (options.signal?.aborted) status = RedriveStatus.stopped;
        break;
      }
      const accepted: ReceivedMessage[] = [];
      for (const chunk of chunkWithinBatchLimits(messages, receivedSize)) {
        const response = await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: destinationUrl,
            Entries: chunk.map((message, index) => ({
              Id: String(index),
              MessageBody: message.body,
              ...(Object.keys(message.attributes).length > 0 && {
                MessageAttributes: copyAttributes(message.attributes),
              }),
              ...(fifo && {
                MessageGroupId: message.groupId ?? 'default',
                MessageDeduplicationId: message.messageId,
              }),
            })),
          }),
        );
        const ok = new Set((response.Successful ?? []).map((entry) => entry.Id));
        const failures = new Map((response.Failed ?? []).map((entry) => [entry.Id, entry]));
        chunk.forEach((message, index) => {
          if (ok.has(String(index))) accepted.push(message);
          else {
            const failure = failures.get(String(index));
            notSent.set(
              message.messageId,
              failure ? `${failure.Code}: ${failure.Message ?? 'no message'}` : 'not in the answer',
            );
          }
        });
      }
      // Deleted only once the destination holds a copy: a crash in between duplicates, never loses.
      const undeleted = await reader.delete(accepted);
      notDeleted += undeleted.size;
      moved += accepted.length;
      // A message the destination refused would be received again in a loop; it stays on the DLQ.
      if (notSent.size > 0) {
        status = RedriveStatus.failed;
        break;
      }
    }
  } finally {
    await reader.release();
  }
  return {
    method: 'manual',
    status,
    moved,
    destinationUrl,
    ...(fallbackReason !== undefined && { fallbackReason }),
    ...(notSent.size > 0 && { failureReason: [...new Set(notSent.values())].join('; ') }),
    notSent: notSent.size,
    notDeleted,
  };
}

function copyAttributes(
  attributes: Readonly<Record<string, MessageAttributeValue>>,
): Record<string, MessageAttributeValue> {
  const copy: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(attributes)) {
    copy[name] = {
      DataType: value.DataType,
      ...(value.StringValue !== undefined && { StringValue: value.StringValue }),
      ...(value.BinaryValue !== undefined && { BinaryValue: value.BinaryValue }),
    };
  }
  return copy;
}

/** The bytes a received message counts against SQS's batch limit: body and attributes. */
function receivedSize(message: ReceivedMessage): number {
  let size = Buffer.byteLength(message.body);
  for (const [name, value] of Object.entries(message.attributes)) {
    size +=
      Buffer.byteLength(name) +
      (value.DataType?.length ?? 0) +
      Buffer.byteLength(value.StringValue ?? '') +
      (value.BinaryValue?.length ?? 0);
  }
  return size;
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
