import { formatProblems, type IngressRequest } from './request.js';

/** The guardrails every request passes before any API call. */
export interface Policy {
  /** Group names or `*` patterns the service may change; empty allows nothing. */
  readonly allowedGroups: readonly string[];
  /** Shortest IPv4 prefix an authorize may open (0 allows 0.0.0.0/0). */
  readonly minCidrPrefix: number;
  /** Accounts whose EC2 security groups may be targets; undefined allows any. */
  readonly allowedEc2OwnerIds?: readonly string[];
  /** Whether authorize needs `approval.ticket` and `approval.approvedBy`. */
  readonly requireApproval: boolean;
}

/** A refusal by policy: the rule that refused (a configuration variable) and why. */
export interface PolicyRefusal {
  readonly rule: 'ALLOWED_GROUPS' | 'MIN_CIDR_PREFIX' | 'ALLOWED_EC2_OWNER_IDS' | 'REQUIRE_APPROVAL';
  readonly message: string;
}

/** Compiles `*` patterns once: `analytics-*` matches `analytics-prod`; names compare case-insensitively as Redshift's do. */
export function compileGroupPatterns(patterns: readonly string[]): (name: string) => boolean {
  const regexes = patterns.map(
    (pattern) => new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`, 'i'),
  );
  return (name) => regexes.some((regex) => regex.test(name));
}

/** Makes the policy check for a configuration; the returned function is pure. */
export function makePolicyCheck(policy: Policy): (request: IngressRequest) => PolicyRefusal | undefined {
  const isAllowedGroup = compileGroupPatterns(policy.allowedGroups);
  const allowedOwners = policy.allowedEc2OwnerIds ? new Set(policy.allowedEc2OwnerIds) : undefined;
  return (request) => {
    const { rule } = request;
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
    if (policy.requireApproval && request.action === 'authorize') {
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
      if (problems.length > 0) {
        return { rule: 'REQUIRE_APPROVAL', message: `${formatProblems(problems)} (REQUIRE_APPROVAL is on)` };
      }
    }
    return undefined;
  };
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
