import { parseIpv6Cidr } from './cidr.js';
import {
  type DesiredStateV2Document,
  desiredStateSchema,
  desiredStateV2Schema,
} from './desired-state-schema.js';
import { locateIssues, type PathProblem } from './messages.js';
import type { PolicyRefusal } from './policy.js';
import { vpcReconcileRequest } from './reconcile-plan-v2.js';
import { canonicalCidr, type IngressTarget, type Problem } from './request.js';
import { clusterSecurityGroupNameSchema } from './request-schema.js';
import type { IngressRequestV2, VpcSource, VpcTarget } from './request-v2.js';
import { fieldOf, isRecord } from './validate.js';

// Reading the desired state, version 1 or 2: its contract is the schemas of desired-state-schema.ts, which
// check the document at the reconciler's first run and when packaging; this module words the schemas'
// issues with their lines, refuses sources the policy would refuse (when the reader knows the policy),
// and turns what passed into groups and VPC targets.

export { MAX_RULES_PER_GROUP, MAX_VPC_RULES_PER_GROUP } from './desired-state-schema.js';

/** One group of the desired state, with canonical CIDRs. */
export interface DesiredGroup {
  readonly name: string;
  readonly prune: boolean;
  readonly targets: readonly IngressTarget[];
}

/** The section of a version 2 document a VPC target is listed in. */
export type VpcSection = 'clusters' | 'workgroups' | 'securityGroups';

/** One cluster, workgroup or VPC security group of the desired state, with canonical CIDRs. */
export interface DesiredVpcTarget {
  readonly section: VpcSection;
  /** The entry's key: the cluster identifier, workgroup name or security group id. */
  readonly name: string;
  /** The target as a request v2 names it (with the entry's securityGroupId pick, if any). */
  readonly target: VpcTarget;
  /** The entry's port; absent: the target's endpoint port. */
  readonly port?: number;
  readonly prune: boolean;
  /** The sources that must be allowed, in the document's order. */
  readonly sources: readonly VpcSource[];
}

/** A valid desired-state document. */
export interface DesiredState {
  readonly groups: readonly DesiredGroup[];
  /** The VPC targets of a version 2 document; absent for version 1. */
  readonly vpcTargets?: readonly DesiredVpcTarget[];
}

/** What reading a document may check beyond its schema. */
export interface ReadOptions {
  /**
   * The policy the requests of a VPC target must pass; a source it refuses is refused with the document,
   * naming the entry.
   */
  readonly checkPolicy?: (request: IngressRequestV2) => PolicyRefusal | undefined;
}

/** A problem of a desired-state document, located where possible. */
export interface LocatedProblem extends Problem {
  readonly line?: number;
  readonly column?: number;
}

/** Raised when a desired-state document is invalid; the message lists `file:line: field: reason` per problem. */
export class DesiredStateError extends Error {
  readonly problems: readonly LocatedProblem[];

  constructor(source: string, problems: readonly LocatedProblem[]) {
    super(
      `Invalid desired state ${source}:\n${problems
        .map(
          (p) =>
            `  ${source}${p.line !== undefined ? `:${p.line}:${p.column}` : ''}: ${p.field}: ${p.reason}`,
        )
        .join('\n')}`,
    );
    this.name = 'DesiredStateError';
    this.problems = problems;
  }
}

/** Where a problem sits in the source document, when the document can tell. */
export type Locate = (
  path: readonly PropertyKey[],
) => { readonly line: number; readonly column: number } | undefined;

/**
 * Validates a decoded desired-state document (from JSON, or from YAML by
 * `parseDesiredState` of desired-state-yaml.ts) and returns it with canonical CIDRs.
 *
 * @param value the decoded document
 * @param source the file name, for messages
 * @param locate places a problem's path in the source text, for `file:line` messages
 * @throws DesiredStateError naming each problem
 */
export function readDesiredState(
  value: unknown,
  source = 'desired state',
  locate?: Locate,
  options: ReadOptions = {},
): DesiredState {
  const fail = (problems: readonly PathProblem[]): never => {
    throw new DesiredStateError(
      source,
      problems.map(({ path, reason }): LocatedProblem => {
        const problem = { field: fieldOf(path), reason };
        const position = locate?.(path);
        return position === undefined ? problem : { ...problem, ...position };
      }),
    );
  };
  if (isRecord(value) && value.version === 2) {
    const result = desiredStateV2Schema().safeParse(value);
    const problems = [...(result.success ? [] : locateIssues(result.error.issues)), ...protoKeys(value)];
    if (!result.success || problems.length > 0) return fail(problems);
    const desired = fromV2(result.data);
    const refused = refusedSources(desired.vpcTargets ?? [], options);
    if (refused.length > 0) return fail(refused);
    return desired;
  }
  const result = desiredStateSchema().safeParse(value);
  const problems = [
    ...(result.success ? [] : locateIssues(result.error.issues)).map((problem) =>
      // Neither version: say that both are read.
      problem.path.length === 1 && problem.path[0] === 'version' && isRecord(value) && value.version !== 1
        ? { ...problem, reason: 'must be 1 or 2 (the desired-state contract version)' }
        : problem,
    ),
    ...protoGroup(value),
  ];
  if (!result.success || problems.length > 0) return fail(problems);
  return {
    groups: v1Groups(result.data.groups),
  };
}

