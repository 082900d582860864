import { fnv1a64 } from './hash.js';

/**
 * The target fields a request may name, in any contract version: cluster security group (v1), or a
 * provisioned cluster, a Serverless workgroup or an EC2 security group (v2).
 */
export interface MessageGroupTarget {
  readonly clusterSecurityGroupName?: string;
  readonly clusterIdentifier?: string;
  readonly workgroupName?: string;
  readonly securityGroupId?: string;
}

/** SQS's longest MessageGroupId. */
const MAX_GROUP_ID_LENGTH = 128;

/** The group of a request that names no target; only an invalid request has none. */
export const UNTARGETED_MESSAGE_GROUP = 'no-target';

/**
 * The FIFO MessageGroupId of a request: its target as AWS identifies it, so every request that changes
 * one target is delivered in send order, one at a time, and requests on other targets run in parallel.
 *
 * Redshift and EC2 identify these names and ids case-insensitively and store them in lower case, so
 * `Analytics-Prod` and `analytics-prod` are one group. A cluster security group is its bare name (the
 * group producers of request v1 already use); the other kinds carry their kind, so a cluster and a
 * workgroup of the same name stay apart. A name longer than SQS's 128 characters keeps its head and a
 * hash of the whole: still one id per target.
 */
export function requestMessageGroupId(target: MessageGroupTarget): string {
  const id = targetId(target);
  if (id.length <= MAX_GROUP_ID_LENGTH) return id;
  const hash = fnv1a64(id);
  return `${id.slice(0, MAX_GROUP_ID_LENGTH - hash.length - 1)}-${hash}`;
}

function targetId(target: MessageGroupTarget): string {
  if (target.clusterSecurityGroupName !== undefined) return target.clusterSecurityGroupName.toLowerCase();
  if (target.clusterIdentifier !== undefined) return `cluster:${target.clusterIdentifier.toLowerCase()}`;
  if (target.workgroupName !== undefined) return `workgroup:${target.workgroupName.toLowerCase()}`;
  if (target.securityGroupId !== undefined) return `security-group:${target.securityGroupId.toLowerCase()}`;
  return UNTARGETED_MESSAGE_GROUP;
}
