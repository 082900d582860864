import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CliIo } from '../context.js';
import { UsageError } from '../errors.js';

/**
 * Reads a file given on the command line, or stdin for `-`.
 *
 * @returns the text and the name to use in messages (`stdin` for `-`)
 * @throws UsageError when the file cannot be read
 */
export async function readInput(file: string, io: CliIo): Promise<{ text: string; source: string }> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    return { text: Buffer.concat(chunks).toString('utf8'), source: 'stdin' };
  }
  try {
    return { text: await readFile(resolve(io.cwd, file), 'utf8'), source: file };
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new UsageError(`${file}: cannot be read (${reason})`, { cause: error });
  }
}
