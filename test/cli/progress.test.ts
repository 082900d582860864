import { describe, expect, it } from 'vitest';
import { createProgress } from '../../cli/io/progress.js';

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
