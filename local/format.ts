import type { AnyOutcome, Outcome } from '../src/domain/outcome.js';
import type { OutcomeRuleV2 } from '../src/domain/outcome-v2.js';
import type { ReconciliationReport } from '../src/domain/reconciliation-report.js';
import { describeTarget } from '../src/domain/request.js';
import { describeVpcSource, type VpcSource } from '../src/domain/vpc.js';

const MARKS: Record<Outcome['status'], string> = {
  authorized: '+',
  'already-authorized': '=',
  revoked: '-',
  'already-revoked': '=',
  rejected: 'x',
  failed: '!',
};

/** A VPC rule of an outcome v2 as one line: target (and the group it resolved to), port, source. */
function describeVpcRule(rule: OutcomeRuleV2): string {
  const target =
    rule.clusterIdentifier !== undefined
      ? `cluster ${rule.clusterIdentifier}`
      : rule.workgroupName !== undefined
        ? `workgroup ${rule.workgroupName}`
        : undefined;
  const group = rule.securityGroupId;
  const where = target === undefined ? (group ?? '?') : group === undefined ? target : `${target} (${group})`;
  const source = describeVpcSource(rule as unknown as VpcSource);
  return `${where}${rule.port !== undefined ? ` tcp/${rule.port}` : ''} ${source}`;
}

/** One line per outcome of either version, for a person watching the results queue. */
export function formatOutcome(outcome: AnyOutcome): string {
  const { rule } = outcome;
  const target =
    rule === undefined
      ? '(no rule)'
      : rule.clusterSecurityGroupName !== undefined
        ? `${rule.clusterSecurityGroupName} ${describeTarget(rule as NonNullable<Outcome['rule']>)}`
        : describeVpcRule(rule as OutcomeRuleV2);
  const head = `${MARKS[outcome.status]} ${outcome.status.padEnd(18)} ${outcome.requestId.padEnd(24)} ${target}`;
  const attempt = outcome.attempt > 1 ? ` (attempt ${outcome.attempt})` : '';
  return outcome.error
    ? `${head}${attempt}\n    ${outcome.error.code}: ${outcome.error.message}`
    : `${head}${attempt}`;
}

/** A few lines per reconciliation report: per group what is missing, extra and enqueued. */
export function formatReport(report: ReconciliationReport): string {
  const lines = [
    `reconciliation ${report.runId}${report.dryRun ? ' (dry run)' : ''}: ${report.counts.missing} missing, ${report.counts.extra} extra, ${report.counts.enqueued} enqueued, ${report.counts.pruned} pruned, ${report.counts.errors} errors`,
  ];
  for (const group of report.groups) {
    const parts = [
      ...group.missing.map((t) => `+${describeTarget(t)}`),
      ...group.extra.map(
        (t) =>
          `-${describeTarget(t)}${group.pruned.some((p) => describeTarget(p.target) === describeTarget(t)) ? ' (pruning)' : ''}`,
      ),
    ];
    lines.push(`  ${group.clusterSecurityGroupName}: ${parts.length > 0 ? parts.join(' ') : 'in sync'}`);
    for (const error of group.errors) lines.push(`    ! ${error}`);
  }
  return lines.join('\n');
}
