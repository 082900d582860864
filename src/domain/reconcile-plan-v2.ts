import { networkOf, parseIpv6Cidr } from './cidr.js';
import type { DesiredVpcTarget } from './desired-state.js';
import { fnv1a64 } from './hash.js';
import type { Action } from './request.js';
import {
  type IngressRequestV2,
  sourceKeyV2,
  targetKeyV2,
  type VpcIngressRule,
  type VpcTarget,
} from './request-v2.js';
import { isManaged, type VpcRule, type VpcSource } from './vpc.js';

// The reconciliation of one VPC target, pure: what its security group lacks and holds beyond the desired
// state, which managed extras a prune revokes, and how many missing rules the group has room for. A rule's
// identity is (protocol, port, source), as EC2's: a description is metadata and never makes two rules differ.

/** What reconciling one VPC target of the desired state means, once its group's rules are read. */
export interface VpcTargetPlan {
  /** Desired sources the group lacks on the target's port, in the document's order. */
  readonly missing: readonly VpcSource[];
  /** Inbound rules the group holds that the desired state does not name, managed or not. */
  readonly extra: readonly VpcRule[];
  /** The managed extras to revoke: only with `prune`, and only within what is left of the prune cap. */
  readonly toPrune: readonly VpcRule[];
  /** Why something that differs is left alone. */
  readonly notes: readonly string[];
}

/** What the diff of one target starts from. */
export interface VpcTargetPlanInput {
  readonly entry: DesiredVpcTarget;
  /** The port the desired sources must be allowed on: the entry's, else the target's endpoint port. */
  readonly port: number;
  /** The inbound rules of the target's security group now. */
  readonly rules: readonly VpcRule[];
  /** How many revokes the run may still make (MAX_PRUNE_PER_RUN less those already planned). */
  readonly pruneLeft: number;
  /** The prune cap of the run, for the note that says why a prune was skipped. */
  readonly maxPrunePerRun: number;
}

/**
 * Compares one target's desired sources with its group's inbound rules.
 *
 * Pruning is all or nothing per target, as for cluster security groups: when the managed extras exceed
 * what is left of the cap, none is revoked and a note says why. Rules a person made (without the managed
 * tag) are extras that are never revoked.
 */
export function planVpcTarget(input: VpcTargetPlanInput): VpcTargetPlan {
  const { entry, port, rules } = input;
  const present = new Set(
    rules.filter((rule) => opensPort(rule, port)).map((rule) => sourceKey(rule.source)),
  );
  const wanted = new Set(entry.sources.map(sourceKey));
  const missing = entry.sources.filter((source) => !present.has(sourceKey(source)));
  const extra = rules.filter((rule) => !(opensPort(rule, port) && wanted.has(sourceKey(rule.source))));
  const managed = extra.filter((rule) => isManaged(rule.tags));
  const notes: string[] = [];
  let toPrune: readonly VpcRule[] = [];
  if (entry.prune && managed.length > 0) {
    if (managed.length <= input.pruneLeft) toPrune = managed;
    else {
      notes.push(
        `prune skipped: ${managed.length} managed extra rules exceed the ${input.pruneLeft} revokes left of MAX_PRUNE_PER_RUN (${input.maxPrunePerRun}) in this run; nothing is pruned for this target`,
      );
    }
  }
  // Rules without the tag are not notes: the report lists them as extra with `managed: false`, and
  // leaving them alone is the rule, not something left undone.
  return { missing, extra, toPrune, notes };
}

/** What fits in a group: the missing sources to authorize, and those left out because the group is full. */
export interface RuleBudget {
  readonly toAuthorize: readonly VpcSource[];
  readonly overLimit: readonly VpcSource[];
  readonly notes: readonly string[];
}

/**
 * Budgets a group's inbound rules before anything is authorized, so that nothing enqueued fails with
 * RulesPerSecurityGroupLimitExceeded: IPv4 and IPv6 rules are counted apart against `limit`, a rule from
 * a group or a prefix list counts in both, as EC2 counts them. A prefix list counts as one rule, where
 * EC2 counts its maximum number of entries (which only DescribeManagedPrefixLists tells): a group with
 * large prefix lists can still refuse a rule, and that request's outcome says so. A family whose kept
 * rules and missing ones exceed the limit authorizes none of its missing sources (a group half-updated
 * in document order would allow an arbitrary subset); the other family goes ahead.
 *
 * @param rules the group's inbound rules now
 * @param removed the ids of rules revoked before the authorizes (they free their room)
 * @param missing the sources to authorize
 * @param limit the group's inbound rules quota per family
 */
