import { parseIpv4Cidr } from './cidr.js';
import {
  ACCOUNT_ID,
  CIDR,
  CLUSTER_SECURITY_GROUP_NAME,
  EC2_SECURITY_GROUP_NAME,
  type IngressTarget,
  type Problem,
} from './request.js';
import {
  checkKnownKeys,
  checkString,
  fieldOf,
  Issues,
  isRecord,
  type PathSegment,
  type StringRule,
  wrongKind,
} from './validate.js';

// The desired-state contract, version 1, checked as the reconciler checks it at cold start and as packaging
// checks it. Its zod form, from which the JSON Schema is published, is desired-state-schema.ts; the
// conformance test holds the two to the same answers.

/** The most rules one cluster security group may hold (AuthorizeClusterSecurityGroupIngress quota). */
export const MAX_RULES_PER_GROUP = 20;

const OWNER_ID: StringRule = {
  ...ACCOUNT_ID,
  notAString: () => 'must be a 12-digit AWS account id, quoted so YAML keeps it a string',
};
const ROOT_KEYS: ReadonlySet<string> = new Set(['version', 'groups']);
const GROUP_KEYS: ReadonlySet<string> = new Set(['prune', 'cidrIps', 'ec2SecurityGroups']);
const EC2_GROUP_KEYS: ReadonlySet<string> = new Set(['name', 'ownerId']);

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
  const issues = new Issues();
  const groups = checkDocument(value, issues);
  if (groups === undefined || issues.list.length > 0) {
    throw new DesiredStateError(
      source,
      issues.list.map(({ path, reason }): LocatedProblem => {
        const problem = { field: fieldOf(path), reason };
        const position = locate?.(path);
        return position === undefined ? problem : { ...problem, ...position };
      }),
    );
  }
  return { groups };
}

function checkDocument(value: unknown, issues: Issues): DesiredGroup[] | undefined {
  if (!isRecord(value)) {
    issues.addWrongKind([], wrongKind('a mapping with version and groups', value));
    return undefined;
  }
  if (value.version !== 1) {
    issues.addWrongKind(['version'], 'must be 1 (the desired-state contract version)');
  }
  const groups = checkGroups(value.groups, ['groups'], issues);
  checkKnownKeys(value, ROOT_KEYS, [], issues);
  return groups;
}

function checkGroups(
  value: unknown,
  path: readonly PathSegment[],
  issues: Issues,
): DesiredGroup[] | undefined {
  if (!isRecord(value)) {
    issues.addWrongKind(path, wrongKind('a mapping of group names to groups', value));
    return undefined;
  }
  const wrongKindsBefore = issues.wrongKinds;
  const groups: DesiredGroup[] = [];
  for (const name of Object.keys(value)) {
    // A name that is not a group name: its first reason, and its group is not read.
    const nameIssues = new Issues();
    if (checkString(name, [...path, name], CLUSTER_SECURITY_GROUP_NAME, nameIssues) === undefined) {
      issues.addWrongKind([...path, name], nameIssues.list[0]?.reason ?? 'is not a group name');
      continue;
    }
    const group = checkGroup(value[name], [...path, name], issues);
    if (group !== undefined) groups.push({ name, ...group });
  }
  if (issues.wrongKinds > wrongKindsBefore) return groups;
  if (groups.length === 0) issues.add(path, 'must name at least one group');
  // Redshift compares group names without case: two spellings would fight over one group.
  const seen = new Map<string, string>();
  for (const { name } of groups) {
    const first = seen.get(name.toLowerCase());
    if (first !== undefined) {
      issues.add([...path, name], `names the same group as "${first}" (names compare without case)`);
    } else seen.set(name.toLowerCase(), name);
  }
  return groups;
}

