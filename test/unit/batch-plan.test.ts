import { describe, expect, it } from 'vitest';
import { type PlanItem, planBatch } from '../../src/domain/batch-plan.js';

const authorize = (group: string, target: string, messageGroupId?: string): PlanItem => ({
  group,
  call: { action: 'authorize', target },
  ...(messageGroupId !== undefined && { messageGroupId }),
});
const revoke = (group: string, target: string): PlanItem => ({ group, call: { action: 'revoke', target } });

describe('planBatch', () => {
  it('puts records of one group in one partition in arrival order, other groups apart', () => {
    // Act
    const plan = planBatch([
      authorize('a', 'x'),
      authorize('b', 'x'),
      authorize('a', 'y'),
      authorize('c', 'z'),
      authorize('A', 'w'),
    ]);

    // Assess
    expect(plan.partitions).toEqual([[0, 2, 4], [1], [3]]);
  });

  it('coalesces identical requests into one call', () => {
    // Act
    const plan = planBatch([
      authorize('a', 'x'),
      authorize('a', 'y'),
      authorize('a', 'x'),
      authorize('b', 'x'),
    ]);

    // Assess
    expect(plan.callOf).toEqual([0, 1, 0, 2]);
    expect(plan.callCount).toBe(3);
  });

  it('does not coalesce across another action on the same target', () => {
    // Act
    const plan = planBatch([
      authorize('a', 'x'),
      revoke('a', 'x'),
      authorize('a', 'x'),
      authorize('a', 'x'),
      revoke('a', 'y'),
    ]);

    // Assess
    expect(plan.callOf).toEqual([0, 1, 2, 2, 3]);
  });

  it('does not coalesce across a revoke that names the group in another case', () => {
    // Act
    const plan = planBatch([
      authorize('Analytics-Prod', 'x'),
      revoke('analytics-prod', 'x'),
      authorize('Analytics-Prod', 'x'),
    ]);

    // Assess
    expect(plan.callOf).toEqual([0, 1, 2]);
    expect(plan.partitions).toEqual([[0, 1, 2]]);
  });

  it('gives records without a call no call and a partition of their own', () => {
    // Act
    const plan = planBatch([{}, authorize('a', 'x'), {}]);

    // Assess
    expect(plan.callOf).toEqual([undefined, 0, undefined]);
    expect(plan.partitions).toEqual([[0], [1], [2]]);
  });

  it('joins partitions that share a FIFO message group, transitively', () => {
    // Act
    const plan = planBatch([
      authorize('a', 'x', 'g1'),
      authorize('b', 'x', 'g2'),
      authorize('c', 'x', 'g1'),
      { messageGroupId: 'g2' },
      authorize('a', 'y', 'g3'),
      authorize('d', 'y', 'g4'),
    ]);

    // Assess
    expect(plan.partitions).toEqual([[0, 2, 4], [1, 3], [5]]);
  });
});
