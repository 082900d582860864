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
  type RequestContext,
  targetKey,
} from '../domain/request.js';
import {
  type IngressRequestV2,
  isVpcRule,
  parseAnyRequest,
  requestContextOf,
  sourceKeyV2,
  targetKeyV2,
} from '../domain/request-v2.js';
import { rejectSqsRefusedFields } from '../domain/sqs-text.js';
import { describeVpcSource } from '../domain/vpc.js';

/** A valid request of either contract version. */
export type AnyRequest = IngressRequest | IngressRequestV2;

/** One record of the batch, read. */
export interface BatchRecord {
  readonly record: SQSRecord;
  /** The record's delivery count (ApproximateReceiveCount), at least 1. */
  readonly attempt: number;
  readonly messageGroupId?: string;
  /** The contract version of the record's outcome: 2 for a body that says `version: 2`, else 1. */
  readonly version: 1 | 2;
  /** The valid request, when the body is one (also when policy refuses it). */
  readonly request?: AnyRequest;
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
    const parsed = rejectSqsRefusedFields(parseAnyRequest(record.body ?? '', record.messageId));
    const version = (parsed.ok ? parsed.request.version : parsed.version) === 2 ? 2 : 1;
    const base = {
      record,
      attempt,
      version,
      ...(messageGroupId !== undefined && { messageGroupId }),
    } as const;
    if (!parsed.ok) {
      return {
        ...base,
        context: parsed.context,
        rejection: { code: 'InvalidRequest', message: formatProblems(parsed.problems), retryable: false },
      };
    }
    const { request } = parsed;
    const context = requestContextOf(request);
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
export function changeOf(item: BatchRecord): AnyRequest | undefined {
  return item.rejection === undefined ? item.request : undefined;
}

/**
 * Plans the batch: records of one target (a cluster security group, a cluster, a workgroup or a VPC
 * security group) or of one FIFO message group in order, identical requests on one call.
 */
export function planRecords(items: readonly BatchRecord[]): BatchPlan {
  return planBatch(
    items.map((item) => {
      const request = changeOf(item);
      return {
        ...(request !== undefined && {
          group: targetKeyV2(request.rule),
          call: { action: request.action, target: callKeyOf(request) },
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
    ...(item.request && describeRule(item.request)),
    ...(item.context.requestedBy !== undefined && { requestedBy: item.context.requestedBy }),
    ...(item.context.approval !== undefined && { approval: item.context.approval }),
  };
}

/**
 * What identifies a request's change within its target, for coalescing: its source (and, on a VPC
 * target, its port and the group it picks, since requests that pick different groups are different
 * changes).
 */
function callKeyOf(request: AnyRequest): string {
  const { rule } = request;
  if (!isVpcRule(rule)) return targetKey(rule);
  const picked = 'securityGroupId' in rule.target ? (rule.target.securityGroupId ?? '') : '';
  return `${sourceKeyV2(rule)}@${picked}`;
}

/** The log fields naming a request's rule: v1's `target`, or a VPC rule's target key and source. */
function describeRule(request: AnyRequest): Record<string, string> {
  const { rule } = request;
  if (!isVpcRule(rule)) return { target: describeTarget(rule) };
  return {
    target: targetKeyV2(rule),
    source: describeVpcSource(rule.source),
    ...(rule.port !== undefined && { port: String(rule.port) }),
  };
}
