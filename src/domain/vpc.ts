// The data the VPC request path speaks: what a rule on an EC2 VPC security group allows, as the
// service asks for it and as EC2 lists it. Pure types, so the use case can declare its ports with them.
import type { SuccessStatus } from './outcome.js';

/** The tag key that marks a security group, or a rule, as managed by this service. */
export const MANAGED_TAG = 'redshift-ingress:managed';
/** The value of {@link MANAGED_TAG} that means managed. */
export const MANAGED_TAG_VALUE = 'true';
/** The tag key of a rule that records the request that created it. */
export const REQUEST_ID_TAG = 'redshift-ingress:request-id';

/** Where an inbound rule lets traffic come from: exactly one source, named as in request v2. */
export type VpcSource =
  | { readonly cidrIp: string }
  | { readonly cidrIpv6: string }
  | { readonly sourceSecurityGroupId: string; readonly sourceSecurityGroupOwnerId?: string }
  | { readonly prefixListId: string };

/** One inbound permission on one VPC security group: TCP on one port from one source. */
export interface VpcPermission {
  readonly securityGroupId: string;
  readonly port: number;
  readonly source: VpcSource;
}

/** What applying a {@link VpcPermission} did, with the rule's id where EC2 returned one. */
export interface VpcApplyResult {
  readonly status: SuccessStatus;
  readonly securityGroupRuleId?: string;
}

/** An inbound rule of a VPC security group as EC2 lists it. */
export interface VpcRule {
  readonly securityGroupRuleId: string;
  readonly securityGroupId: string;
  /** `tcp`, `udp`, `icmp`, `-1` (all) or a protocol number, as EC2 spells it. */
  readonly protocol: string;
  /** First port of the range; -1 where the protocol has no ports. */
  readonly fromPort: number;
  /** Last port of the range; -1 where the protocol has no ports. */
  readonly toPort: number;
  readonly source: VpcSource;
  readonly description?: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** A VPC security group with its tags. */
export interface VpcSecurityGroup {
  readonly securityGroupId: string;
  readonly vpcId?: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** What a cluster or workgroup was resolved to: its VPC security groups and its endpoint's port. */
export interface ResolvedTarget {
  readonly securityGroupIds: readonly string[];
  readonly port: number;
}

/** Whether a rule or group carries the managed tag. */
export function isManaged(tags: Readonly<Record<string, string>>): boolean {
  return tags[MANAGED_TAG] === MANAGED_TAG_VALUE;
}

/** The source as one line, e.g. `203.0.113.0/24`, `sg-0123abcd (111122223333)` or `pl-0a1b2c3d`. */
export function describeVpcSource(source: VpcSource): string {
  if ('cidrIp' in source) return source.cidrIp;
  if ('cidrIpv6' in source) return source.cidrIpv6;
  if ('prefixListId' in source) return source.prefixListId;
  return source.sourceSecurityGroupOwnerId === undefined
    ? source.sourceSecurityGroupId
    : `${source.sourceSecurityGroupId} (${source.sourceSecurityGroupOwnerId})`;
}
