// Stage 2 of the batch processor, run: each partition of the plan in order, partitions in parallel; each
// record's call made by the backend of its target, then the record decided (decide-record.ts).
import type { BatchPlan } from '../domain/batch-plan.js';
import { type IngressRuleV2, isVpcRule } from '../domain/request-v2.js';
import { forEachBounded } from '../shared/run-bounded.js';
import { createBatchScope } from './batch-scope.js';
import { asClassifiedError } from './classified-error.js';
import {
  acknowledges,
  type CallResult,
  type Decision,
  decideRecord,
  decideSkipped,
} from './decide-record.js';
import { type AppliedChange, type BatchScope, type RuleBackends, TargetKind } from './ports.js';
import { type AnyRequest, type BatchRecord, changeOf } from './read-batch.js';

/** What running a batch needs. */
export interface RunBatchOptions {
  readonly backends: RuleBackends;
  /** Partitions run at once. */
  readonly concurrency: number;
  readonly maxReceiveCount: number;
  readonly now: () => Date;
}

/** The decisions of a batch, one per record in batch order, and how many calls the backends got. */
export interface BatchRun {
  readonly decisions: readonly Decision[];
  readonly calls: number;
}

/**
 * The kind of target a rule changes, which picks its backend: a cluster, workgroup or security group of
 * request v2 is on a VPC security group; every other rule (all of request v1) on a cluster security group.
 */
export function targetKindOf(rule: IngressRuleV2): TargetKind {
  return isVpcRule(rule) ? TargetKind.vpcSecurityGroup : TargetKind.clusterSecurityGroup;
}

/** Hands a request's change to the backend of its target's kind. */
function applyChange(backends: RuleBackends, request: AnyRequest, batch: BatchScope): Promise<AppliedChange> {
  const { action, rule, requestId } = request;
  return isVpcRule(rule)
    ? backends[TargetKind.vpcSecurityGroup].apply({ action, rule, requestId }, batch)
    : backends[TargetKind.clusterSecurityGroup].apply({ action, rule, requestId }, batch);
}

/**
 * Runs a planned batch: makes the calls its records need and decides every record.
 *
 * Calls start lazily, at the first record that needs them, so a FIFO record skipped after a failure
 * never reaches a backend; identical later records reuse the settled result. A FIFO message group stops
 * at its first record that is not acknowledged: the rest of it is skipped.
 */
export async function runBatch(
  items: readonly BatchRecord[],
  plan: BatchPlan,
  options: RunBatchOptions,
): Promise<BatchRun> {
  const batch = createBatchScope();
  const calls = new Map<number, Promise<CallResult>>();
  const callFor = (index: number, request: AnyRequest): Promise<CallResult> => {
    const callIndex = plan.callOf[index] as number;
    let call = calls.get(callIndex);
    if (call === undefined) {
      call = applyChange(options.backends, request, batch).then(
        (applied) => ({ applied }),
        (thrown: unknown) => ({ error: asClassifiedError(thrown) }),
      );
      calls.set(callIndex, call);
    }
    return call;
  };
  const decisionOptions = () => ({ maxReceiveCount: options.maxReceiveCount, processedAt: options.now() });

  const decisions: Decision[] = new Array(items.length);
  // FIFO message group -> requestId of its first record that failed in this batch.
  const failedMessageGroups = new Map<string, string>();
  await forEachBounded(plan.partitions, options.concurrency, async (partition) => {
    for (const index of partition) {
      const item = items[index] as BatchRecord;
      const blockedBy =
        item.messageGroupId === undefined ? undefined : failedMessageGroups.get(item.messageGroupId);
      if (blockedBy !== undefined) {
        decisions[index] = decideSkipped(item, blockedBy, decisionOptions());
        continue;
      }
      const request = changeOf(item);
      const result = request === undefined ? undefined : await callFor(index, request);
      const decision = decideRecord(item, result, decisionOptions());
      decisions[index] = decision;
      if (item.messageGroupId !== undefined && !acknowledges(decision))
        failedMessageGroups.set(item.messageGroupId, item.context.requestId);
    }
  });
  return { decisions, calls: calls.size };
}
