import { describe, expect, it } from 'vitest';
import type { ColdStartRow } from '../../bench/cold-start.js';
import { renderColdStart, spliceReport } from '../../bench/report.js';
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

describe('renderColdStart', () => {
  const row = (
    name: string,
    kind: ColdStartRow['kind'],
    ratio: number,
    extra: Partial<ColdStartRow> = {},
  ) => ({
    name,
    kind,
    bytes: 1024 * 100 * ratio,
    importedBytes: 1024 * 70 * ratio,
    importRatio: { median: ratio, interval: { low: ratio - 0.02, high: ratio + 0.02 } },
    importCpuRatio: { median: ratio },
    ...extra,
  });

  it('gives each import ratio with its interval, and says when the target lies inside it', () => {
    // Prepare: one handler clear of the target, one missing it, one whose interval reaches it.
    const floor = row('floor', 'floor', 1);
    const rows = [
      floor,
      row('floor, one file', 'reference', 1.25),
      row('clear', 'handler', 1.1, {
        importVsReference: { median: 0.88, interval: { low: 0.86, high: 0.9 } },
      }),
      row('over', 'handler', 1.35),
      row('edge', 'handler', 1.28),
      row('undone', 'alternative', 1.3, {
        importVsDeployed: { median: 1.07, interval: { low: 1.05, high: 1.11 } },
      }),
    ];

    // Act
    const text = renderColdStart({ runs: 81, split: true, rows, floor });

    // Assess
    expect(text).toContain('81 rounds in which every bundle');
    expect(text).toContain('| clear | 110 KiB | 1.10x | 77 KiB | 1.10x (1.08-1.12) | 1.10x |');
    expect(text).toContain(
      "- clear: loaded at import 1.10x the floor's, import 1.10x (1.08-1.12) (target <= 1.3x, met); 0.88x (0.86-0.90) the one-file floor's import\n",
    );
    expect(text).toContain('| floor, one file | 125 KiB | 1.25x | 88 KiB | 1.25x (1.23-1.27) | 1.25x |');
    expect(text).toContain('The row after it is the same floor built as one file');
    expect(text.indexOf('| floor | ')).toBeLessThan(text.indexOf('| floor, one file | '));
    expect(text.indexOf('| floor, one file | ')).toBeLessThan(text.indexOf('| clear | '));
    expect(text).toContain('import 1.35x (1.33-1.37) (target <= 1.3x, **missed**)');
    expect(text).toContain('import 1.28x (1.26-1.30) (target <= 1.3x, met, within the noise)');
    expect(text).toContain("- undone: import 1.07x (1.05-1.11) the deployed authorize's, round by round");
  });
  it('says nothing of chunks or a one-file floor when the bundles are not split', () => {
    // Prepare
    const floor = row('floor', 'floor', 1);

    // Act
    const text = renderColdStart({ runs: 1, split: false, rows: [floor, row('one', 'handler', 1.1)], floor });

    // Assess
    expect(text).toContain('| one | 110 KiB | 1.10x | 77 KiB |');
    expect(text).not.toContain('A bundle is split');
    expect(text).not.toContain('one file');
    expect(text).not.toContain("the one-file floor's import");
  });
});
