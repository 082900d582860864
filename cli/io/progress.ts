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

/** How often the wait line is redrawn while nothing arrives, so the clock visibly moves. */
const TICK_MS = 1000;

/**
 * The wait line on stderr, drawn at once and every second while a terminal waits for outcomes, for
 * any number of requests: `waiting for 3 outcomes: 1 in, 12s elapsed, 48s left`. Scripts and pipes
 * never see it.
 *
 * @param now the clock, for tests
 */
export function createWaitProgress(
  sink: TextSink,
  total: number,
  timeoutMs: number,
  now: () => number = Date.now,
): Progress {
  if (!sink.isTTY) return { update() {}, finish() {} };
  const started = now();
  let received = 0;
  let width = 0;
  const draw = (): void => {
    const elapsed = now() - started;
    const left = Math.max(0, timeoutMs - elapsed);
    const line = `waiting for ${total} ${total === 1 ? 'outcome' : 'outcomes'}: ${received} in, ${Math.floor(elapsed / 1000)}s elapsed, ${Math.ceil(left / 1000)}s left`;
    sink.write(`\r${line.padEnd(width)}`);
    width = Math.max(width, line.length);
  };
  draw();
  const timer = setInterval(draw, TICK_MS);
  timer.unref();
  return {
    update(done) {
      received = done;
      draw();
    },
    finish() {
      clearInterval(timer);
      sink.write(`\r${' '.repeat(width)}\r`);
    },
  };
}
