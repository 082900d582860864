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

  it('bounds the median by the order statistics of its 95% rank interval', () => {
    // Prepare: 41 samples, shuffled; the rank interval of 41 is the 14th to the 28th.
    const samples = Array.from({ length: 41 }, (_, index) => ((index * 17) % 41) + 1);

    // Act
    const result = medianInterval(samples);

    // Assess
    expect(result).toEqual({ median: 21, low: 14, high: 28 });
  });

  it('widens to the whole range when there are too few samples to say more', () => {
    // Act and Assess
    expect(medianInterval([3, 1, 2])).toEqual({ median: 2, low: 1, high: 3 });
    expect(medianInterval([7])).toEqual({ median: 7, low: 7, high: 7 });
  });

  it('rotates the order of subjects round by round', () => {
    // Act and Assess
    expect(rotate(['a', 'b', 'c'], 0)).toEqual(['a', 'b', 'c']);
    expect(rotate(['a', 'b', 'c'], 4)).toEqual(['b', 'c', 'a']);
  });
});
