import { describe, expect, it } from 'vitest';
import {
  calculateRetryDelaySeconds,
  MAX_BATCHING_WINDOW_SECONDS,
  secondsSinceReceiveAtMost,
} from '../../src/domain/retry.js';

const options = { baseSeconds: 30, maxSeconds: 900 };

describe('calculateRetryDelaySeconds', () => {
  it('doubles per attempt between half and all of the exponential delay', () => {
    expect(calculateRetryDelaySeconds(1, options, 0)).toBe(15);
    expect(calculateRetryDelaySeconds(1, options, 0.999_999)).toBe(30);
    expect(calculateRetryDelaySeconds(2, options, 0)).toBe(30);
    expect(calculateRetryDelaySeconds(3, options, 0.5)).toBe(90);
    expect(calculateRetryDelaySeconds(4, options, 0)).toBe(120);
  });

  it('caps at RETRY_MAX_SECONDS, even for huge attempt counts', () => {
    expect(calculateRetryDelaySeconds(6, options, 0.999_999)).toBe(900);
    expect(calculateRetryDelaySeconds(1000, options, 0)).toBe(450);
  });

  it('never exceeds the SQS visibility limit of 12 hours', () => {
    expect(calculateRetryDelaySeconds(40, { baseSeconds: 43_200, maxSeconds: 43_200 }, 0.999_999)).toBe(
      43_200,
    );
  });

  it('refuses an attempt below 1 and randomness outside [0, 1)', () => {
    expect(() => calculateRetryDelaySeconds(0, options, 0)).toThrow('attempt must be an integer >= 1, got 0');
    expect(() => calculateRetryDelaySeconds(1, options, 1)).toThrow('random must be in [0, 1), got 1');
  });
});

describe('calculateRetryDelaySeconds within the 12 hours from the receive', () => {
  it('cuts the delay so the total visibility stays within 12 hours of the receive', () => {
    const long = { baseSeconds: 43_200, maxSeconds: 43_200 };
    expect(calculateRetryDelaySeconds(3, long, 0.999_999, 300)).toBe(42_900);
    expect(calculateRetryDelaySeconds(1, options, 0.5, 43_190.5)).toBe(9);
    expect(calculateRetryDelaySeconds(1, options, 0.5, 50_000)).toBe(0);
    expect(calculateRetryDelaySeconds(1, options, 0.5, 300)).toBe(23);
  });

  it('refuses a negative time since the receive', () => {
    expect(() => calculateRetryDelaySeconds(1, options, 0, -1)).toThrow(
      'secondsSinceReceive must be >= 0, got -1',
    );
  });
});

describe('secondsSinceReceiveAtMost', () => {
  it('adds the longest batching window to the time since the invocation began', () => {
    const start = new Date('2026-11-27T05:00:00.000Z');
    expect(secondsSinceReceiveAtMost(start, new Date('2026-11-27T05:00:12.500Z'))).toBe(312.5);
    expect(secondsSinceReceiveAtMost(start, start)).toBe(MAX_BATCHING_WINDOW_SECONDS);
  });
});
