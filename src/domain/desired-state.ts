import { desiredStateSchema } from './desired-state-schema.js';
import { locateIssues, type PathProblem } from './messages.js';
import { canonicalCidr, type IngressTarget, type Problem } from './request.js';
import { clusterSecurityGroupNameSchema } from './request-schema.js';
import { fieldOf, isRecord } from './validate.js';

// Reading the desired state, version 1: its contract is the schema of desired-state-schema.ts, which
// checks the document at the reconciler's cold start and when packaging; this module words the schema's
// issues with their lines and turns what passed into groups of targets.

export { MAX_RULES_PER_GROUP } from './desired-state-schema.js';

/** One group of the desired state, with canonical CIDRs. */
export interface DesiredGroup {
  readonly name: string;
  readonly prune: boolean;
  readonly targets: readonly IngressTarget[];
}

/** A valid desired-state document. */
export interface DesiredState {
  readonly groups: readonly DesiredGroup[];
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
export function readDesiredState(value: unknown, source = 'desired state', locate?: Locate): DesiredState {
  const result = desiredStateSchema.safeParse(value);
  const problems = [...(result.success ? [] : locateIssues(result.error.issues)), ...protoGroup(value)];
  if (!result.success || problems.length > 0) {
    throw new DesiredStateError(
      source,
      problems.map(({ path, reason }): LocatedProblem => {
        const problem = { field: fieldOf(path), reason };
        const position = locate?.(path);
        return position === undefined ? problem : { ...problem, ...position };
      }),
    );
  }
  return {
    groups: Object.entries(result.data.groups).map(([name, group]) => ({
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
    })),
  };
}

/**
 * A group named `__proto__`, refused with the reason any bad group name gets: zod's record skips that key
 * without a word (it would replace the prototype of the object it builds), so a group would be lost.
 */
function protoGroup(value: unknown): PathProblem[] {
  if (!isRecord(value) || !isRecord(value.groups) || !Object.hasOwn(value.groups, '__proto__')) return [];
  const named = clusterSecurityGroupNameSchema.safeParse('__proto__');
  return [
    { path: ['groups', '__proto__'], reason: named.error?.issues[0]?.message ?? 'is not a group name' },
  ];
}
