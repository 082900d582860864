import { describe, expect, it } from 'vitest';
import { fifoGroupId, fnv1a64 } from '../../src/domain/hash.js';

describe('fnv1a64', () => {
  it('matches the reference vectors', () => {
    expect(fnv1a64('')).toBe('cbf29ce484222325');
    expect(fnv1a64('a')).toBe('af63dc4c8601ec8c');
  });
});

describe('fifoGroupId', () => {
  it('keeps a name that fits SQS, and shortens a longer one to 128 characters, one id per group', () => {
    const long = `g${'x'.repeat(254)}`;
    expect(fifoGroupId('analytics-prod')).toBe('analytics-prod');
    expect(fifoGroupId(long)).toHaveLength(128);
    expect(fifoGroupId(long)).toBe(fifoGroupId(long.toUpperCase()).toLowerCase());
    expect(fifoGroupId(long)).not.toBe(fifoGroupId(`${long.slice(0, -1)}y`));
  });
});

describe('fifoGroupId, as AWS identifies a group', () => {
  it('gives names that differ only in case one message group, since AWS stores them lower-case', () => {
    expect(fifoGroupId('Analytics-Prod')).toBe('analytics-prod');
    expect(fifoGroupId('Analytics-Prod')).toBe(fifoGroupId('analytics-prod'));
    const long = `G${'X'.repeat(254)}`;
    expect(fifoGroupId(long)).toBe(fifoGroupId(long.toLowerCase()));
  });
});
