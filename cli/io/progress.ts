import type { TextSink } from '../context.js';

/** Reports progress of a long operation. */
export interface Progress {
  /** Sets how much is done. */
  update(done: number): void;
  /** Clears the bar, leaving the terminal as it was. */
  finish(): void;
}

const WIDTH = 30;
/** Redrawing more often than this only costs time on a fast queue. */
const MIN_REDRAW_MS = 100;

/**
 * A progress bar on stderr, drawn only when stderr is a terminal and the work is large enough to
 * wait for: scripts and pipes never see control characters.
 */
export function createProgress(sink: TextSink, total: number, label: string, minimum = 100): Progress {
  if (!sink.isTTY || total < minimum) return { update() {}, finish() {} };
  let lastDraw = 0;
  const draw = (done: number): void => {
    const filled = Math.round((done / total) * WIDTH);
    sink.write(`\r[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${done}/${total} ${label}`);
  };
  return {
    update(done) {
      const now = Date.now();
      if (now - lastDraw < MIN_REDRAW_MS && done < total) return;
      lastDraw = now;
      draw(done);
    },
    finish() {
      sink.write(`\r${' '.repeat(WIDTH + 4 + String(total).length * 2 + label.length + 2)}\r`);
    },
  };
}
