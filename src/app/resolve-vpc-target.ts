import type { VpcTarget } from '../domain/request-v2.js';
import {
  chooseSecurityGroup,
  needsSecurityGroupTags,
  type VpcTargetRef,
} from '../domain/security-group-choice.js';
import type { ResolvedTarget as TargetGroups, VpcSecurityGroup } from '../domain/vpc.js';
import type { BatchScope, VpcTargets } from './ports.js';

// Resolving a VPC target: which one security group a rule goes on and which port it opens by default.
// Requests and reconciliation both resolve through this one function, so they choose alike.

/** The ports a resolution reads through. */
export type VpcTargetPorts = Pick<VpcTargets, 'describeCluster' | 'getWorkgroup' | 'describeGroups'>;

/** What a VPC target resolved to: the one security group a rule goes on and the target's port. */
export interface ResolvedTarget {
  readonly securityGroupId: string;
  /** The cluster's endpoint port, the workgroup's port, or {@link DEFAULT_SECURITY_GROUP_PORT}. */
  readonly port: number;
}

/** The port of a bare security group target: Redshift's default port. */
export const DEFAULT_SECURITY_GROUP_PORT = 5439;

/** A scope that shares nothing, for a caller outside a batch. */
const unscoped: BatchScope = { once: (_key, resolve) => resolve() };

/**
 * Resolves a VPC target to one security group and its default port: a cluster or workgroup is read at
 * most once per batch (through `scope`), the groups' tags only when the choice needs them, and a bare
 * security group resolves to itself without a read.
 *
 * @throws RejectedError when the target does not exist or no single group qualifies
 * @throws TransientError when the target could not be read
 */
export async function resolveVpcTarget(
  target: VpcTarget,
  ports: VpcTargetPorts,
  scope: BatchScope = unscoped,
): Promise<ResolvedTarget> {
  if (!('clusterIdentifier' in target) && !('workgroupName' in target)) {
    return { securityGroupId: target.securityGroupId, port: DEFAULT_SECURITY_GROUP_PORT };
  }
  const ref: VpcTargetRef =
    'clusterIdentifier' in target
      ? { kind: 'cluster', name: target.clusterIdentifier }
      : { kind: 'workgroup', name: target.workgroupName };
  const groups: TargetGroups = await scope.once(`vpc-target:${ref.kind}:${ref.name}`, () =>
    ref.kind === 'cluster' ? ports.describeCluster(ref.name) : ports.getWorkgroup(ref.name),
  );
  const question = {
    target: ref,
    securityGroupIds: groups.securityGroupIds,
    ...(target.securityGroupId !== undefined && { securityGroupId: target.securityGroupId }),
  };
  let tagged: readonly VpcSecurityGroup[] | undefined;
  if (needsSecurityGroupTags(question)) {
    const ids = [...new Set(groups.securityGroupIds)];
    // Keyed by the set of groups, so a cluster and a workgroup sharing their groups describe them once.
    tagged = await scope.once(`vpc-groups:${[...ids].sort().join(',')}`, () => ports.describeGroups(ids));
  }
  return { securityGroupId: chooseSecurityGroup(question, tagged), port: groups.port };
}
