import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { describe } from 'vitest';

// moto (getmoto/moto) is a widely used AWS emulator that this project did not write: tests that run
// against it as well as against the embedded emulator check our reading of AWS's behaviour with a
// second, independent implementation. It is installed on the project's machines and CI.

/** How to install moto, printed where it is missing. */
export const MOTO_INSTALL_HINT = "pip install 'moto[server]'";

/** Whether `python3 -m moto.server` can run on this machine (checked once per test file). */
export const motoAvailable: boolean =
  spawnSync('python3', ['-c', 'import moto.server'], { stdio: 'ignore' }).status === 0;

/** A moto server on a free loopback port. */
export interface MotoServer {
  /** The endpoint, `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Forgets every resource moto holds, so each test starts from nothing. */
  reset(): Promise<void>;
  /** Stops the server. */
  close(): Promise<void>;
}

/**
 * Declares a suite that runs against moto: skipped with a line saying how to install moto where it is
 * missing, and failing instead under `CI=true`, where a missing moto is a broken machine, not a choice.
 */
export function describeWithMoto(name: string, suite: () => void): void {
  if (!motoAvailable && process.env.CI !== 'true') {
    console.warn(`${name}: skipped, moto is not installed (${MOTO_INSTALL_HINT})`);
  }
  describe.skipIf(!motoAvailable && process.env.CI !== 'true')(name, suite);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilUp(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto exited with ${child.exitCode}: ${output()}`);
    try {
      const response = await fetch(`${url}/moto-api/`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`moto did not answer on ${url} within 20 s: ${output()}`);
}

/** Starts `python3 -m moto.server` on 127.0.0.1 and a free port; fails naming the install command if moto is missing. */
export async function startMoto(): Promise<MotoServer> {
  if (!motoAvailable) throw new Error(`moto is not installed: ${MOTO_INSTALL_HINT}`);
  const port = await freePort();
  const child = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilUp(url, child, () => stderr);
  } catch (error) {
    child.kill();
    throw error;
  }
  return {
    url,
    reset: async () => {
      const response = await fetch(`${url}/moto-api/reset`, { method: 'POST' });
      if (!response.ok) throw new Error(`moto reset answered ${response.status}`);
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}
