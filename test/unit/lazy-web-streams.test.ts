import { spawnSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { describe, expect, it } from 'vitest';
import { ReadableStream } from '../../src/shared/lazy-web-streams.js';

async function read(stream: NodeReadableStream<string>): Promise<string[]> {
  const chunks: string[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe('the node:stream/web stand-in', () => {
  it('answers instanceof as ReadableStream does', () => {
    // Prepare
    const web = new NodeReadableStream();

    // Act
    const verdicts = [web, Readable.from([]), {}, null, 'stream'].map(
      (value) => value instanceof ReadableStream,
    );

    // Assess
    expect(verdicts).toEqual([true, false, false, false, false]);
  });

  it('constructs and converts real ReadableStreams', async () => {
    // Prepare
    const source = { start: (controller: ReadableStreamDefaultController<string>) => controller.close() };

    // Act
    const constructed = new ReadableStream(source) as unknown;
    const converted = ReadableStream.from(['a', 'b']);

    // Assess
    expect(constructed).toBeInstanceOf(NodeReadableStream);
    expect(converted).toBeInstanceOf(NodeReadableStream);
    expect(await read(converted as NodeReadableStream<string>)).toEqual(['a', 'b']);
  });

  it('loads no web streams until used', () => {
    // Prepare: a fresh Node, as a cold start; the stand-in is plain JavaScript once its types are erased.
    const url = new URL('../../src/shared/lazy-web-streams.ts', import.meta.url).href;
    const script = `const loaded = () => process.moduleLoadList.includes('NativeModule internal/webstreams/readablestream');
      const { ReadableStream } = await import(${JSON.stringify(url)});
      const atImport = loaded();
      new ReadableStream() instanceof ReadableStream;
      process.stdout.write(JSON.stringify({ atImport, onUse: loaded() }));`;

    // Act
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
    });

    // Assess
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ atImport: false, onUse: true });
  });
});
