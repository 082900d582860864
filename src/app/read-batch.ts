// Stage 1 of the batch processor: read each record (its body parsed and checked against the policy)
// and plan the batch (which records run in order, which identical requests share one call). Pure.
import type { SQSRecord } from 'aws-lambda';
import { type BatchPlan, planBatch } from '../domain/batch-plan.js';
import type { OutcomeError } from '../domain/outcome.js';
import { makePolicyCheck, type Policy } from '../domain/policy.js';
import {
  describeTarget,
  formatProblems,
  type IngressRequest,
  parseRequest,
  type RequestContext,
  targetKey,
} from '../domain/request.js';
import { rejectSqsRefusedFields } from '../domain/sqs-text.js';

/** One record of the batch, read. */
export interface BatchRecord {
  readonly record: SQSRecord;
  /** The record's delivery count (ApproximateReceiveCount), at least 1. */
  readonly attempt: number;
  readonly messageGroupId?: string;
  /** The valid request, when the body is one (also when policy refuses it). */
  readonly request?: IngressRequest;
  /** The correlation context of the record, whether valid or not. */
  readonly context: RequestContext;
  /** Why the record is rejected before any call: an invalid body or a policy refusal. */
  readonly rejection?: OutcomeError;
}

/** Makes the reader of records under one policy. */
export function makeRecordReader(policy: Policy): (record: SQSRecord) => BatchRecord {
  const checkPolicy = makePolicyCheck(policy);
  return (record) => {
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
}

/** The request a record asks to apply: valid and allowed; undefined when it is rejected before any call. */
export function changeOf(item: BatchRecord): IngressRequest | undefined {
  return item.rejection === undefined ? item.request : undefined;
}

/** Plans the batch: records of one group or FIFO message group in order, identical requests on one call. */
export function planRecords(items: readonly BatchRecord[]): BatchPlan {
  return planBatch(
    items.map((item) => {
      const request = changeOf(item);
      return {
        ...(request !== undefined && {
          group: request.rule.clusterSecurityGroupName,
          call: { action: request.action, target: targetKey(request.rule) },
        }),
        ...(item.messageGroupId !== undefined && { messageGroupId: item.messageGroupId }),
      };
    }),
  );
}

/** The fields every log line about a record carries; never the task token. */
export function logFieldsOf(item: BatchRecord): Record<string, unknown> {
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
