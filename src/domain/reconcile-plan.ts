import { networkOf } from './cidr.js';
import type { DesiredState } from './desired-state.js';
import { fnv1a64 } from './hash.js';
import type { Action, IngressTarget } from './request.js';

/** The rules a cluster security group holds now, as DescribeClusterSecurityGroups reports them. */
export interface CurrentGroup {
  readonly name: string;
  readonly targets: readonly IngressTarget[];
}

/** What reconciling one group of the desired state means. */
export interface GroupPlan {
  readonly clusterSecurityGroupName: string;
  readonly exists: boolean;
  readonly prune: boolean;
  /** Desired rules the group lacks. */
  readonly missing: readonly IngressTarget[];
  /** Rules the group holds that the desired state does not name (drift). */
  readonly extra: readonly IngressTarget[];
  /** Rules to authorize: the missing ones, when the group exists. */
  readonly toAuthorize: readonly IngressTarget[];
  /** Rules to revoke: the extra ones, when the group prunes and the run's prune budget allows. */
  readonly toRevoke: readonly IngressTarget[];
  /** Why something that differs is left alone, for the report. */
  readonly notes: readonly string[];
}

/** Limits of one reconciliation run. */
export interface PlanOptions {
  /** Most revokes one run may enqueue, over all groups. */
  readonly maxPrunePerRun: number;
}

/**
 * Compares the desired state with the current rules, group by group, in the document's order.
 *
 * CIDRs compare as networks (`198.51.100.7` equals `198.51.100.7/32`). Pruning is all or nothing per
 * group: a group whose extras exceed what is left of `maxPrunePerRun` prunes nothing (a blast-radius
 * guard), and the report says why.
 */
export function planReconciliation(
  desired: DesiredState,
  current: readonly CurrentGroup[],
  options: PlanOptions,
): GroupPlan[] {
  const currentByName = new Map(current.map((group) => [group.name.toLowerCase(), group]));
  let pruneBudget = options.maxPrunePerRun;
  return desired.groups.map((group) => {
    const existing = currentByName.get(group.name.toLowerCase());
    if (existing === undefined) {
      return {
        clusterSecurityGroupName: group.name,
        exists: false,
        prune: group.prune,
        missing: group.targets,
        extra: [],
        toAuthorize: [],
        toRevoke: [],
        notes: [`cluster security group "${group.name}" does not exist: nothing is enqueued for it`],
      };
    }
    const desiredKeys = new Set(group.targets.map(ruleKey));
    const currentKeys = new Set(existing.targets.map(ruleKey));
    const missing = group.targets.filter((target) => !currentKeys.has(ruleKey(target)));
    const extra = existing.targets.filter((target) => !desiredKeys.has(ruleKey(target)));
    const notes: string[] = [];
    let toRevoke: readonly IngressTarget[] = [];
    if (group.prune && extra.length > 0) {
      if (extra.length <= pruneBudget) {
        toRevoke = extra;
        pruneBudget -= extra.length;
      } else {
        notes.push(
          `prune skipped: ${extra.length} extra rules exceed the ${pruneBudget} revokes left of MAX_PRUNE_PER_RUN (${options.maxPrunePerRun}) in this run; nothing is pruned for this group`,
        );
      }
    }
    return {
      clusterSecurityGroupName: group.name,
      exists: true,
      prune: group.prune,
      missing,
      extra,
      toAuthorize: missing,
      toRevoke,
      notes,
    };
  });
}

/** Whether a plan changes or reports anything: a missing group, a missing or an extra rule. */
export function hasDrift(plans: readonly GroupPlan[]): boolean {
  return plans.some((plan) => !plan.exists || plan.missing.length > 0 || plan.extra.length > 0);
}

/** A key under which two spellings of the same rule compare equal. */
export function ruleKey(target: IngressTarget): string {
  if ('cidrIp' in target) return `cidr:${networkOf(target.cidrIp) ?? target.cidrIp}`;
  return `ec2:${target.ec2SecurityGroupOwnerId}/${target.ec2SecurityGroupName}`;
}

/**
 * The request id of a reconciler request, the same in every run for the same change, so overlapping
 * runs are recognisable (and deduplicated by a FIFO queue) rather than doubling the work.
 */
export function reconcileRequestId(group: string, action: Action, target: IngressTarget): string {
  return `reconcile-${action}-${fnv1a64(`${group.toLowerCase()}\n${ruleKey(target)}`)}`;
}
