/**
 * Example consumer of the results queue: posts each outcome to the change ticket its request named
 * (`approval.ticket`). It prints what it would post; replace `post` with your ticketing tool's API.
 *
 *   AWS_REGION=us-east-1 npx tsx examples/consumers/ticket-updater.ts --queue-url URL [--once]
 *
 * A message is deleted once handled: posted, or not about a ticket (an outcome without one, a
 * reconciliation report). A message that is not a valid outcome v1 is left on the queue, so the
 * results queue's redrive policy moves it to its DLQ instead of it being lost or guessed at.
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { describeIssues } from '../../src/domain/messages.js';
import { type Outcome, outcomeSchema } from '../../src/domain/outcome-schema.js';
import { describeTarget, formatProblems } from '../../src/domain/request.js';

/** What one outcome posts to its ticket. */
export interface TicketPost {
  readonly ticket: string;
  readonly comment: string;
  /** Same for every delivery of one outcome, so the ticketing tool can drop a duplicate post. */
  readonly idempotencyKey: string;
}

/** What becomes of one results-queue message. */
export type Handling =
  | { readonly kind: 'post'; readonly post: TicketPost }
  | { readonly kind: 'skip'; readonly reason: string }
  | { readonly kind: 'keep'; readonly reason: string };

/** Options of {@link runTicketUpdater}. */
export interface TicketUpdaterOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  /** Stop at the first receive that returns nothing, instead of polling until aborted. */
  readonly once?: boolean;
  /** Long-poll wait of each receive, 0-20 seconds. Default 20. */
  readonly waitTimeSeconds?: number;
  /** Posts to the ticketing tool; the default prints `TICKET: comment '...'`. A throw leaves the message for a retry. */
  readonly post?: (post: TicketPost) => Promise<void> | void;
  /** Where lines go. Default `console.log`. */
  readonly print?: (line: string) => void;
  readonly signal?: AbortSignal;
}

/** How many messages were posted, skipped (deleted, not about a ticket) and kept on the queue. */
export interface TicketUpdaterSummary {
  posted: number;
  skipped: number;
  kept: number;
}

/** The comment an outcome makes on its ticket, or undefined when its request named no ticket. */
export function describeTicketPost(outcome: Outcome): TicketPost | undefined {
  const ticket = outcome.approval?.ticket;
  if (ticket === undefined) return undefined;
  const what = outcome.rule
    ? `${outcome.status} ${describeTarget(outcome.rule)} on ${outcome.rule.clusterSecurityGroupName}`
    : outcome.status;
  const why = outcome.error ? `: ${outcome.error.code}: ${outcome.error.message}` : '';
  const next =
    outcome.status === 'failed'
      ? `; gave up after ${outcome.attempt} attempts, the request is in the requests DLQ`
      : '';
  return {
    ticket,
    comment: `${what} (request ${outcome.requestId})${why}${next}`,
    idempotencyKey: `${outcome.messageId}/${outcome.attempt}`,
  };
}

/** Decides what to do with one message body: post it, skip it (delete) or keep it (leave for the DLQ). */
export function handleMessage(body: string): Handling {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { kind: 'keep', reason: 'body: is not JSON' };
  }
  const { type, version } = (typeof json === 'object' && json !== null ? json : {}) as Record<
    string,
    unknown
  >;
  if (type === 'reconciliation-report') return { kind: 'skip', reason: 'a reconciliation report' };
  if (type !== 'ingress-outcome')
    return { kind: 'keep', reason: `type: ${JSON.stringify(type)} is not known` };
  // A version this consumer was not written for may mean something else: never guess, leave it for the DLQ.
  if (version !== 1) return { kind: 'keep', reason: `version: ${JSON.stringify(version)} is not 1` };
  const parsed = outcomeSchema.safeParse(json);
  if (!parsed.success) {
    return {
      kind: 'keep',
      reason: `not an outcome v1: ${formatProblems(describeIssues(parsed.error.issues))}`,
    };
  }
  const post = describeTicketPost(parsed.data);
  if (post === undefined) return { kind: 'skip', reason: `request ${parsed.data.requestId} named no ticket` };
  return { kind: 'post', post };
}