function checkGroup(
  value: unknown,
  path: readonly PathSegment[],
  issues: Issues,
): Omit<DesiredGroup, 'name'> | undefined {
  if (!isRecord(value)) {
    issues.addWrongKind(path, wrongKind('a mapping with prune, cidrIps and ec2SecurityGroups', value));
    return undefined;
  }
  const wrongKindsBefore = issues.wrongKinds;
  const prune = value.prune === undefined ? false : value.prune;
  if (typeof prune !== 'boolean') issues.addWrongKind([...path, 'prune'], wrongKind('true or false', prune));
  const cidrIps = checkList(value.cidrIps, [...path, 'cidrIps'], 'a list of CIDRs', issues, (item, at) =>
    checkString(item, at, CIDR, issues),
  );
  const ec2SecurityGroups = checkList(
    value.ec2SecurityGroups,
    [...path, 'ec2SecurityGroups'],
    'a list of EC2 security groups (name and ownerId)',
    issues,
    (item, at) => checkEc2Group(item, at, issues),
  );
  checkKnownKeys(value, GROUP_KEYS, path, issues);
  if (issues.wrongKinds > wrongKindsBefore) return undefined;

  const total = cidrIps.length + ec2SecurityGroups.length;
  if (total > MAX_RULES_PER_GROUP) {
    issues.add(path, `has ${total} rules; a cluster security group holds at most ${MAX_RULES_PER_GROUP}`);
  }
  const targets: IngressTarget[] = [];
  const seen = new Map<string, number>();
  cidrIps.forEach((cidr, index) => {
    const parsed = typeof cidr === 'string' ? parseIpv4Cidr(cidr) : undefined;
    if (!parsed?.ok) return;
    const first = seen.get(parsed.network.cidr);
    if (first !== undefined) issues.add([...path, 'cidrIps', index], `duplicates cidrIps.${first}`);
    else {
      seen.set(parsed.network.cidr, index);
      targets.push({ cidrIp: parsed.network.cidr });
    }
  });
  const ec2Seen = new Map<string, number>();
  ec2SecurityGroups.forEach((ec2, index) => {
    if (ec2 === undefined) return;
    const key = `${ec2.ownerId}/${ec2.name}`;
    const first = ec2Seen.get(key);
    if (first !== undefined) {
      issues.add([...path, 'ec2SecurityGroups', index], `duplicates ec2SecurityGroups.${first}`);
    } else {
      ec2Seen.set(key, index);
      targets.push({ ec2SecurityGroupName: ec2.name, ec2SecurityGroupOwnerId: ec2.ownerId });
    }
  });
  return { prune: prune as boolean, targets };
}

/** Each item of a list checked; a field left out is the empty list. */
function checkList<T>(
  value: unknown,
  path: readonly PathSegment[],
  what: string,
  issues: Issues,
  checkItem: (item: unknown, path: readonly PathSegment[]) => T,
): T[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    issues.addWrongKind(path, wrongKind(what, value));
    return [];
  }
  // Array.from, not map: a hole (never in JSON or YAML, possible from code) is checked as undefined.
  return Array.from(value, (item: unknown, index) => checkItem(item, [...path, index]));
}

/** An EC2 security group's name and owner, adding what is wrong to `issues`; undefined if either is not a string. */
function checkEc2Group(
  value: unknown,
  path: readonly PathSegment[],
  issues: Issues,
): { name: string; ownerId: string } | undefined {
  if (!isRecord(value)) {
    issues.addWrongKind(path, wrongKind('a mapping with name and ownerId', value));
    return undefined;
  }
  checkString(value.name, [...path, 'name'], EC2_SECURITY_GROUP_NAME, issues);
  checkString(value.ownerId, [...path, 'ownerId'], OWNER_ID, issues);
  checkKnownKeys(value, EC2_GROUP_KEYS, path, issues);
  // Strings, valid or not: duplicates are named even among entries with other problems.
  const { name, ownerId } = value;
  return typeof name === 'string' && typeof ownerId === 'string' ? { name, ownerId } : undefined;
}
