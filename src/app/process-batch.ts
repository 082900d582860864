import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { RedshiftIngress } from '../adapters/redshift.js';
import type { MessagePublisher, OutgoingMessage, VisibilityController } from '../adapters/sqs.js';
import type { CallbackResult, TaskCallbacks } from '../adapters/step-functions.js';
import type { Config } from '../config.js';
import { planBatch } from '../domain/batch-plan.js';
import { RejectedError, TransientError } from '../domain/errors.js';
import { fifoGroupId } from '../domain/hash.js';
import {
  buildOutcome,
  isSuccess,
  type Outcome,
  type OutcomeError,
  Status,
  type SuccessStatus,
  shortenOutcome,
} from '../domain/outcome.js';
import { makePolicyCheck } from '../domain/policy.js';
import {
  describeTarget,
  formatProblems,
  type IngressRequest,
  parseRequest,
  type RequestContext,
  targetKey,
} from '../domain/request.js';
import { calculateRetryDelaySeconds, secondsSinceReceiveAtMost } from '../domain/retry.js';
import { rejectSqsRefusedFields } from '../domain/sqs-text.js';
import { redactToken, redactTokenIn } from '../domain/task-token.js';
import { forEachBounded } from '../shared/run-bounded.js';
import type { LoggerPort, MetricsPort } from './ports.js';

/** What the batch processor is built from: ports, configuration and, for tests, a clock and randomness. */
export interface ProcessBatchDeps {
  readonly redshift: RedshiftIngress;
  readonly results: MessagePublisher;
  readonly visibility: VisibilityController;
  /** Resolves the queue URL of a record's event source ARN, for ChangeMessageVisibility. */
  readonly queueUrlOf: (eventSourceArn: string) => string;
  readonly callbacks?: TaskCallbacks;
  readonly config: Pick<
    Config,
    'policy' | 'maxReceiveCount' | 'concurrency' | 'retryBaseSeconds' | 'retryMaxSeconds'
  >;
  readonly logger: LoggerPort;
  readonly metrics?: MetricsPort;
  readonly now?: () => Date;
  readonly random?: () => number;
}

/** Processes one SQS batch of ingress requests and answers which records SQS must deliver again. */
export type ProcessBatch = (event: SQSEvent) => Promise<SQSBatchResponse>;

/** One record of the batch, read. */
interface Item {
  readonly record: SQSRecord;
  readonly attempt: number;
  readonly messageGroupId?: string;
  /** The valid request, when the body is one and policy allows it. */
  readonly request?: IngressRequest;
  /** The correlation context of the record, whether valid or not. */
  readonly context: RequestContext;
  /** Why the record is rejected before any API call: an invalid body or a policy refusal. */
  readonly rejection?: OutcomeError;
}

/** What becomes of one record after its API call. */
type Decision =
  /** Publish this outcome; acknowledged records are deleted once it is accepted, others go on to the DLQ. */
  | {
      readonly kind: 'outcome';
      readonly outcome: Outcome;
      readonly acknowledge: boolean;
      /** FIFO: acknowledged even after an earlier record of its group failed (a rejection needs no order). */
      readonly unordered?: boolean;
    }
  /** A transient failure before the last attempt: nothing is published, SQS delivers it again later. */
  | { readonly kind: 'retry'; readonly error: OutcomeError }
  /** FIFO: an earlier record of the same message group failed, so this one is not attempted. */
  | { readonly kind: 'skip' };

type CallResult = { readonly status: SuccessStatus } | { readonly error: RejectedError | TransientError };

/**
 * Makes the batch processor of the authorize entry point.
 *
 * A record is acknowledged (left out of `batchItemFailures`) only after its outcome was accepted by
 * the results queue, so nothing is lost; Authorize and Revoke are idempotent, so a redelivery is safe.
 */
