import { formatProblems, type IngressRequest, type IngressRule } from './request.js';
import type { IngressRequestV2, VpcIngressRule } from './request-v2.js';

/** The guardrails every request passes before any API call. */
export interface Policy {
  /** Cluster security group names or `*` patterns the service may change; empty allows nothing. */
  readonly allowedGroups: readonly string[];
  /** Cluster identifiers or `*` patterns whose VPC security groups the service may change; absent or empty allows none. */
  readonly allowedClusters?: readonly string[];
  /** Serverless workgroup names or `*` patterns whose VPC security groups the service may change; absent or empty allows none. */
  readonly allowedWorkgroups?: readonly string[];
  /** VPC security group ids or `*` patterns the service may change when a request names one directly; absent or empty allows none. */
  readonly allowedSecurityGroupIds?: readonly string[];
  /** Shortest IPv4 prefix an authorize may open (0 allows 0.0.0.0/0). */
  readonly minCidrPrefix: number;
  /** Shortest IPv6 prefix an authorize may open (0 allows ::/0); default {@link DEFAULT_MIN_CIDR_PREFIX_V6}. */
  readonly minCidrPrefixV6?: number;
  /** Accounts whose EC2 security groups may be sources (v1's owner, v2's sourceSecurityGroupOwnerId); undefined allows any. */
  readonly allowedEc2OwnerIds?: readonly string[];
  /** Managed prefix lists an authorize may open to; undefined allows any. */
  readonly allowedPrefixListIds?: readonly string[];
  /** Whether authorize needs `approval.ticket` and `approval.approvedBy`. */
  readonly requireApproval: boolean;
}

/** The shortest IPv6 prefix an authorize may open unless MIN_CIDR_PREFIX_V6 says otherwise. */
export const DEFAULT_MIN_CIDR_PREFIX_V6 = 48;

/** A refusal by policy: the rule that refused (a configuration variable) and why. */
export interface PolicyRefusal {
  readonly rule:
    | 'ALLOWED_GROUPS'
    | 'ALLOWED_CLUSTERS'
    | 'ALLOWED_WORKGROUPS'
    | 'ALLOWED_SECURITY_GROUP_IDS'
    | 'MIN_CIDR_PREFIX'
    | 'MIN_CIDR_PREFIX_V6'
    | 'ALLOWED_EC2_OWNER_IDS'
    | 'ALLOWED_PREFIX_LIST_IDS'
    | 'REQUIRE_APPROVAL';
  readonly message: string;
}

/** The rule and request a policy check reads: a request of either version, or a desired-state entry. */
export interface PolicyQuestion {
  readonly action: IngressRequest['action'];
  readonly rule: IngressRule | VpcIngressRule;
  readonly approval?: IngressRequest['approval'];
}

