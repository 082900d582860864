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
  readonly maxReceiveCount: number;
}

/**
 * Answers the task of every given record that carries a token: success with the outcome as output, or
 * failure with its error code and message.
 *
 * @param answerable the records whose outcome is published and final (settle-batch.ts)
 * @returns the records to retry because the workflow service could not be reached; on a record's last
 *   attempt a retry would send a settled request to the DLQ, so it is logged and acknowledged instead
 */
export async function answerTasks(
  items: readonly BatchRecord[],
  decisions: readonly Decision[],
  answerable: readonly number[],
  options: AnswerTasksOptions,
): Promise<Set<number>> {
  const { callbacks, logger } = options;
  const retry = new Set<number>();
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
      if (decision.acknowledge && item.attempt < options.maxReceiveCount) retry.add(index);
      logger.error('Step Functions callback failed', {
        ...logFieldsOf(item),
        taskToken: redactToken(token),
        // Step Functions may quote the token in its messages (the emulator does): never log it whole.
        error: { code: error.code, message: redactTokenIn(error.message, token) },
        willRetry: retry.has(index),
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
  return retry;
}