export function makeProcessBatch(deps: ProcessBatchDeps): ProcessBatch {
  const { redshift, results, visibility, callbacks, config, logger, metrics } = deps;
  const now = deps.now ?? (() => new Date());
  const random = deps.random ?? Math.random;
  const checkPolicy = makePolicyCheck(config.policy);

  const readItem = (record: SQSRecord): Item => {
    const attempt = Math.max(1, Number.parseInt(record.attributes?.ApproximateReceiveCount ?? '1', 10) || 1);
    const messageGroupId = record.attributes?.MessageGroupId || undefined;
    const base = { record, attempt, ...(messageGroupId !== undefined && { messageGroupId }) };
    const parsed = rejectSqsRefusedFields(parseRequest(record.body ?? '', record.messageId));
    if (!parsed.ok) {
      return {
        ...base,
        context: parsed.context,
        rejection: { code: 'InvalidRequest', message: formatProblems(parsed.problems), retryable: false },
      };
    }
    const { request } = parsed;
    const context = contextOf(request);
    const refusal = checkPolicy(request);
    if (refusal) {
      return {
        ...base,
        context,
        request,
        rejection: {
          code: 'PolicyRefused',
          message: `refused by ${refusal.rule}: ${refusal.message}`,
          retryable: false,
        },
      };
    }
    return { ...base, context, request };
  };

  return async (event) => {
    const batchStartedAt = now();
    const items = event.Records.map(readItem);
    const plan = planBatch(
      items.map((item) => ({
        ...(item.request !== undefined &&
          item.rejection === undefined && { group: item.request.rule.clusterSecurityGroupName }),
        ...(item.messageGroupId !== undefined && { messageGroupId: item.messageGroupId }),
        ...(item.request !== undefined &&
          item.rejection === undefined && {
            call: { action: item.request.action, target: targetKey(item.request.rule) },
          }),
      })),
    );

    // Calls start lazily, at the first record that needs them, so a FIFO record skipped after a
    // failure never reaches Redshift; identical later records reuse the settled result.
    const calls = new Map<number, Promise<CallResult>>();
    let redshiftCalls = 0;
    const callFor = (index: number, request: IngressRequest): Promise<CallResult> => {
      const callIndex = plan.callOf[index] as number;
      let call = calls.get(callIndex);
      if (call === undefined) {
        redshiftCalls += 1;
        call = redshift.apply(request.action, request.rule).then(
          (status) => ({ status }),
          (thrown: unknown) => ({ error: asClassifiedError(thrown) }),
        );
        calls.set(callIndex, call);
      }
      return call;
    };

    const outcomeOf = (item: Item, status: Status, error?: OutcomeError): Outcome =>
      buildOutcome({
        requestId: item.context.requestId,
        messageId: item.record.messageId,
        action: item.context.action,
        status,
        ...(item.request && { rule: item.request.rule }),
        ...(error && { error }),
        attempt: item.attempt,
        ...(item.context.requestedBy !== undefined && { requestedBy: item.context.requestedBy }),
        ...(item.request?.reason !== undefined && { reason: item.request.reason }),
        ...(item.context.approval !== undefined && { approval: item.context.approval }),
        processedAt: now(),
      });

    // Each skip still counts as a delivery, and after the last one SQS moves the record to the DLQ.
    // So on its last delivery a skipped record gets its final outcome: the rejection when it needs no
    // API call (its effect does not depend on order), otherwise `failed` on its way to the DLQ.
    const skipDecision = (item: Item, blockedBy: string): Decision => {
      if (item.attempt < config.maxReceiveCount) return { kind: 'skip' };
      if (item.rejection) {
        const outcome = outcomeOf(item, Status.rejected, item.rejection);
        return { kind: 'outcome', outcome, acknowledge: true, unordered: true };
      }
      const failure = {
        code: 'PrecedingRequestFailed',
        message: `not attempted: request ${blockedBy} before it in FIFO message group ${item.messageGroupId} failed, and this was its last delivery (MAX_RECEIVE_COUNT ${config.maxReceiveCount})`,
        retryable: true,
      };
      return { kind: 'outcome', outcome: outcomeOf(item, Status.failed, failure), acknowledge: false };
    };

    const decide = async (item: Item, index: number): Promise<Decision> => {
      if (item.rejection || item.request === undefined) {
        return {
          kind: 'outcome',
          outcome: outcomeOf(item, Status.rejected, item.rejection),
          acknowledge: true,
        };
      }
      const result = await callFor(index, item.request);
      if ('status' in result)
        return { kind: 'outcome', outcome: outcomeOf(item, result.status), acknowledge: true };
      const { error } = result;
      if (error instanceof RejectedError) {
        const rejection = { code: error.code, message: error.message, retryable: false };
        return { kind: 'outcome', outcome: outcomeOf(item, Status.rejected, rejection), acknowledge: true };
      }
      const failure = { code: error.code, message: error.message, retryable: true };
      // The last allowed attempt reports `failed`; the record still fails so SQS moves it to the DLQ.
      if (item.attempt >= config.maxReceiveCount) {
        return { kind: 'outcome', outcome: outcomeOf(item, Status.failed, failure), acknowledge: false };
      }
      return { kind: 'retry', error: failure };
    };

    const decisions: Decision[] = new Array(items.length);
    // FIFO message group -> requestId of its first record that failed in this batch.
    const failedMessageGroups = new Map<string, string>();
    await forEachBounded(plan.partitions, config.concurrency, async (partition) => {
      for (const index of partition) {
        const item = items[index] as Item;
        const blockedBy =
          item.messageGroupId === undefined ? undefined : failedMessageGroups.get(item.messageGroupId);
        if (blockedBy !== undefined) {
          decisions[index] = skipDecision(item, blockedBy);
          continue;
        }
        const decision = await decide(item, index);
        decisions[index] = decision;
        if (item.messageGroupId !== undefined && !acknowledges(decision))
          failedMessageGroups.set(item.messageGroupId, item.context.requestId);
      }
    });

    const outgoing: OutgoingMessage[] = [];
    decisions.forEach((decision, index) => {
      if (decision.kind === 'outcome') outgoing.push(toMessage(decision.outcome, items[index] as Item));
    });
    const published =
      outgoing.length > 0
        ? await results.publish(outgoing)
        : { failed: new Map<string, string>(), refused: new Set<string>(), calls: 0 };

    // A record fails when it must be retried, was skipped, exhausted its attempts, or its outcome was not accepted.
    const failed = new Set<number>();
    const unpublished = new Set<number>();
    decisions.forEach((decision, index) => {
      const item = items[index] as Item;
      if (!acknowledges(decision)) failed.add(index);
      if (decision.kind === 'outcome' && published.failed.has(item.record.messageId)) {
        failed.add(index);
        unpublished.add(index);
        logger.error(
          published.refused.has(item.record.messageId)
            ? 'Outcome refused by the results queue (sender fault), its shortened form too; the request is delivered again until the DLQ'
            : 'Outcome not accepted by the results queue; the request will be retried',
          {
            ...logFields(item),
            reason: published.failed.get(item.record.messageId),
          },
        );
      }
    });
    // FIFO: a record must not be acknowledged after an earlier record of its message group failed.
    const failLaterRecordsOfFailedGroups = (): void => {
      const failedGroups = new Set<string>();
      items.forEach((item, index) => {
        if (item.messageGroupId === undefined) return;
        const decision = decisions[index] as Decision;
        const unordered = decision.kind === 'outcome' && decision.unordered === true && !failed.has(index);
        if (failedGroups.has(item.messageGroupId)) {
          if (!unordered) failed.add(index);
        } else if (failed.has(index)) failedGroups.add(item.messageGroupId);
      });
    };
    failLaterRecordsOfFailedGroups();

    // Callbacks answer only what is final and published: a record SQS delivers again answers then.
    const callbackFailures = await answerTasks(items, decisions, failed, unpublished);
    for (const index of callbackFailures) failed.add(index);
    // A record retried for its callback holds back the rest of its FIFO group too; those were already
    // applied, so their redelivery answers idempotently (already-authorized, already-revoked).
    if (callbackFailures.size > 0) failLaterRecordsOfFailedGroups();

    const deferred: { index: number; seconds: number }[] = [];
    decisions.forEach((decision, index) => {
      const item = items[index] as Item;
      if (decision.kind === 'skip') {
        logger.info('Not attempted: an earlier request of its FIFO message group failed', logFields(item));
        return;
      }
      const retried = decision.kind === 'retry' || unpublished.has(index) || callbackFailures.has(index);
      // A `failed` outcome goes on to the DLQ: delaying it would only hold it back.
      if (!retried || (decision.kind === 'outcome' && !decision.acknowledge)) return;
      const seconds = calculateRetryDelaySeconds(
        item.attempt,
        { baseSeconds: config.retryBaseSeconds, maxSeconds: config.retryMaxSeconds },
        random(),
        secondsSinceReceiveAtMost(batchStartedAt, now()),
      );
      deferred.push({ index, seconds });
      if (decision.kind === 'retry') {
        logger.warn('Transient failure; the request will be retried', {
          ...logFields(item),
          error: decision.error,
          retryInSeconds: seconds,
        });
      }
    });
    await deferVisibility(items, deferred);

    for (const [index, decision] of decisions.entries()) {
      if (decision.kind !== 'outcome' || unpublished.has(index)) continue;
      const item = items[index] as Item;
      const { outcome } = decision;
      const fields = {
        ...logFields(item),
        status: outcome.status,
        ...(outcome.error && { error: outcome.error }),
      };
      if (outcome.status === Status.failed) logger.error('Request failed on its last attempt', fields);
      else logger.info('Request processed', fields);
      metrics?.addMetric(`status-${outcome.status}`, 'Count', 1);
    }
    metrics?.addMetric('redshift-calls', 'Count', redshiftCalls);
    metrics?.addMetric('retries', 'Count', deferred.length);

    const batchItemFailures: SQSBatchItemFailure[] = [...failed]
      .sort((a, b) => a - b)
      .map((index) => ({ itemIdentifier: (items[index] as Item).record.messageId }));
    logger.debug('Batch processed', {
      records: items.length,
      redshiftCalls,
      publishCalls: published.calls,
      failures: batchItemFailures.length,
    });
    return { batchItemFailures };
  };

  /** Answers waiting Step Functions tasks; returns the records to retry because Step Functions was unreachable. */
  async function answerTasks(
    items: readonly Item[],
    decisions: readonly Decision[],
    failed: ReadonlySet<number>,
    unpublished: ReadonlySet<number>,
  ): Promise<Set<number>> {
    const retry = new Set<number>();
    const pending: number[] = [];
    decisions.forEach((decision, index) => {
      const item = items[index] as Item;
      if (decision.kind !== 'outcome' || unpublished.has(index) || item.context.taskToken === undefined)
        return;
      // A `failed` outcome is final although its record fails (to reach the DLQ); others must be acknowledged.
      if (failed.has(index) && decision.acknowledge) return;
      pending.push(index);
    });
    if (callbacks === undefined) {
      // Without the feature the function may not call Step Functions (no IAM grant, no client): say so
      // where the operator looks, rather than retrying a callback that can never be made.
      for (const index of pending) {
        const item = items[index] as Item;
        logger.warn('Task token not answered: task-token callbacks are off (TASK_TOKENS=false)', {
          ...logFields(item),
          taskToken: redactToken(item.context.taskToken as string),
        });
      }
      return retry;
    }
    await forEachBounded(pending, config.concurrency, async (index) => {
      const item = items[index] as Item;
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
        // On the last attempt a retry would send a settled request to the DLQ: log and acknowledge instead.
        if (decision.acknowledge && item.attempt < config.maxReceiveCount) retry.add(index);
        logger.error('Step Functions callback failed', {
          ...logFields(item),
          taskToken: redactToken(token),
          // Step Functions may quote the token in its messages (the emulator does): never log it whole.
          error: { code: error.code, message: redactTokenIn(error.message, token) },
          willRetry: retry.has(index),
        });
        return;
      }
      if (result.delivered) {
        logger.info('Step Functions task answered', { ...logFields(item), taskToken: redactToken(token) });
      } else {
        logger.warn('Step Functions task no longer waits; callback dropped', {
          ...logFields(item),
          taskToken: redactToken(token),
          reason: redactTokenIn(result.reason, token),
        });
      }
    });
    return retry;
  }

  async function deferVisibility(
    items: readonly Item[],
    deferred: readonly { index: number; seconds: number }[],
  ) {
    const byQueue = new Map<string, { id: string; receiptHandle: string; seconds: number }[]>();
    for (const { index, seconds } of deferred) {
      const { record } = items[index] as Item;
      let queueUrl: string;
      try {
        queueUrl = deps.queueUrlOf(record.eventSourceARN);
      } catch (error) {
        logger.warn('Cannot defer a retry: unknown queue', {
          ...logFields(items[index] as Item),
          error: String(error),
        });
        continue;
      }
      const changes = byQueue.get(queueUrl) ?? [];
      changes.push({ id: record.messageId, receiptHandle: record.receiptHandle, seconds });
      byQueue.set(queueUrl, changes);
    }
    const itemOf = new Map(deferred.map(({ index }) => [(items[index] as Item).record.messageId, index]));
    for (const [queueUrl, changes] of byQueue) {
      const notChanged = await visibility.defer(queueUrl, changes);
      for (const messageId of notChanged) {
        const index = itemOf.get(messageId);
        // The record still returns after the queue's own visibility timeout: retried sooner, not lost.
        logger.warn('Could not set the retry delay; the request returns after the visibility timeout', {
          ...(index === undefined ? { messageId } : logFields(items[index] as Item)),
          queueUrl,
        });
      }
    }
  }
}

