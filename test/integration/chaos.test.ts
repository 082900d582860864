import { describe, expect, it } from 'vitest';
import { formatChaosReport } from '../../local/chaos/format-report.js';
import { type ChaosOptions, type ChaosReport, runChaos } from '../../local/chaos/run-chaos.js';

/** Short timeouts and no backoff so a few hundred requests settle in seconds; faults as `npm run chaos`. */
const FAST: ChaosOptions = {
  seed: 42,
  visibilityTimeoutSeconds: 1,
  retryBaseSeconds: 0,
  retryMaxSeconds: 0,
  maxReceiveCount: 4,
};

/** Asserts what every run must show: no violation, and every kind of trouble actually exercised. */
function expectGuaranteesUnderFire(report: ChaosReport, sent: number): void {
  const { counts, injected } = report;
  expect(report.violations, formatChaosReport(report)).toEqual([]);
  expect(report.ok).toBe(true);
  expect(counts.sent).toBe(sent);
  expect(counts.lost).toBe(0);
  // Every message has at least one outcome, so there are at least as many outcomes as messages...
  expect(counts.outcomes).toBeGreaterThanOrEqual(counts.sent - counts.deadLetteredCutShort);
  // ...and the extra ones are bounded by the redeliveries: at most one outcome per delivery.
  expect(counts.duplicateOutcomes).toBeLessThanOrEqual(counts.deliveries - counts.sent);
  // The workload and the faults reached every path the guarantees speak of.
  expect(counts.byKind.invalid).toBeGreaterThan(0);
  expect(counts.byKind.refused).toBeGreaterThan(0);
  expect(counts.byKind['over-quota']).toBeGreaterThan(0);
  expect(counts.duplicateSends).toBeGreaterThan(0);
  expect(counts.byStatus.revoked + counts.byStatus['already-revoked']).toBeGreaterThan(0);
  expect(counts.byStatus.failed).toBeGreaterThan(0);
  expect(counts.deadLettered).toBeGreaterThan(0);
  expect(counts.cutShortDeliveries).toBeGreaterThan(0);
  expect(injected.Throttling + injected.InternalError500 + injected.ServiceUnavailable503).toBeGreaterThan(0);
  expect(counts.targetsChecked).toBeGreaterThan(0);
}

describe('chaos over the local stack (real handler, runner and SDK clients; injected faults)', () => {
  it('standard queues, 300 requests in waves: nothing lost, every effect final, DLQ only with failed outcomes', async () => {
    // Act
    const report = await runChaos({ ...FAST, requests: 300, waves: 3 });
    console.log(formatChaosReport(report));

    // Assess
    expectGuaranteesUnderFire(report, 300);
    expect(report.mode).toBe('standard');
    // The ordering scenario: nothing holds the revoke back while the lost authorize is invisible, so it
    // runs first and the redelivered authorize applies the rule again. Not a violation on a standard
    // queue: the docs say it gives no order.
    expect(report.ordering).toMatchObject({
      revokeRanFirst: true,
      ruleRemains: true,
      lastRequestWins: false,
    });
    expect(report.ordering?.outcomes).toEqual([
      { requestId: 'ordering-probe-authorize', status: 'authorized', attempt: 1 },
      { requestId: 'ordering-probe-revoke', status: 'revoked', attempt: 1 },
      { requestId: 'ordering-probe-authorize', status: 'authorized', attempt: 2 },
    ]);
  }, 60_000);

  it('FIFO queues, conflicting requests per target inside a wave: the last in group order wins', async () => {
    // Act
    const report = await runChaos({ ...FAST, requests: 150, waves: 2, fifo: true });
    console.log(formatChaosReport(report));

    // Assess
    expectGuaranteesUnderFire(report, 150);
    expect(report.mode).toBe('fifo');
    // The ordering scenario: the target's message group is blocked while the lost authorize is in
    // flight, so the revoke runs after its redelivery and the last request wins.
    expect(report.ordering).toMatchObject({
      revokeRanFirst: false,
      ruleRemains: false,
      lastRequestWins: true,
    });
    expect(report.ordering?.outcomes).toEqual([
      { requestId: 'ordering-probe-authorize', status: 'authorized', attempt: 1 },
      { requestId: 'ordering-probe-authorize', status: 'already-authorized', attempt: 2 },
      { requestId: 'ordering-probe-revoke', status: 'revoked', attempt: 1 },
    ]);
  }, 60_000);
});
