import type { AnyOutcome } from '../../src/domain/outcome.js';
import { describeTarget } from '../../src/domain/request.js';
import { describeVpcSource, type VpcSource } from '../../src/domain/vpc.js';

/**
 * The fields of a rule as requests and outcomes of either contract version name them: the target, the
 * source and, for a VPC target, the security group and port (asked for in a request, resolved in an
 * outcome v2).
 */
export interface RuleFields {
  readonly clusterSecurityGroupName?: string;
  readonly clusterIdentifier?: string;
  readonly workgroupName?: string;
  readonly securityGroupId?: string;
  readonly cidrIp?: string;
  readonly cidrIpv6?: string;
  readonly sourceSecurityGroupId?: string;
  readonly sourceSecurityGroupOwnerId?: string;
  readonly prefixListId?: string;
  readonly ec2SecurityGroupName?: string;
  readonly ec2SecurityGroupOwnerId?: string;
  readonly port?: number;
}

/** A rule as table cells; a cell not known yet (a group or port the service resolves) is empty. */
export interface RuleCells {
  readonly target: string;
  readonly source: string;
  readonly securityGroup: string;
  readonly port: string;
}

/** The column headers of {@link RuleCells}, in the order of {@link ruleRow}. */
export const RULE_HEADERS = ['TARGET', 'SOURCE', 'SECURITY-GROUP', 'PORT'] as const;

/**
 * A rule as table cells. The target is `cluster <id>`, `workgroup <name>`, a security group id, or a
 * cluster security group's bare name (as tables always showed it); the source is the CIDR, the prefix
 * list, or the group with its owner in parentheses.
 */
export function ruleCells(rule: RuleFields | undefined): RuleCells {
  if (rule === undefined) return { target: '', source: '', securityGroup: '', port: '' };
  const target =
    rule.clusterIdentifier !== undefined
      ? `cluster ${rule.clusterIdentifier}`
      : rule.workgroupName !== undefined
        ? `workgroup ${rule.workgroupName}`
        : (rule.clusterSecurityGroupName ?? rule.securityGroupId ?? '');
  return {
    target,
    source: sourceOf(rule),
    // A cluster security group is not a VPC security group, so it has neither.
    securityGroup: rule.clusterSecurityGroupName === undefined ? (rule.securityGroupId ?? '') : '',
    port: rule.port === undefined ? '' : String(rule.port),
  };
}

/** {@link RuleCells} as a table row, in the order of {@link RULE_HEADERS}. */
export function ruleRow(cells: RuleCells): string[] {
  return [cells.target, cells.source, cells.securityGroup, cells.port];
}

/** The source as the domain describes it: `203.0.113.0/24`, `pl-...`, `sg-... (111122223333)`, `bi-tools (111122223333)`. */
function sourceOf(rule: RuleFields): string {
  if (rule.ec2SecurityGroupName !== undefined) {
    return describeTarget({
      ec2SecurityGroupName: rule.ec2SecurityGroupName,
      ec2SecurityGroupOwnerId: rule.ec2SecurityGroupOwnerId ?? '',
    });
  }
  const given = rule.cidrIp ?? rule.cidrIpv6 ?? rule.prefixListId ?? rule.sourceSecurityGroupId;
  // Request bodies and outcome rules carry their one source as its own field, as VpcSource does.
  return given === undefined ? '' : describeVpcSource(rule as VpcSource);
}

/** The rule (target, source, security group, port) and detail (error, attempt, rule id) of an outcome, as table cells. */
export function outcomeCells(outcome: AnyOutcome): RuleCells & { detail: string } {
  const attempt = outcome.attempt > 1 ? `attempt ${outcome.attempt}` : '';
  const error = outcome.error ? `${outcome.error.code}: ${outcome.error.message}` : '';
  const ruleId =
    outcome.rule !== undefined && 'securityGroupRuleId' in outcome.rule && outcome.rule.securityGroupRuleId
      ? `rule ${outcome.rule.securityGroupRuleId}`
      : '';
  return {
    ...ruleCells(outcome.rule),
    detail: [error, ruleId, attempt].filter((part) => part !== '').join('; '),
  };
}

/** Counts outcomes per status, in the order statuses first appear. */
export function countStatuses(statuses: Iterable<string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

/** `2 authorized, 1 rejected` from status counts. */
export function formatCounts(counts: Readonly<Record<string, number>>): string {
  return Object.entries(counts)
    .map(([status, count]) => `${count} ${status}`)
    .join(', ');
}