function acknowledges(decision: Decision): boolean {
  return decision.kind === 'outcome' && decision.acknowledge;
}

function contextOf(request: IngressRequest): RequestContext {
  return {
    requestId: request.requestId,
    action: request.action,
    clusterSecurityGroupName: request.rule.clusterSecurityGroupName,
    ...(request.requestedBy !== undefined && { requestedBy: request.requestedBy }),
    ...(request.approval !== undefined && { approval: request.approval }),
    ...(request.taskToken !== undefined && { taskToken: request.taskToken }),
  };
}

function logFields(item: Item): Record<string, unknown> {
  return {
    requestId: item.context.requestId,
    messageId: item.record.messageId,
    action: item.context.action,
    attempt: item.attempt,
    ...(item.context.clusterSecurityGroupName !== undefined && {
      clusterSecurityGroupName: item.context.clusterSecurityGroupName,
    }),
    ...(item.request && { target: describeTarget(item.request.rule) }),
    ...(item.context.requestedBy !== undefined && { requestedBy: item.context.requestedBy }),
    ...(item.context.approval !== undefined && { approval: item.context.approval }),
  };
}

function toMessage(outcome: Outcome, item: Item): OutgoingMessage {
  return {
    id: item.record.messageId,
    body: JSON.stringify(outcome),
    attributes: {
      status: outcome.status,
      action: outcome.action,
      ...(item.context.clusterSecurityGroupName !== undefined && {
        clusterSecurityGroupName: item.context.clusterSecurityGroupName,
      }),
    },
    // FIFO results queues: outcomes of one group stay in order; one outcome per delivery attempt.
    groupId: fifoGroupId(item.context.clusterSecurityGroupName ?? 'invalid-requests'),
    deduplicationId: `${item.record.messageId}-${item.attempt}`,
    // Sent instead when SQS refuses the outcome as the sender's fault, so the request still gets one.
    fallback: (reason) => JSON.stringify(shortenOutcome(outcome, reason)),
  };
}

/** Adapters classify every AWS error; anything else reaching here is a defect, retried like a transient fault. */
function asClassifiedError(thrown: unknown): RejectedError | TransientError {
  if (thrown instanceof RejectedError || thrown instanceof TransientError) return thrown;
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return new TransientError('InternalError', `unexpected error: ${message}`, { cause: thrown });
}
