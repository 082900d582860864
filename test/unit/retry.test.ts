import { describe, expect, it } from 'vitest';
import { calculateRetryDelaySeconds } from '../../src/domain/retry.js';

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
