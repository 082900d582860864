import { describe, expect, it } from 'vitest';
import { spliceReport } from '../../bench/report.js';
import { median, medianInterval, rotate } from '../../bench/stats.js';

describe('spliceReport', () => {
  it('replaces only what is between the markers, keeping the hand-written text', () => {
    // Prepare
    const first = spliceReport('# Benchmarks\n\nIntro.\n', 'table one');
    const withChoices = `${first}\n## Choices\n\nKept.\n`;

    // Act
    const second = spliceReport(withChoices, 'table two');

    // Assess
    expect(second).toContain('Intro.');
    expect(second).toContain('## Choices\n\nKept.');
    expect(second).toContain('table two');
    expect(second).not.toContain('table one');
    expect(second.indexOf('Intro.')).toBeLessThan(second.indexOf('table two'));
    expect(second.indexOf('table two')).toBeLessThan(second.indexOf('## Choices'));
  });

  it('starts a document that does not exist yet', () => {
    // Act
    const document = spliceReport(undefined, 'table');

    // Assess
    expect(document.startsWith('# Benchmarks\n')).toBe(true);
    expect(document).toContain('table');
  });
});

describe('median, medianInterval and rotate', () => {
  it('takes the middle sample, or the mean of the middle two', () => {
    // Act and Assess
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow('median: needs at least one sample');
  });

  it.each([
    [41, 14, 28],
    [40, 14, 27],
    [9, 2, 8],
  ])('bounds the median of %i samples by the order statistics of its 95%% rank interval', (n, low, high) => {
    // Prepare: the samples 1..n, shuffled, so each sample is its own rank.
    const samples = Array.from({ length: n }, (_, index) => ((index * 7) % n) + 1);

    // Act
    const result = medianInterval(samples);

    // Assess
    expect(new Set(samples).size).toBe(n);
    expect(result).toEqual({ median: median(samples), interval: { low, high } });
  });

  it('gives no interval under 6 samples: even their whole range would cover the median less often', () => {
    // Act and Assess
    expect(medianInterval([5, 1, 4, 2, 3])).toEqual({ median: 3 });
    expect(medianInterval([7])).toEqual({ median: 7 });
  });

  it('rotates the order of subjects round by round', () => {
    // Act and Assess
    expect(rotate(['a', 'b', 'c'], 0)).toEqual(['a', 'b', 'c']);
    expect(rotate(['a', 'b', 'c'], 4)).toEqual(['b', 'c', 'a']);
  });
});