/** Reads the results queue, posting each outcome to its ticket and deleting what it handled. */
export async function runTicketUpdater(options: TicketUpdaterOptions): Promise<TicketUpdaterSummary> {
  const print = options.print ?? console.log;
  const post = options.post ?? ((p: TicketPost) => print(`${p.ticket}: comment '${p.comment}'`));
  const summary: TicketUpdaterSummary = { posted: 0, skipped: 0, kept: 0 };
  while (!options.signal?.aborted) {
    let messages: Message[];
    try {
      ({ Messages: messages = [] } = await options.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: options.queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: options.waitTimeSeconds ?? 20,
        }),
        ...(options.signal ? [{ abortSignal: options.signal }] : []),
      ));
    } catch (error) {
      if (options.signal?.aborted) break;
      throw error;
    }
    if (messages.length === 0 && options.once) break;

    const handled: Message[] = [];
    for (const message of messages) {
      const handling = handleMessage(message.Body ?? '');
      if (handling.kind === 'keep') {
        summary.kept += 1;
        print(`left on the queue ${message.MessageId}: ${handling.reason}`);
        continue;
      }
      if (handling.kind === 'skip') {
        summary.skipped += 1;
        print(`skipped ${message.MessageId}: ${handling.reason}`);
        handled.push(message);
        continue;
      }
      try {
        await post(handling.post);
      } catch (error) {
        // Not deleted: the message returns after its visibility timeout and is posted then.
        summary.kept += 1;
        print(
          `left on the queue ${message.MessageId}: posting to ${handling.post.ticket} failed: ${String(error)}`,
        );
        continue;
      }
      summary.posted += 1;
      handled.push(message);
    }
    if (handled.length > 0) await deleteMessages(options, handled, print);
  }
  return summary;
}

async function deleteMessages(
  options: TicketUpdaterOptions,
  messages: readonly Message[],
  print: (line: string) => void,
): Promise<void> {
  const { Failed = [] } = await options.sqs.send(
    new DeleteMessageBatchCommand({
      QueueUrl: options.queueUrl,
      Entries: messages.map((message, index) => ({
        Id: String(index),
        ReceiptHandle: message.ReceiptHandle,
      })),
    }),
  );
  // DeleteMessageBatch reports per-entry failures with HTTP 200; such a message comes back and is
  // posted again with the same idempotency key.
  for (const failure of Failed) {
    const message = messages[Number(failure.Id)];
    print(`could not delete ${message?.MessageId}: ${failure.Code} ${failure.Message ?? ''}`.trimEnd());
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'queue-url': { type: 'string', default: process.env.RESULTS_QUEUE_URL },
      once: { type: 'boolean', default: false },
      'wait-seconds': { type: 'string', default: '20' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const usage = `Usage: npx tsx examples/consumers/ticket-updater.ts --queue-url URL [--once] [--wait-seconds 20]

Reads ingress outcomes from the results queue (--queue-url or RESULTS_QUEUE_URL) and prints the
comment each would post to its ticket (approval.ticket). --once stops when the queue is empty.
The SDK's variables apply: AWS_REGION, AWS_ENDPOINT_URL, AWS_PROFILE.`;
  if (values.help) {
    console.log(usage);
    return;
  }
  const queueUrl = values['queue-url'];
  if (queueUrl === undefined || queueUrl === '') {
    console.error(`--queue-url: is required (or set RESULTS_QUEUE_URL)\n\n${usage}`);
    process.exitCode = 2;
    return;
  }
  const waitTimeSeconds = Number(values['wait-seconds']);
  if (!Number.isInteger(waitTimeSeconds) || waitTimeSeconds < 0 || waitTimeSeconds > 20) {
    console.error(`--wait-seconds: must be an integer from 0 to 20, got ${values['wait-seconds']}`);
    process.exitCode = 2;
    return;
  }
  const lifetime = new AbortController();
  process.once('SIGINT', () => lifetime.abort());
  const sqs = new SQSClient({});
  try {
    const summary = await runTicketUpdater({
      sqs,
      queueUrl,
      once: values.once,
      waitTimeSeconds,
      signal: lifetime.signal,
    });
    console.log(`posted ${summary.posted}, skipped ${summary.skipped}, left on the queue ${summary.kept}`);
  } finally {
    sqs.destroy();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
