// Built at run time: the counts of a report. The report's schema is in reconciliation-report-schema.ts,
// which no handler imports.
import type { GroupReport, ReconciliationReport } from './reconciliation-report-schema.js';

export type { GroupReport, ReconciliationReport } from './reconciliation-report-schema.js';

/** Sums the per-group lists of a report. */
export function countReport(groups: readonly GroupReport[]): ReconciliationReport['counts'] {
  const sum = (pick: (group: GroupReport) => readonly unknown[]) =>
    groups.reduce((total, g) => total + pick(g).length, 0);
  return {
    groups: groups.length,
    missing: sum((g) => g.missing),
    extra: sum((g) => g.extra),
    enqueued: sum((g) => g.enqueued),
    pruned: sum((g) => g.pruned),
    errors: sum((g) => g.errors),
  };
}
