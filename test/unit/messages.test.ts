import { describe, expect, it } from 'vitest';
import { readResultBody } from '../../cli/io/result-message.js';
import { describeIssues } from '../../src/domain/messages.js';
import { outcomeSchema } from '../../src/domain/outcome-schema.js';
import { reconciliationReportSchema } from '../../src/domain/reconciliation-report-schema.js';

// zod/mini has no message catalogue: these schemas name no errors of their own, so their messages come
// from the fallback in src/domain/messages.ts, never zod's bare "Invalid input".
describe('messages of schemas without their own', () => {
  it('words every kind of outcome problem with its field', () => {
    // Act
    const result = outcomeSchema.safeParse({
      type: 'x',
      version: 2,
      requestId: 1,
      action: 'open',
      status: 'ok',
      rule: { a: 1 },
      attempt: 0,
      processedAt: 'yesterday',
    });

    // Assess
    expect(describeIssues(result.error?.issues ?? [])).toEqual([
      { field: 'type', reason: 'must be "ingress-outcome"' },
      { field: 'version', reason: 'must be 1' },
      { field: 'requestId', reason: 'must be a string, got a number' },
      { field: 'messageId', reason: 'is required' },
      { field: 'action', reason: 'must be one of "authorize", "revoke"' },
      {
        field: 'status',
        reason:
          'must be one of "authorized", "already-authorized", "revoked", "already-revoked", "rejected", "failed"',
      },
      { field: 'rule', reason: 'matches none of the allowed forms' },
      { field: 'attempt', reason: 'must be at least 1' },
      { field: 'processedAt', reason: 'must be an ISO 8601 date-time' },
    ]);
  });

  it('words report problems, nested ones with their path', () => {
    // Act
    const result = reconciliationReportSchema.safeParse({
      type: 'reconciliation-report',
      version: 1,
      runId: 'r',
      dryRun: 'no',
      startedAt: '2026-11-27T05:00:00.000Z',
      finishedAt: '2026-11-27T05:00:01.000Z',
      groups: [],
      counts: { groups: -1, missing: 0, extra: 0, enqueued: 0, pruned: 0, errors: 1.5 },
    });

    // Assess
    expect(describeIssues(result.error?.issues ?? [])).toEqual([
      { field: 'dryRun', reason: 'must be true or false, got a string' },
      { field: 'counts.groups', reason: 'must be at least 0' },
      { field: 'counts.errors', reason: 'must be a whole number, got a number' },
    ]);
  });

  it('tells a results-queue reader why a body is not an outcome', () => {
    expect(readResultBody('{}')).toEqual({
      kind: 'unknown',
      reason: expect.stringMatching(/^not an outcome: type: is required; version: is required; /),
    });
  });
});