export function budgetRules(
  rules: readonly VpcRule[],
  removed: ReadonlySet<string>,
  missing: readonly VpcSource[],
  limit: number,
): RuleBudget {
  const kept = rules.filter((rule) => !removed.has(rule.securityGroupRuleId));
  const count = (sources: readonly VpcSource[], family: Family) =>
    sources.filter((source) => familiesOf(source).includes(family)).length;
  const full = new Set<Family>();
  const notes: string[] = [];
  for (const family of ['IPv4', 'IPv6'] as const) {
    const keep = count(
      kept.map((rule) => rule.source),
      family,
    );
    const add = count(missing, family);
    if (add > 0 && keep + add > limit) {
      full.add(family);
      notes.push(
        `over the rule limit: the group would hold ${keep + add} ${family} inbound rules (${keep} kept, ${add} missing), more than ${limit}; none of the missing ${family} rules is authorized: revoke rules, use a managed prefix list, or split the sources across groups`,
      );
    }
  }
  const fits = (source: VpcSource) => !familiesOf(source).some((family) => full.has(family));
  return { toAuthorize: missing.filter(fits), overLimit: missing.filter((source) => !fits(source)), notes };
}

type Family = 'IPv4' | 'IPv6';

function familiesOf(source: VpcSource): readonly Family[] {
  if ('cidrIp' in source) return ['IPv4'];
  if ('cidrIpv6' in source) return ['IPv6'];
  return ['IPv4', 'IPv6'];
}

/** Whether a rule is TCP on exactly one port (EC2 lists the protocol as `tcp`, or `6` when given by number). */
function opensPort(rule: VpcRule, port: number): boolean {
  return (rule.protocol === 'tcp' || rule.protocol === '6') && rule.fromPort === port && rule.toPort === port;
}

/** A key under which two spellings of one source compare equal: CIDRs as networks, groups and lists by id. */
export function sourceKey(source: VpcSource): string {
  if ('cidrIp' in source) return `cidr:${networkOf(source.cidrIp) ?? source.cidrIp}`;
  if ('cidrIpv6' in source) {
    const parsed = parseIpv6Cidr(source.cidrIpv6);
    return `cidr6:${parsed.ok ? parsed.network.cidr : source.cidrIpv6.toLowerCase()}`;
  }
  if ('prefixListId' in source) return `pl:${source.prefixListId.toLowerCase()}`;
  // The owner is left out: EC2 lists it on every rule, a document may omit it, and the id alone is unique.
  return `sg:${source.sourceSecurityGroupId.toLowerCase()}`;
}

/** The `requestedBy` of every request the reconciler makes. */
export const RECONCILER = 'reconciler';

/**
 * The request the reconciler makes for one source of a VPC target: on the resolved group (picked for a
 * cluster or workgroup), on the entry's port when it gives one, so the request path changes exactly the
 * group that was compared.
 *
 * @param securityGroupId the group the target resolved to; absent when it is not resolved yet (the policy
 *   check of a document as it is read)
 */
export function vpcReconcileRequest(
  entry: DesiredVpcTarget,
  action: Action,
  source: VpcSource,
  securityGroupId?: string,
  port: number | undefined = entry.port,
): IngressRequestV2 {
  const target: VpcTarget =
    securityGroupId === undefined || 'securityGroupId' in entry.target
      ? entry.target
      : { ...entry.target, securityGroupId };
  const rule: VpcIngressRule = { target, source, ...(port !== undefined && { port }) };
  return {
    version: 2,
    requestId: vpcReconcileRequestId(action, rule),
    action,
    rule,
    requestedBy: RECONCILER,
    reason:
      action === 'revoke'
        ? 'managed rule not in the desired state (prune: true)'
        : 'in the desired state but missing',
  };
}

/**
 * The request id of a reconciler request on a VPC target: the same in every run for the same change, so
 * overlapping runs are recognised (and deduplicated by a FIFO queue) rather than doubling the work.
 */
export function vpcReconcileRequestId(action: Action, rule: VpcIngressRule): string {
  const group = rule.target.securityGroupId ?? '';
  return `reconcile-${action}-${fnv1a64(`${targetKeyV2(rule)}\n${group}\n${sourceKeyV2(rule)}`)}`;
}

/** The body of a request v2 as a producer writes it: flat fields, as the requests queue takes them. */
export function requestV2Body(request: IngressRequestV2): Record<string, unknown> {
  const { rule, ...rest } = request;
  if (!('target' in rule)) return { ...rest, ...rule };
  return { ...rest, ...rule.target, ...rule.source, ...(rule.port !== undefined && { port: rule.port }) };
}
