// An effect of the batch processor: answering the workflow tasks that wait for a request's task token.
import { isSuccess } from '../domain/outcome.js';
import { redactToken, redactTokenIn } from '../domain/task-token.js';
import { forEachBounded } from '../shared/run-bounded.js';
import { asClassifiedError } from './classified-error.js';
import type { Decision } from './decide-record.js';
import type { CallbackResult, LoggerPort, TaskCallbacks } from './ports.js';
import { type BatchRecord, logFieldsOf } from './read-batch.js';

/** What answering tasks needs. */
export interface AnswerTasksOptions {
  readonly callbacks: TaskCallbacks;
  readonly logger: LoggerPort;
  /** Answers sent at once. */
  readonly concurrency: number;
}

/** A task that could not be answered: the workflow service could not be reached or refused for now. */
export interface UnansweredTask {
  /** The error, with the token redacted from its message. */
  readonly error: { readonly code: string; readonly message: string };
  /** The token, redacted, for the log. */
  readonly taskToken: string;
}

/**
 * Answers the task of every given record that carries a token: success with the outcome as output, or
 * failure with its error code and message. A task that no longer waits is logged and dropped.
 *
 * @param answerable the records whose outcome is published and final (settle-batch.ts)
 * @returns the records whose task could not be answered, for the batch to settle (settle-batch.ts) and
 *   then log (logUnansweredTasks)
 */
export async function answerTasks(
  items: readonly BatchRecord[],
  decisions: readonly Decision[],
  answerable: readonly number[],
  options: AnswerTasksOptions,
): Promise<Map<number, UnansweredTask>> {
  const { callbacks, logger } = options;
  const unanswered = new Map<number, UnansweredTask>();
  const pending = answerable.filter((index) => (items[index] as BatchRecord).context.taskToken !== undefined);
  await forEachBounded(pending, options.concurrency, async (index) => {
    const item = items[index] as BatchRecord;
    const decision = decisions[index] as Extract<Decision, { kind: 'outcome' }>;
    const token = item.context.taskToken as string;
    const { outcome } = decision;
    let result: CallbackResult;
    try {
      result = isSuccess(outcome.status)
        ? await callbacks.succeed(token, JSON.stringify(outcome))
        : await callbacks.fail(
            token,
            outcome.error?.code ?? outcome.status,
            outcome.error?.message ?? outcome.status,
          );
    } catch (thrown) {
      const error = asClassifiedError(thrown);
      unanswered.set(index, {
        // Step Functions may quote the token in its messages (the emulator does): never log it whole.
        error: { code: error.code, message: redactTokenIn(error.message, token) },
        taskToken: redactToken(token),
      });
      return;
    }
    if (result.delivered) {
      logger.info('Step Functions task answered', { ...logFieldsOf(item), taskToken: redactToken(token) });
    } else {
      logger.warn('Step Functions task no longer waits; callback dropped', {
        ...logFieldsOf(item),
        taskToken: redactToken(token),
        reason: redactTokenIn(result.reason, token),
      });
    }
  });
  return unanswered;
}

/**
 * Logs each task that could not be answered, saying whether its record is delivered again (and answers
 * then) as the settlement decided.
 *
 * @param retried the records delivered again after a delay (Settlement.deferred)
 */
export function logUnansweredTasks(
  items: readonly BatchRecord[],
  unanswered: ReadonlyMap<number, UnansweredTask>,
  retried: readonly number[],
  logger: LoggerPort,
): void {
  for (const [index, { error, taskToken }] of unanswered) {
    logger.error('Step Functions callback failed', {
      ...logFieldsOf(items[index] as BatchRecord),
      taskToken,
      error,
      willRetry: retried.includes(index),
    });
  }
}
