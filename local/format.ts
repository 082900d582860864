import type { Outcome } from '../src/domain/outcome.js';
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

/** One line per outcome, for a person watching the results queue. */
export function formatOutcome(outcome: Outcome): string {
  const target = outcome.rule
    ? `${outcome.rule.clusterSecurityGroupName} ${describeTarget(outcome.rule)}`
    : '(no rule)';
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
