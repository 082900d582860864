import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;

let directory: string | undefined;

afterEach(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
  directory = undefined;
});

describe('npm run bench -- --quick', () => {
  // Benchmarks assert nothing about time: this only checks that every section runs and is reported.
  it('runs every section and writes the report between the markers', { timeout: 180_000 }, async () => {
    // Prepare
    directory = await mkdtemp(join(tmpdir(), 'bench-quick-'));
    const out = join(directory, 'benchmarks.md');

    // Act
    const { stdout } = await run('npm', ['run', '--silent', 'bench', '--', '--quick', '--out', out], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '' },
      maxBuffer: 16 * 1024 * 1024,
    });
    const written = await readFile(out, 'utf8');

    // Assess
    for (const heading of [
      '### 1. Cold start',
      '### 2. Batch throughput and API economy',
      '### 3. Per-message CPU',
      '### 4. Memory',
    ]) {
      expect(stdout).toContain(heading);
      expect(written).toContain(heading);
    }
    expect(written).toMatch(/^\| authorize \| [\d,]+ KiB \| [\d.]+x \|/m);
    expect(written).toMatch(/^\| reconcile \| [\d,]+ KiB \| [\d.]+x \|/m);
    // Both paths of the authorize function: its cold start above, and what its first VPC request adds.
    expect(written).toMatch(
      /^\| _floor \+ the VPC chunk \(EC2, Redshift Serverless clients: the first VPC request\)_ \| [\d,]+ KiB \| [\d.]+x \|/m,
    );
    expect(written).toMatch(/^\| ours, CONCURRENCY=10 \(default\) \| [\d.]+x \| 1\.00 \| 0\.10 \|/m);
    expect(written).toMatch(/^\| baseline \(Powertools BatchProcessor\) \| 1\.00x \|/m);
    expect(written).toContain('<!-- bench:begin');
    expect(written).toContain('<!-- bench:end -->');
  });
});
