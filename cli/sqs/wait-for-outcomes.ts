import type { SQSClient } from '@aws-sdk/client-sqs';
import { describeEndpointFailure, EndpointError } from '../endpoint-error.js';
import { type AnyOutcome, readResultBody } from '../io/result-message.js';
import { createQueueReader, type ReceivedMessage } from './queue-reader.js';

/** Options of {@link waitForOutcomes}. */
export interface WaitOptions {
  readonly timeoutMs: number;
  /** Ends the wait early (Ctrl-C); what arrived so far is still returned. */
  readonly signal?: AbortSignal;
  /** Called as outcomes arrive, with how many of the awaited messages have one. */
  readonly onProgress?: (received: number) => void;
}

/** What a wait found. */
export interface WaitResult {
  /** The first outcome that arrived for each awaited message id. */
  readonly outcomes: ReadonlyMap<string, AnyOutcome>;
  /** The awaited message ids without an outcome, in the order given. */
  readonly missing: readonly string[];
  /** How many held messages could not be released; they come back after their visibility timeout. */
  readonly unreleased: number;
  /** Outcomes that were ours but could not be deleted, so they may be read again. */
  readonly undeleted: number;
}

/** The most seconds SQS keeps a message invisible (12 hours). */
const MAX_VISIBILITY_SECONDS = 43_200;

/**
 * Reads the results queue until every awaited request message has an outcome or the time is up.
 *
 * Outcomes are matched on `messageId`, the SQS message id SendMessageBatch returned for the request,
 * never on the request id alone: a request id may have been used before (a resubmission, a stable id
 * from a ticket), and the older request's outcome must neither be reported as this one's nor deleted.
 * Only the awaited outcomes are deleted (duplicates of them too: a retried request can publish twice).
 * Every other message (another request's outcome, a reconciliation report) is held while the wait
 * lasts, so it is received once rather than in a loop, and released (visibility 0) at the end.
 *
 * @param messageIds the SQS message ids of the requests sent
 * @throws EndpointError when the endpoint cannot be reached or is not an AWS endpoint
 */
export async function waitForOutcomes(
  sqs: SQSClient,
  resultsUrl: string,
  messageIds: readonly string[],
  options: WaitOptions,
): Promise<WaitResult> {
  const awaited = new Set(messageIds);
  const outcomes = new Map<string, AnyOutcome>();
  const deadline = Date.now() + options.timeoutMs;
  const reader = createQueueReader(sqs, resultsUrl, {
    visibilitySeconds: Math.min(MAX_VISIBILITY_SECONDS, Math.ceil(options.timeoutMs / 1000) + 30),
    ...(options.signal && { signal: options.signal }),
  });
  let undeleted = 0;
  let unreleased = 0;
  try {
    while (outcomes.size < awaited.size && !options.signal?.aborted) {
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) break;
      const messages = await reader
        .receive({ waitSeconds: Math.min(20, Math.ceil(remainingMs / 1000)) })
        .catch((error: unknown) => {
          const message = describeEndpointFailure(error, resultsUrl);
          throw message === undefined ? error : new EndpointError(message, { cause: error });
        });
      const mine: ReceivedMessage[] = [];
      for (const message of messages) {
        const read = readResultBody(message.body);
        if (read.kind !== 'outcome' || !awaited.has(read.outcome.messageId)) continue;
        mine.push(message);
        if (!outcomes.has(read.outcome.messageId)) outcomes.set(read.outcome.messageId, read.outcome);
      }
      if (mine.length > 0) {
        undeleted += (await reader.delete(mine)).size;
        options.onProgress?.(outcomes.size);
      }
    }
  } finally {
    unreleased = await reader.release();
  }
  return {
    outcomes,
    missing: messageIds.filter((id) => !outcomes.has(id)),
    unreleased,
    undeleted,
  };
}