/** Compiles `*` patterns once: `analytics-*` matches `analytics-prod`; names compare case-insensitively as Redshift's do. */
export function compileGroupPatterns(patterns: readonly string[]): (name: string) => boolean {
  const regexes = patterns.map(
    (pattern) => new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`, 'i'),
  );
  return (name) => regexes.some((regex) => regex.test(name));
}

/**
 * Makes the policy check for a configuration; the returned function is pure. Target allowlists hold
 * every action; rules that only limit what may be opened (prefix lengths, owner and prefix-list
 * allowlists) hold authorize only, since a revoke only narrows access.
 */
export function makePolicyCheck(
  policy: Policy,
): (request: IngressRequest | IngressRequestV2 | PolicyQuestion) => PolicyRefusal | undefined {
  const isAllowedGroup = compileGroupPatterns(policy.allowedGroups);
  const allowedOwners = policy.allowedEc2OwnerIds ? new Set(policy.allowedEc2OwnerIds) : undefined;
  const checkVpc = makeVpcRuleCheck(policy, allowedOwners);
  return (request) => {
    const { rule } = request;
    if ('target' in rule) return checkVpc(rule, request.action) ?? checkApproval(policy, request);
    if (!isAllowedGroup(rule.clusterSecurityGroupName)) {
      return {
        rule: 'ALLOWED_GROUPS',
        message: `clusterSecurityGroupName: "${rule.clusterSecurityGroupName}" is not in ALLOWED_GROUPS (${policy.allowedGroups.join(', ') || 'empty: nothing is allowed'})`,
      };
    }
    if ('cidrIp' in rule) {
      const prefix = Number(rule.cidrIp.split('/')[1]);
      // Revoking a broad range narrows access, so only authorize is held to the minimum.
      if (request.action === 'authorize' && prefix < policy.minCidrPrefix) {
        return {
          rule: 'MIN_CIDR_PREFIX',
          message: `cidrIp: ${rule.cidrIp} is broader than MIN_CIDR_PREFIX /${policy.minCidrPrefix}`,
        };
      }
    } else if (
      request.action === 'authorize' &&
      allowedOwners &&
      !allowedOwners.has(rule.ec2SecurityGroupOwnerId)
    ) {
      // Like the prefix, the owner allowlist limits what may be opened: removing a grant to an account
      // outside it only narrows access (the drift a prune removes), so a revoke is never held to it.
      return {
        rule: 'ALLOWED_EC2_OWNER_IDS',
        message: `ec2SecurityGroupOwnerId: account ${rule.ec2SecurityGroupOwnerId} is not in ALLOWED_EC2_OWNER_IDS`,
      };
    }
    return checkApproval(policy, request);
  };
}

function listed(patterns: readonly string[] | undefined): string {
  return patterns !== undefined && patterns.length > 0 ? patterns.join(', ') : 'empty: nothing is allowed';
}

/** The checks of a rule on a VPC target: its target's allowlist, then what its source may open. */
function makeVpcRuleCheck(
  policy: Policy,
  allowedOwners: ReadonlySet<string> | undefined,
): (rule: VpcIngressRule, action: IngressRequest['action']) => PolicyRefusal | undefined {
  const isAllowedCluster = compileGroupPatterns(policy.allowedClusters ?? []);
  const isAllowedWorkgroup = compileGroupPatterns(policy.allowedWorkgroups ?? []);
  const isAllowedSecurityGroup = compileGroupPatterns(policy.allowedSecurityGroupIds ?? []);
  const allowedPrefixLists = policy.allowedPrefixListIds ? new Set(policy.allowedPrefixListIds) : undefined;
  const minV6 = policy.minCidrPrefixV6 ?? DEFAULT_MIN_CIDR_PREFIX_V6;
  return (rule, action) => {
    const { target, source } = rule;
    // Allowing a cluster or workgroup allows the groups it is guarded by (the pick must be one of them).
    if ('clusterIdentifier' in target) {
      if (!isAllowedCluster(target.clusterIdentifier)) {
        return {
          rule: 'ALLOWED_CLUSTERS',
          message: `clusterIdentifier: "${target.clusterIdentifier}" is not in ALLOWED_CLUSTERS (${listed(policy.allowedClusters)})`,
        };
      }
    } else if ('workgroupName' in target) {
      if (!isAllowedWorkgroup(target.workgroupName)) {
        return {
          rule: 'ALLOWED_WORKGROUPS',
          message: `workgroupName: "${target.workgroupName}" is not in ALLOWED_WORKGROUPS (${listed(policy.allowedWorkgroups)})`,
        };
      }
    } else if (!isAllowedSecurityGroup(target.securityGroupId)) {
      return {
        rule: 'ALLOWED_SECURITY_GROUP_IDS',
        message: `securityGroupId: "${target.securityGroupId}" is not in ALLOWED_SECURITY_GROUP_IDS (${listed(policy.allowedSecurityGroupIds)})`,
      };
    }
    if (action !== 'authorize') return undefined;
    if ('cidrIp' in source) {
      const prefix = Number(source.cidrIp.split('/')[1]);
      if (prefix < policy.minCidrPrefix) {
        return {
          rule: 'MIN_CIDR_PREFIX',
          message: `cidrIp: ${source.cidrIp} is broader than MIN_CIDR_PREFIX /${policy.minCidrPrefix}`,
        };
      }
    } else if ('cidrIpv6' in source) {
      const prefix = Number(source.cidrIpv6.split('/')[1]);
      if (prefix < minV6) {
        return {
          rule: 'MIN_CIDR_PREFIX_V6',
          message: `cidrIpv6: ${source.cidrIpv6} is broader than MIN_CIDR_PREFIX_V6 /${minV6}`,
        };
      }
    } else if ('prefixListId' in source) {
      if (allowedPrefixLists && !allowedPrefixLists.has(source.prefixListId)) {
        return {
          rule: 'ALLOWED_PREFIX_LIST_IDS',
          message: `prefixListId: ${source.prefixListId} is not in ALLOWED_PREFIX_LIST_IDS`,
        };
      }
    } else if (
      allowedOwners &&
      source.sourceSecurityGroupOwnerId !== undefined &&
      !allowedOwners.has(source.sourceSecurityGroupOwnerId)
    ) {
      // Without an owner the source group is in the deployment's own account, which is always allowed.
      return {
        rule: 'ALLOWED_EC2_OWNER_IDS',
        message: `sourceSecurityGroupOwnerId: account ${source.sourceSecurityGroupOwnerId} is not in ALLOWED_EC2_OWNER_IDS`,
      };
    }
    return undefined;
  };
}

function checkApproval(policy: Policy, request: PolicyQuestion): PolicyRefusal | undefined {
  if (!policy.requireApproval || request.action !== 'authorize') return undefined;
  const problems = [];
  for (const field of ['ticket', 'approvedBy'] as const) {
    const value = request.approval?.[field];
    if (value === undefined) problems.push({ field: `approval.${field}`, reason: 'is required' });
    else if (!hasVisibleCharacter(value)) {
      problems.push({
        field: `approval.${field}`,
        reason: 'must contain a visible character (not only spaces, zero-width or control characters)',
      });
    }
  }
  if (problems.length === 0) return undefined;
  return { rule: 'REQUIRE_APPROVAL', message: `${formatProblems(problems)} (REQUIRE_APPROVAL is on)` };
}

// A character that shows: not white space, a control or format character (zero-width space, joiners, BOM),
// a default-ignorable one (Hangul fillers, variation selectors), a surrogate or unassigned, nor the blank
// Braille pattern U+2800, which renders as a space.
const VISIBLE_CHARACTER =
  /[^\p{White_Space}\p{Cc}\p{Cf}\p{Cs}\p{Cn}\p{Default_Ignorable_Code_Point}\p{M}\u2800]/u;

/** Whether a text contains at least one character that shows, so a blank approval cannot pass for one. */
export function hasVisibleCharacter(text: string): boolean {
  return VISIBLE_CHARACTER.test(text);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
