import type { Outcome } from '../../src/domain/outcome.js';
import { describeTarget } from '../../src/domain/request.js';

/** The group, target and detail (error, attempt) of an outcome, as table cells. */
export function outcomeCells(outcome: Outcome): { group: string; target: string; detail: string } {
  const attempt = outcome.attempt > 1 ? `attempt ${outcome.attempt}` : '';
  const error = outcome.error ? `${outcome.error.code}: ${outcome.error.message}` : '';
  return {
    group: outcome.rule?.clusterSecurityGroupName ?? '',
    target: outcome.rule ? describeTarget(outcome.rule) : '',
    detail: [error, attempt].filter((part) => part !== '').join('; '),
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