type V1Groups = NonNullable<DesiredStateV2Document['groups']>;

function v1Groups(groups: V1Groups): DesiredGroup[] {
  return Object.entries(groups).map(([name, group]) => ({
    name,
    prune: group.prune,
    targets: [
      // Checked by the schema: every CIDR parses, and none repeats another.
      ...group.cidrIps.map((cidr) => ({ cidrIp: canonicalCidr(cidr) })),
      ...group.ec2SecurityGroups.map((ec2) => ({
        ec2SecurityGroupName: ec2.name,
        ec2SecurityGroupOwnerId: ec2.ownerId,
      })),
    ],
  }));
}

const SECTIONS: readonly VpcSection[] = ['clusters', 'workgroups', 'securityGroups'];

function fromV2(document: DesiredStateV2Document): DesiredState {
  const vpcTargets: DesiredVpcTarget[] = [];
  for (const section of SECTIONS) {
    for (const [name, entry] of Object.entries(document[section] ?? {})) {
      // Only cluster and workgroup entries take a pick; the schema refuses it elsewhere.
      const picked = (entry as { readonly securityGroupId?: string }).securityGroupId;
      const pick = picked !== undefined ? { securityGroupId: picked } : {};
      const target: VpcTarget =
        section === 'clusters'
          ? { clusterIdentifier: name, ...pick }
          : section === 'workgroups'
            ? { workgroupName: name, ...pick }
            : { securityGroupId: name };
      vpcTargets.push({
        section,
        name,
        target,
        ...(entry.port !== undefined && { port: entry.port }),
        prune: entry.prune,
        sources: [
          // Checked by the schema: every CIDR parses, and no source repeats another.
          ...entry.cidrIps.map((cidr): VpcSource => ({ cidrIp: canonicalCidr(cidr) })),
          ...entry.cidrIpv6s.map((cidr): VpcSource => {
            const parsed = parseIpv6Cidr(cidr);
            return { cidrIpv6: parsed.ok ? parsed.network.cidr : cidr };
          }),
          ...entry.sourceSecurityGroups.map(
            (group): VpcSource => ({
              sourceSecurityGroupId: group.id,
              ...(group.ownerId !== undefined && { sourceSecurityGroupOwnerId: group.ownerId }),
            }),
          ),
          ...entry.prefixLists.map((id): VpcSource => ({ prefixListId: id })),
        ],
      });
    }
  }
  return { groups: v1Groups(document.groups ?? {}), vpcTargets };
}

/** The field and index a source of an entry was written at, for the problem's line. */
function sourcePath(target: DesiredVpcTarget, source: VpcSource): PropertyKey[] {
  const sameKind = target.sources.filter((other) => Object.keys(other)[0] === Object.keys(source)[0]);
  const index = sameKind.indexOf(source);
  const field =
    'cidrIp' in source
      ? 'cidrIps'
      : 'cidrIpv6' in source
        ? 'cidrIpv6s'
        : 'prefixListId' in source
          ? 'prefixLists'
          : 'sourceSecurityGroups';
  return [target.section, target.name, field, index];
}

/** Every source whose authorize request the policy would refuse, named by its entry. */
function refusedSources(targets: readonly DesiredVpcTarget[], options: ReadOptions): PathProblem[] {
  const { checkPolicy } = options;
  if (checkPolicy === undefined) return [];
  const problems: PathProblem[] = [];
  for (const target of targets) {
    for (const source of target.sources) {
      const refusal = checkPolicy(vpcReconcileRequest(target, 'authorize', source));
      // Approval is asked of a person's request; the reconciler's are reported as refused when they run.
      if (refusal !== undefined && refusal.rule !== 'REQUIRE_APPROVAL') {
        problems.push({
          path: sourcePath(target, source),
          reason: `refused by ${refusal.rule}: ${refusal.message}`,
        });
      }
    }
  }
  return problems;
}

/** Keys named `__proto__` in any section of a version 2 document (see {@link protoGroup}). */
function protoKeys(value: Record<string, unknown>): PathProblem[] {
  const problems = protoGroup(value);
  for (const section of SECTIONS) {
    const entries = value[section];
    if (isRecord(entries) && Object.hasOwn(entries, '__proto__')) {
      problems.push({ path: [section, '__proto__'], reason: 'is not a valid name' });
    }
  }
  return problems;
}

/**
 * A group named `__proto__`, refused with the reason any bad group name gets: zod's record skips that key
 * without a word (it would replace the prototype of the object it builds), so a group would be lost.
 */
function protoGroup(value: unknown): PathProblem[] {
  if (!isRecord(value) || !isRecord(value.groups) || !Object.hasOwn(value.groups, '__proto__')) return [];
  const named = clusterSecurityGroupNameSchema().safeParse('__proto__');
  return [
    { path: ['groups', '__proto__'], reason: named.error?.issues[0]?.message ?? 'is not a group name' },
  ];
}
