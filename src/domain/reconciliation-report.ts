// Built at run time: the counts of a report. The report's schema is in reconciliation-report-schema.ts,
// which no handler imports.
import type {
  GroupReport,
  ReconciliationReport,
  ReconciliationReportV2,
  VpcTargetReport,
} from './reconciliation-report-schema.js';

export type {
  GroupReport,
  ReconciliationReport,
  ReconciliationReportV2,
  VpcTargetReport,
} from './reconciliation-report-schema.js';

/** A reconciliation report of either version. */
export type AnyReconciliationReport = ReconciliationReport | ReconciliationReportV2;

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

/** Sums the per-group and per-target lists of a report v2. */
export function countReportV2(
  groups: readonly GroupReport[],
  targets: readonly VpcTargetReport[],
): ReconciliationReportV2['counts'] {
  const v1 = countReport(groups);
  const sum = (pick: (target: VpcTargetReport) => readonly unknown[]) =>
    targets.reduce((total, t) => total + pick(t).length, 0);
  return {
    groups: v1.groups,
    targets: targets.length,
    missing: v1.missing + sum((t) => t.missing),
    extra: v1.extra + sum((t) => t.extra),
    unmanaged: sum((t) => t.extra.filter((rule) => !rule.managed)),
    enqueued: v1.enqueued + sum((t) => t.enqueued),
    pruned: v1.pruned + sum((t) => t.pruned),
    refused: sum((t) => t.refused),
    overLimit: sum((t) => t.overLimit),
    errors: v1.errors + sum((t) => t.errors),
  };
}

/**
 * Whether the VPC targets of a report differ from the desired state: a target that could not be resolved
 * or read, or one with a missing or an extra rule.
 */
export function hasVpcDrift(targets: readonly VpcTargetReport[]): boolean {
  return targets.some(
    (target) =>
      target.securityGroupId === undefined ||
      target.missing.length > 0 ||
      target.extra.length > 0 ||
      target.errors.length > 0,
  );
}
