import { describe, expect, it } from 'vitest';
import { createProgress, createWaitProgress } from '../../cli/io/progress.js';

function sink(isTTY: boolean): { isTTY: boolean; write(text: string): void; text: string } {
  return {
    isTTY,
    text: '',
    write(text) {
      this.text += text;
    },
  };
}

describe('createProgress', () => {
  it('draws a bar on a terminal and clears it when done', () => {
    // Prepare
    const terminal = sink(true);
    const progress = createProgress(terminal, 200, 'requests sent');

    // Act
    progress.update(200);
    progress.finish();

    // Assess
    expect(terminal.text).toMatch(/^\r\[#{30}\] 200\/200 requests sent\r +\r$/);
  });

  it('writes nothing to a pipe, nor for work too small to wait for', () => {
    // Prepare
    const pipe = sink(false);
    const terminal = sink(true);

    // Act
    const piped = createProgress(pipe, 1000, 'requests sent');
    piped.update(500);
    piped.finish();
    const small = createProgress(terminal, 50, 'requests sent');
    small.update(50);
    small.finish();

    // Assess
    expect(pipe.text).toBe('');
    expect(terminal.text).toBe('');
  });
});

describe('createWaitProgress', () => {
  it('draws at once on a terminal, for a single request, with received, elapsed and left; redraws on update', () => {
    // Prepare
    const terminal = sink(true);
    let now = 1_000;

    // Act
    const progress = createWaitProgress(terminal, 1, 60_000, () => now);
    now += 12_400;
    progress.update(1);
    progress.finish();

    // Assess
    expect(terminal.text).toBe(
      [
        '\rwaiting for 1 outcome: 0 in, 0s elapsed, 60s left',
        '\rwaiting for 1 outcome: 1 in, 12s elapsed, 48s left',
        // Cleared as wide as the widest line drawn.
        `\r${' '.repeat('waiting for 1 outcome: 1 in, 12s elapsed, 48s left'.length)}\r`,
      ].join(''),
    );
  });

  it('writes nothing to a pipe', () => {
    // Prepare
    const pipe = sink(false);

    // Act
    const progress = createWaitProgress(pipe, 3, 60_000);
    progress.update(2);
    progress.finish();

    // Assess
    expect(pipe.text).toBe('');
  });
});
