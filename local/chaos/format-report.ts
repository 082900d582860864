import type { ChaosReport } from './run-chaos.js';

/** Violations printed per check; the count of the rest follows. */
const SHOWN_PER_CHECK = 10;

const percent = (part: number, whole: number): string =>
  whole === 0 ? '0%' : `${((100 * part) / whole).toFixed(2)}%`;

/** The report of a chaos run as lines for a person: settings, figures, faults, then each violation. */
export function formatChaosReport(report: ChaosReport): string {
  const { counts, settings } = report;
  const { faults, shares } = settings;
  const lines = [
    `chaos run: ${settings.requests} requests, seed ${report.seed}, ${report.mode} queues, ${settings.waves} waves, ${settings.groups} groups`,
    `  settings: MAX_RECEIVE_COUNT=${settings.maxReceiveCount}, visibility ${settings.visibilityTimeoutSeconds} s, RETRY_BASE_SECONDS=${settings.retryBaseSeconds}, RETRY_MAX_SECONDS=${settings.retryMaxSeconds}`,
    `  workload: ${counts.byKind.valid} valid, ${counts.byKind['over-quota']} over-quota, ${counts.byKind.invalid} invalid, ${counts.byKind.refused} refused; ${counts.duplicateSends} duplicate sends (share ${shares.duplicate}), revoke share ${shares.revoke}`,
    `  faults set: Redshift errors ${faults.redshiftErrorRate}, answers lost ${faults.redshiftLostAnswerRate}, latency ${faults.redshiftLatencyMs}+${faults.redshiftJitterMs} ms; SendMessageBatch errors ${faults.sendBatchErrorRate}, Failed[] entries ${faults.sendBatchEntryFailureRate}; ChangeMessageVisibilityBatch errors ${faults.visibilityErrorRate}; dropped batches ${faults.dropRate}${faults.outage ? '; one wave with Redshift down' : ''}`,
    `  faults injected: ${report.injected.Throttling} throttling, ${report.injected.InternalError500} 500, ${report.injected.ServiceUnavailable503} 503, ${report.injected.DropConnection} dropped connections, ${report.injected.EntryFailure} Failed[] entries; ${counts.cutShortDeliveries} deliveries cut short (dropped or timed out)`,
    `  sent ${counts.sent} messages (${counts.requests} distinct requests); ${report.invocations} invocations, ${counts.deliveries} deliveries, ${report.pollerErrors} poller errors`,
    `  outcomes: ${counts.outcomes} (${Object.entries(counts.byStatus)
      .map(([status, count]) => `${status} ${count}`)
      .join(', ')})`,
    `  duplicate outcomes: ${counts.duplicateOutcomes} (${percent(counts.duplicateOutcomes, counts.outcomes)} of outcomes) on ${counts.messagesWithDuplicateOutcomes} messages, each from a separate delivery`,
    `  acknowledged ${counts.acknowledged}, lost ${counts.lost}; DLQ ${counts.deadLettered} (${counts.deadLetteredCutShort} whose last delivery was cut short)`,
    `  final rules: ${counts.targetsChecked} targets checked, ${counts.targetsUndetermined} left either way by a failed request`,
    ...(report.ordering ? [orderingLine(report)] : []),
    `  elapsed ${(report.elapsedMs / 1000).toFixed(1)} s`,
  ];
  if (report.ok) {
    lines.push('  result: OK, no guarantee broken');
    return lines.join('\n');
  }
  lines.push(`  result: ${report.violations.length} VIOLATIONS (replay with --seed ${report.seed})`);
  const byCheck = new Map<string, string[]>();
  for (const violation of report.violations) {
    const list = byCheck.get(violation.check) ?? [];
    list.push(violation.detail);
    byCheck.set(violation.check, list);
  }
  for (const [check, details] of byCheck) {
    lines.push(`  [${check}] ${details.length}`);
    for (const detail of details.slice(0, SHOWN_PER_CHECK)) lines.push(`    - ${detail}`);
    if (details.length > SHOWN_PER_CHECK) lines.push(`    ... and ${details.length - SHOWN_PER_CHECK} more`);
  }
  return lines.join('\n');
}

/** The ordering probe in one line: the order the handler ran the two requests in, and the final rule. */
function orderingLine(report: ChaosReport): string {
  const ordering = report.ordering as NonNullable<ChaosReport['ordering']>;
  const order = ordering.revokeRanFirst
    ? 'the revoke ran before the authorize was delivered again'
    : 'the revoke ran after the authorize was delivered again';
  const verdict = ordering.lastRequestWins
    ? 'the rule is gone: the last request won'
    : `the rule remains: the last request did not win${report.mode === 'standard' ? ' (a standard queue does not order; see docs/chaos.md)' : ''}`;
  return `  ordering probe (authorize's batch lost after its outcome, then its revoke): ${order}; ${verdict}`;
}
