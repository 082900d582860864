// Stage 2 of the batch processor: what becomes of each record, from the result of its call. Pure: the
// same record and result always give the same decision.
import { RejectedError, type TransientError } from '../domain/errors.js';
import {
  type AnyOutcome,
  buildOutcome,
  buildOutcomeV2,
  type OutcomeError,
  type OutcomeInput,
  Status,
} from '../domain/outcome.js';
import { outcomeRuleV2, type ResolvedVpcRule } from '../domain/outcome-v2.js';
import type { IngressRule } from '../domain/request.js';
import { type IngressRuleV2, isVpcRule } from '../domain/request-v2.js';
import type { AppliedChange, ResolvedRule } from './ports.js';
import type { BatchRecord } from './read-batch.js';

/** What becomes of one record. */
export type Decision =
  /** Publish this outcome; acknowledged records are deleted once it is accepted, others go on to the DLQ. */
  | {
      readonly kind: 'outcome';
      /** Version 1 for a request v1, version 2 for a request v2. */
      readonly outcome: AnyOutcome;
      readonly acknowledge: boolean;
      /** FIFO: acknowledged even after an earlier record of its group failed (a rejection needs no order). */
      readonly unordered?: boolean;
    }
  /** A transient failure before the last attempt: nothing is published, SQS delivers it again later. */
  | { readonly kind: 'retry'; readonly error: OutcomeError }
  /** FIFO: an earlier record of the same message group failed, so this one is not attempted. */
  | { readonly kind: 'skip' };

/** The result of the call a record needed: what was applied, or the classified error. */
export type CallResult =
  | { readonly applied: AppliedChange }
  | { readonly error: RejectedError | TransientError };

/** What a decision depends on besides the record and its result. */
export interface DecisionOptions {
  /** The requests queue's maxReceiveCount: the record's last allowed attempt. */
  readonly maxReceiveCount: number;
  /** The time outcomes carry as `processedAt`. */
  readonly processedAt: Date;
}

/**
 * Decides a record from the result of its call, or, with no result, a record rejected before any call.
 *
 * Successes and rejections are final and acknowledged. A transient error is retried, except on the last
 * allowed attempt, where it becomes a `failed` outcome whose record still fails, so SQS moves it to the DLQ.
 */
export function decideRecord(
  item: BatchRecord,
  result: CallResult | undefined,
  options: DecisionOptions,
): Decision {
  if (result === undefined || item.rejection || item.request === undefined) {
    return {
      kind: 'outcome',
      outcome: outcomeOf(item, Status.rejected, options, item.rejection),
      acknowledge: true,
    };
  }
  if ('applied' in result) {
    const { status, resolved } = result.applied;
    return {
      kind: 'outcome',
      outcome: outcomeOf(item, status, options, undefined, resolved),
      acknowledge: true,
    };
  }
  const { error } = result;
  if (error instanceof RejectedError) {
    const rejection = { code: error.code, message: error.message, retryable: false };
    return {
      kind: 'outcome',
      outcome: outcomeOf(item, Status.rejected, options, rejection),
      acknowledge: true,
    };
  }
  const failure = { code: error.code, message: error.message, retryable: true };
  if (item.attempt >= options.maxReceiveCount) {
    return { kind: 'outcome', outcome: outcomeOf(item, Status.failed, options, failure), acknowledge: false };
  }
  return { kind: 'retry', error: failure };
}

/**
 * Decides a FIFO record not attempted because an earlier record of its message group failed.
 *
 * Each skip still counts as a delivery, and after the last one SQS moves the record to the DLQ. So on its
 * last delivery a skipped record gets its final outcome: the rejection when it needs no call (its effect
 * does not depend on order), otherwise `failed` on its way to the DLQ.
 *
 * @param blockedBy the requestId of the record that failed before it
 */
export function decideSkipped(item: BatchRecord, blockedBy: string, options: DecisionOptions): Decision {
  if (item.attempt < options.maxReceiveCount) return { kind: 'skip' };
  if (item.rejection) {
    const outcome = outcomeOf(item, Status.rejected, options, item.rejection);
    return { kind: 'outcome', outcome, acknowledge: true, unordered: true };
  }
  const failure = {
    code: 'PrecedingRequestFailed',
    message: `not attempted: request ${blockedBy} before it in FIFO message group ${item.messageGroupId} failed, and this was its last delivery (MAX_RECEIVE_COUNT ${options.maxReceiveCount})`,
    retryable: true,
  };
  return { kind: 'outcome', outcome: outcomeOf(item, Status.failed, options, failure), acknowledge: false };
}

/** Whether a decision lets SQS delete its record (once its outcome is published). */
export function acknowledges(decision: Decision): boolean {
  return decision.kind === 'outcome' && decision.acknowledge;
}

/**
 * The outcome of a record, in its request's version: a v1 rule as the request named it; a v2 rule as
 * asked plus what the backend resolved (the security group, the port, the rule's id).
 */
function outcomeOf(
  item: BatchRecord,
  status: Status,
  options: DecisionOptions,
  error?: OutcomeError,
  resolved?: ResolvedRule,
): AnyOutcome {
  const input: Omit<OutcomeInput, 'rule'> = {
    requestId: item.context.requestId,
    messageId: item.record.messageId,
    action: item.context.action,
    status,
    ...(error && { error }),
    attempt: item.attempt,
    ...(item.context.requestedBy !== undefined && { requestedBy: item.context.requestedBy }),
    ...(item.request?.reason !== undefined && { reason: item.request.reason }),
    ...(item.context.approval !== undefined && { approval: item.context.approval }),
    processedAt: options.processedAt,
  };
  const rule = item.request?.rule;
  if (item.version === 2) {
    const resolvedVpc = rule !== undefined && isVpcRule(rule) ? resolvedVpcRule(resolved) : undefined;
    return buildOutcomeV2({ ...input, ...(rule && { rule: outcomeRuleV2(rule, resolvedVpc) }) });
  }
  return buildOutcome({ ...input, ...(rule && { rule: v1Rule(rule) }) });
}

/** A request v1's rule is always on a cluster security group. */
function v1Rule(rule: IngressRuleV2): IngressRule {
  if (isVpcRule(rule)) throw new TypeError('a request v1 has no VPC target');
  return rule;
}

function resolvedVpcRule(resolved: ResolvedRule | undefined): ResolvedVpcRule | undefined {
  if (resolved?.securityGroupId === undefined || resolved.port === undefined) return undefined;
  return {
    securityGroupId: resolved.securityGroupId,
    port: resolved.port,
    ...(resolved.securityGroupRuleId !== undefined && { securityGroupRuleId: resolved.securityGroupRuleId }),
  };
}
