import { RejectedError } from './errors.js';
import { isManaged, MANAGED_TAG, MANAGED_TAG_VALUE, type VpcSecurityGroup } from './vpc.js';

/** A cluster or workgroup whose security group a request needs, named for messages. */
export interface VpcTargetRef {
  readonly kind: 'cluster' | 'workgroup';
  readonly name: string;
}

/** What the choice starts from: the target, its security groups, and the request's `securityGroupId` if any. */
export interface SecurityGroupQuestion {
  readonly target: VpcTargetRef;
  readonly securityGroupIds: readonly string[];
  readonly securityGroupId?: string;
}

/** The rejection code when several groups qualify and none is chosen. */
export const AMBIGUOUS_SECURITY_GROUP = 'AmbiguousSecurityGroup';
/** The rejection code when the request's `securityGroupId` is not one of the target's groups. */
export const SECURITY_GROUP_NOT_OF_TARGET = 'SecurityGroupNotOfTarget';
/** The rejection code when the target has no VPC security group at all. */
export const NO_SECURITY_GROUP = 'NoSecurityGroup';

function describeTarget(target: VpcTargetRef): string {
  return `${target.kind} "${target.name}"`;
}

/**
 * Whether the choice needs the groups' tags: only when the target has several groups and the request
 * names none, so the common cases cost no DescribeSecurityGroups call.
 */
export function needsSecurityGroupTags(question: SecurityGroupQuestion): boolean {
  return question.securityGroupId === undefined && new Set(question.securityGroupIds).size > 1;
}

/**
 * Picks the security group a request changes: the request's `securityGroupId` (one of the target's),
 * else the only group, else the one tagged `redshift-ingress:managed=true`.
 *
 * @param groups the target's groups with their tags; required when {@link needsSecurityGroupTags} is true
 * @throws RejectedError naming the candidates and how to choose when no single group qualifies
 */
export function chooseSecurityGroup(
  question: SecurityGroupQuestion,
  groups?: readonly VpcSecurityGroup[],
): string {
  const { target, securityGroupId } = question;
  // A group listed twice is still one group.
  const candidates = [...new Set(question.securityGroupIds)];
  const listed = candidates.join(', ');
  if (candidates.length === 0) {
    throw new RejectedError(
      NO_SECURITY_GROUP,
      `${describeTarget(target)} has no VPC security group; attach one to it, or send a securityGroupId request`,
    );
  }
  if (securityGroupId !== undefined) {
    if (candidates.includes(securityGroupId)) return securityGroupId;
    throw new RejectedError(
      SECURITY_GROUP_NOT_OF_TARGET,
      `securityGroupId: "${securityGroupId}" is not a security group of ${describeTarget(target)} (its groups: ${listed})`,
    );
  }
  const [only] = candidates;
  if (candidates.length === 1 && only !== undefined) return only;
  if (groups === undefined) {
    throw new TypeError('chooseSecurityGroup needs the groups with their tags when the target has several');
  }
  const managed = candidates.filter((id) =>
    groups.some((group) => group.securityGroupId === id && isManaged(group.tags)),
  );
  const [chosen] = managed;
  if (managed.length === 1 && chosen !== undefined) return chosen;
  const how = `send securityGroupId with one of them, or tag exactly one of them ${MANAGED_TAG}=${MANAGED_TAG_VALUE}`;
  throw new RejectedError(
    AMBIGUOUS_SECURITY_GROUP,
    managed.length === 0
      ? `${describeTarget(target)} has ${candidates.length} security groups (${listed}) and none is tagged ${MANAGED_TAG}=${MANAGED_TAG_VALUE}: ${how}`
      : `${describeTarget(target)} has ${managed.length} security groups tagged ${MANAGED_TAG}=${MANAGED_TAG_VALUE} (${managed.join(', ')}) among ${listed}: ${how}`,
  );
}
