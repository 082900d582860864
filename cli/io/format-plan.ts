import type { ReconciliationReport } from '../../src/domain/reconciliation-report.js';
import { describeTarget } from '../../src/domain/request.js';
import { plural } from './plural.js';

/**
 * Shows a reconciliation report to a person: per group, each rule to add (`+`), to remove (`-`) or
 * reported but kept (`~`), each note (`!`), then the totals.
 */
export function formatPlan(report: ReconciliationReport, source: string, drift: boolean): string {
  const header = report.dryRun
    ? `Plan for ${source} (dry run: nothing is enqueued)`
    : `Reconciled ${source}: requests enqueued`;
  const authorize = report.dryRun ? 'would be authorized' : 'authorize enqueued';
  const revoke = report.dryRun ? 'would be revoked' : 'revoke enqueued';
  const blocks = report.groups.map((group) => {
    const inSync = group.exists && group.missing.length === 0 && group.extra.length === 0;
    const state = !group.exists
      ? 'does not exist'
      : inSync
        ? 'in sync'
        : `prune: ${group.prune ? 'on' : 'off'}`;
    const rows: [string, string, string][] = [];
    for (const target of group.missing) {
      const entry = group.enqueued.find((item) => describeTarget(item.target) === describeTarget(target));
      rows.push([
        '+',
        describeTarget(target),
        entry ? `missing: ${authorize} (${entry.requestId})` : 'missing: not enqueued (!)',
      ]);
    }
    for (const target of group.extra) {
      const entry = group.pruned.find((item) => describeTarget(item.target) === describeTarget(target));
      if (entry) rows.push(['-', describeTarget(target), `extra: ${revoke} (${entry.requestId})`]);
      else
        rows.push([
          '~',
          describeTarget(target),
          group.prune ? 'extra: kept (!)' : 'extra: kept (prune is off)',
        ]);
    }
    return { title: `${group.clusterSecurityGroupName} (${state})`, rows, errors: group.errors };
  });
  const width = Math.max(0, ...blocks.flatMap((block) => block.rows.map(([, target]) => target.length)));
  const lines = [header, ''];
  for (const block of blocks) {
    lines.push(block.title);
    for (const [mark, target, note] of block.rows) lines.push(`  ${mark} ${target.padEnd(width)}  ${note}`);
    for (const error of block.errors) lines.push(`  ! ${error}`);
  }
  const { counts } = report;
  const requests = `${plural(counts.enqueued, 'authorize request')} and ${plural(counts.pruned, 'revoke request')} ${report.dryRun ? 'would be enqueued' : 'enqueued'}`;
  const notes = counts.errors > 0 ? `; ${plural(counts.errors, 'difference')} left as they are (!)` : '';
  lines.push('');
  lines.push(
    drift
      ? `Drift: ${counts.missing} missing and ${counts.extra} extra rules in ${plural(counts.groups, 'group')}; ${requests}${notes}.`
      : `No drift: ${plural(counts.groups, 'group')} as desired.`,
  );
  return lines.join('\n');
}
