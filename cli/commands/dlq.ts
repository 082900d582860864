import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { createSqsClient } from '../clients.js';
import { type CliIo, type GlobalOptions, writeLine } from '../context.js';
import { formatDuration } from '../duration.js';
import { ExitCode } from '../exit-codes.js';
import { plural } from '../io/plural.js';
import { createQueueResolver } from '../queues.js';
import { createQueueReader } from '../sqs/queue-reader.js';
import { type RedriveResult, RedriveStatus, redrive } from '../sqs/redrive.js';

/** Options of `dlq count` and `dlq show`. */
export interface DlqReadOptions {
  readonly max?: number;
  readonly json?: boolean;
}

/** Options of `dlq redrive`. */
export interface DlqRedriveOptions {
  readonly fallback?: boolean;
  readonly rate?: number;
  readonly timeout: number;
  readonly json?: boolean;
}

/** `dlq count`: how many requests wait in the DLQ (GetQueueAttributes' approximate counts). */
export async function runDlqCount(
  options: DlqReadOptions,
  globals: GlobalOptions,
  io: CliIo,
): Promise<ExitCode> {
  const queueUrl = createQueueResolver(globals, io.env, io.cwd).require('dlq');
  const sqs = createSqsClient(globals, io.env);
  try {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    const counts = {
      queueUrl,
      messages: Number(Attributes.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
      delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
    };
    if (options.json) writeLine(io.stdout, JSON.stringify(counts));
    else {
      writeLine(
        io.stdout,
        `${plural(counts.messages, 'message')} in ${queueUrl} (${counts.inFlight} in flight, ${counts.delayed} delayed; approximate)`,
      );
    }
    return ExitCode.ok;
  } finally {
    sqs.destroy();
  }
}

/**
 * `dlq show`: prints the DLQ's messages without consuming them. With `--json`, one body per line
 * (NDJSON), so `dlq show --json | submit -` resubmits them after a fix.
 */
export async function runDlqShow(
  options: DlqReadOptions,
  globals: GlobalOptions,
  io: CliIo,
): Promise<ExitCode> {
  const queueUrl = createQueueResolver(globals, io.env, io.cwd).require('dlq');
  const sqs = createSqsClient(globals, io.env);
  const reader = createQueueReader(sqs, queueUrl, { visibilitySeconds: 60, signal: io.signal });
  let shown = 0;
  try {
    while (!io.signal.aborted && (options.max === undefined || shown < options.max)) {
      const messages = await reader.receive({
        waitSeconds: 1,
        ...(options.max !== undefined && { max: options.max - shown }),
      });
      if (messages.length === 0) break;
      for (const message of messages) {
        shown += 1;
        if (options.json) {
          writeLine(io.stdout, compactJson(message.body));
          continue;
        }
        const sent = message.sentAt ? `, sent ${message.sentAt}` : '';
        writeLine(
          io.stdout,
          `# ${message.messageId} (received ${plural(message.receiveCount, 'time')}${sent})`,
        );
        const attributes = Object.entries(message.attributes).map(
          ([name, value]) => `${name}=${value.StringValue ?? `(${value.DataType})`}`,
        );
        if (attributes.length > 0) writeLine(io.stdout, `# attributes: ${attributes.join(', ')}`);
        writeLine(io.stdout, message.body);
      }
    }
  } finally {
    await reader.release();
    sqs.destroy();
  }
  if (!options.json) writeLine(io.stderr, `${plural(shown, 'message')} shown, left on the DLQ`);
  return ExitCode.ok;
}

/** `dlq redrive`: moves every message of the DLQ back to its source queue. */
export async function runDlqRedrive(
  options: DlqRedriveOptions,
  globals: GlobalOptions,
  io: CliIo,
): Promise<ExitCode> {
  const queues = createQueueResolver(globals, io.env, io.cwd);
  const dlqUrl = queues.require('dlq');
  const destinationUrl = queues.find('requests');
  const sqs = createSqsClient(globals, io.env);
  let result: RedriveResult;
  try {
    result = await redrive(sqs, {
      dlqUrl,
      ...(destinationUrl !== undefined && { destinationUrl }),
      manual: options.fallback === true,
      ...(options.rate !== undefined && { ratePerSecond: options.rate }),
      timeoutMs: options.timeout,
      signal: io.signal,
    });
  } finally {
    sqs.destroy();
  }

  if (options.json) writeLine(io.stdout, JSON.stringify({ dlqUrl, ...result }));
  else {
    if (result.fallbackReason !== undefined) {
      writeLine(
        io.stderr,
        `note: StartMessageMoveTask is not available here (${result.fallbackReason}); moving by receive, send and delete`,
      );
    }
    const method = result.method === 'move-task' ? 'StartMessageMoveTask' : 'receive, send and delete';
    const destination = result.destinationUrl ?? 'their source queues';
    writeLine(
      io.stdout,
      `Moved ${plural(result.moved, 'message')} from ${dlqUrl} to ${destination} (${method})`,
    );
    if (result.status === RedriveStatus.timeout) {
      writeLine(
        io.stdout,
        `Stopped waiting after ${formatDuration(options.timeout)}; the move goes on${result.taskHandle ? ` (task ${result.taskHandle})` : ''}`,
      );
    }
    if (result.status === RedriveStatus.stopped) writeLine(io.stdout, 'Stopped before the DLQ was empty');
    if (result.failureReason !== undefined) writeLine(io.stdout, `Failed: ${result.failureReason}`);
    if (result.notSent > 0)
      writeLine(
        io.stdout,
        `${result.notSent} messages were not accepted by the destination; they stay on the DLQ`,
      );
    if (result.notDeleted > 0) {
      writeLine(
        io.stdout,
        `${result.notDeleted} messages were copied but could not be deleted from the DLQ; a later redrive sends them again (harmless: requests are idempotent)`,
      );
    }
  }
  switch (result.status) {
    case RedriveStatus.completed:
      return result.notDeleted > 0 ? ExitCode.awsError : ExitCode.ok;
    case RedriveStatus.failed:
      return result.notSent > 0 ? ExitCode.awsError : ExitCode.failed;
    default:
      return ExitCode.timeout;
  }
}

function compactJson(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body));
  } catch {
    return JSON.stringify(body);
  }
}
