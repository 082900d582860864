import type {
  AnyReconciliationReport,
  ReconciliationReport,
  VpcTargetReport,
} from '../../src/domain/reconciliation-report.js';
import { describeTarget } from '../../src/domain/request.js';
import { describeVpcSource, type VpcSource } from '../../src/domain/vpc.js';
import { plural } from './plural.js';

/**
 * Shows a reconciliation report to a person: per group, each rule to add (`+`), to remove (`-`) or
 * reported but kept (`~`), each note (`!`), then the totals.
 */
export function formatPlan(report: AnyReconciliationReport, source: string, drift: boolean): string {
  if (report.version === 2) return formatPlanV2(report, source, drift);
  return formatPlanV1(report, source, drift);
}

function formatPlanV1(report: ReconciliationReport, source: string, drift: boolean): string {
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

type Row = [mark: string, what: string, note: string];

/** The rows of one VPC target: its missing sources, then its extra rules, each with what became of it. */
function vpcRows(target: VpcTargetReport, dryRun: boolean): Row[] {
  const same = (a: VpcSource) => (b: VpcSource) => describeVpcSource(a) === describeVpcSource(b);
  const rows: Row[] = [];
  for (const missing of target.missing) {
    const shown = describeVpcSource(missing);
    const enqueued = target.enqueued.find((item) => same(item.source)(missing));
    const refused = target.refused.find((item) => item.action === 'authorize' && same(item.source)(missing));
    if (enqueued)
      rows.push([
        '+',
        shown,
        `missing: ${dryRun ? 'would be authorized' : 'authorize enqueued'} (${enqueued.requestId})`,
      ]);
    else if (refused) rows.push(['+', shown, `missing: refused (!): ${refused.reason}`]);
    else if (target.overLimit.some(same(missing)))
      rows.push(['+', shown, 'missing: not enqueued, over the rule limit (!)']);
    else rows.push(['+', shown, 'missing: not enqueued (!)']);
  }
  for (const extra of target.extra) {
    const ports = extra.fromPort === extra.toPort ? `${extra.fromPort}` : `${extra.fromPort}-${extra.toPort}`;
    const shown = `${describeVpcSource(extra.source)} ${extra.protocol === '-1' ? 'all' : `${extra.protocol}/${ports}`} ${extra.securityGroupRuleId}`;
    const pruned = target.pruned.find((item) => item.securityGroupRuleId === extra.securityGroupRuleId);
    if (pruned) {
      const done = pruned.status === undefined ? 'would be revoked' : pruned.status;
      rows.push(['-', shown, `extra, managed: ${done}`]);
    } else if (!extra.managed) rows.push(['~', shown, 'extra, unmanaged: kept (never pruned)']);
    else
      rows.push([
        '~',
        shown,
        target.prune ? 'extra, managed: kept (!)' : 'extra, managed: kept (prune is off)',
      ]);
  }
  return rows;
}

function formatPlanV2(
  report: Extract<AnyReconciliationReport, { version: 2 }>,
  source: string,
  drift: boolean,
): string {
  const header = report.dryRun
    ? `Plan for ${source} (dry run: nothing is enqueued or revoked)`
    : `Reconciled ${source}: requests enqueued, managed extras pruned`;
  // The cluster security groups read as in version 1, without their totals.
  const v1 =
    report.groups.length > 0
      ? formatPlanV1({ ...report, version: 1, counts: { ...report.counts } }, source, drift)
          .split('\n')
          .slice(2, -2)
      : [];
  const blocks = report.targets.map((target) => {
    const resolved =
      target.securityGroupId === undefined
        ? 'not resolved'
        : `${target.securityGroupId}, port ${target.port}`;
    const inSync =
      target.missing.length === 0 && target.extra.length === 0 && target.securityGroupId !== undefined;
    const state = inSync ? 'in sync' : `prune: ${target.prune ? 'on' : 'off'}`;
    return {
      title: `${target.section}.${target.name} -> ${resolved} (${state})`,
      rows: vpcRows(target, report.dryRun),
      errors: target.errors,
    };
  });
  const width = Math.max(0, ...blocks.flatMap((block) => block.rows.map(([, what]) => what.length)));
  const lines = [header, '', ...v1];
  for (const block of blocks) {
    lines.push(block.title);
    for (const [mark, what, note] of block.rows) lines.push(`  ${mark} ${what.padEnd(width)}  ${note}`);
    for (const error of block.errors) lines.push(`  ! ${error}`);
  }
  const { counts } = report;
  const done = report.dryRun ? 'would be' : '';
  const changes = `${plural(counts.enqueued, 'authorize request')} ${done ? 'would be enqueued' : 'enqueued'}, ${plural(counts.pruned, 'managed rule')} ${done ? 'would be pruned' : 'pruned'}`;
  const left = [
    counts.unmanaged > 0 ? `${plural(counts.unmanaged, 'unmanaged rule')} kept` : '',
    counts.refused > 0 ? `${counts.refused} refused` : '',
    counts.overLimit > 0 ? `${counts.overLimit} over the rule limit` : '',
    counts.errors > 0 ? plural(counts.errors, 'note') : '',
  ].filter((part) => part !== '');
  const scope = `${plural(counts.targets, 'VPC target')}${counts.groups > 0 ? ` and ${plural(counts.groups, 'group')}` : ''}`;
  lines.push('');
  lines.push(
    drift
      ? `Drift: ${counts.missing} missing and ${counts.extra} extra rules in ${scope}; ${changes}${left.length > 0 ? `; ${left.join(', ')} (!)` : ''}.`
      : `No drift: ${scope} as desired.`,
  );
  return lines.join('\n');
}
