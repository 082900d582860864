import { ruleCells } from '../cli/io/outcome-cells.js';
import type { Outcome } from '../src/domain/outcome.js';
import type { OutcomeV2 } from '../src/domain/outcome-v2.js';
import type { ReconciliationReport } from '../src/domain/reconciliation-report.js';
import { describeTarget } from '../src/domain/request.js';

const MARKS: Record<Outcome['status'], string> = {
  authorized: '+',
  'already-authorized': '=',
  revoked: '-',
  'already-revoked': '=',
  rejected: 'x',
  failed: '!',
};

/**
 * One line per outcome (of either contract version), for a person watching the results queue: the
 * target and source, then for a VPC target the security group and port the service resolved.
 */
export function formatOutcome(outcome: Outcome | OutcomeV2): string {
  const target = outcome.rule ? describeRule(ruleCells(outcome.rule)) : '(no rule)';
  const head = `${MARKS[outcome.status]} ${outcome.status.padEnd(18)} ${outcome.requestId.padEnd(24)} ${target}`;
  const attempt = outcome.attempt > 1 ? ` (attempt ${outcome.attempt})` : '';
  return outcome.error
    ? `${head}${attempt}\n    ${outcome.error.code}: ${outcome.error.message}`
    : `${head}${attempt}`;
}

/** `cluster analytics-prod 203.0.113.0/24 on sg-0a1b2c3d port 5439`; a cluster security group's as before. */
function describeRule(cells: ReturnType<typeof ruleCells>): string {
  const group =
    cells.securityGroup !== '' && cells.securityGroup !== cells.target ? ` on ${cells.securityGroup}` : '';
  const port = cells.port === '' ? '' : ` port ${cells.port}`;
  return `${cells.target} ${cells.source}${group}${port}`;
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
