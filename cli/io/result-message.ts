import { describeIssues } from '../../src/domain/messages.js';
import type { AnyOutcome } from '../../src/domain/outcome.js';
import { outcomeSchema } from '../../src/domain/outcome-schema.js';
import { outcomeV2Schema } from '../../src/domain/outcome-v2-schema.js';
import {
  type ReconciliationReport,
  reconciliationReportSchema,
} from '../../src/domain/reconciliation-report-schema.js';
import { formatProblems } from '../../src/domain/request.js';

export type { AnyOutcome };

/** What a results-queue message holds: an outcome, a reconciliation report, or something else. */
export type ResultMessage =
  | { readonly kind: 'outcome'; readonly outcome: AnyOutcome }
  | { readonly kind: 'report'; readonly report: ReconciliationReport }
  | { readonly kind: 'unknown'; readonly reason: string };

/** Reads a results-queue body against the published outcome (v1 and v2) and report schemas; never throws. */
export function readResultBody(body: string): ResultMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { kind: 'unknown', reason: 'the body is not JSON' };
  }
  const type = typeof json === 'object' && json !== null ? (json as { type?: unknown }).type : undefined;
  if (type === 'reconciliation-report') {
    const report = reconciliationReportSchema.safeParse(json);
    return report.success
      ? { kind: 'report', report: report.data }
      : {
          kind: 'unknown',
          reason: `a reconciliation report that does not match its schema: ${formatProblems(describeIssues(report.error.issues))}`,
        };
  }
  // An outcome says its contract version; one of another version is checked as version 1 and named so.
  const version =
    typeof json === 'object' && json !== null ? (json as { version?: unknown }).version : undefined;
  const outcome = version === 2 ? outcomeV2Schema.safeParse(json) : outcomeSchema.safeParse(json);
  return outcome.success
    ? { kind: 'outcome', outcome: outcome.data }
    : { kind: 'unknown', reason: `not an outcome: ${formatProblems(describeIssues(outcome.error.issues))}` };
}
