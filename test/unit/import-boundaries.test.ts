import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The layers' rule (docs: STYLE.md): src/app declares the ports it needs and src/domain is pure, so
// neither may import an adapter, not even a type; src/domain imports no AWS SDK, aws-lambda or middy.
// The imports are read as TypeScript reads them (every `import`, `import type`, `export ... from`,
// `import()` and `import("...").Type`), not with a pattern that comments or strings could fool.

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const adapters = join(root, 'src', 'adapters');

/** Every module a source file imports or re-exports, as written. */
function importsOf(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((file) => file.fileName);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => /\.(ts|mts|cts)$/.test(name))
    .map((name) => join(dir, name));
}

/** Whether a specifier of `file` resolves into src/adapters. */
function reachesAdapters(file: string, specifier: string): boolean {
  if (!specifier.startsWith('.')) return false;
  const target = relative(adapters, resolve(dirname(file), specifier));
  return target === '' || !target.startsWith('..');
}

/** Whether a bare specifier is the AWS SDK, the Lambda types or middy. */
function isPlatform(specifier: string): boolean {
  return /^(@aws-sdk\/|aws-lambda$|aws-lambda\/|@middy\/)/.test(specifier);
}

/** Each offending import of the files: `path: specifier`. */
function violations(dir: string, offends: (file: string, specifier: string) => boolean): string[] {
  return sourceFiles(dir).flatMap((file) =>
    importsOf(readFileSync(file, 'utf8'))
      .filter((specifier) => offends(file, specifier))
      .map((specifier) => `${relative(root, file)}: ${specifier}`),
  );
}

describe('import boundaries', () => {
  it('reads every form of import, and neither comments nor strings', () => {
    // Prepare
    const file = join(root, 'src', 'app', 'example.ts');
    const source = [
      "import type { A } from '../adapters/a.js';",
      'import { type B } from "../adapters/b.js";',
      "export type { C } from '../adapters/c.js';",
      "export * from '../adapters/d.js';",
      "import '../adapters/e.js';",
      "const f = await import('../adapters/f.js');",
      "type G = import('../adapters/g.js').G;",
      "import { h } from '../domain/h.js';",
      "// import { i } from '../adapters/i.js';",
      'const j = "import { j } from \'../adapters/j.js\'";',
    ].join('\n');

    // Act
    const offending = importsOf(source).filter((specifier) => reachesAdapters(file, specifier));

    // Assess
    expect(offending).toEqual([
      '../adapters/a.js',
      '../adapters/b.js',
      '../adapters/c.js',
      '../adapters/d.js',
      '../adapters/e.js',
      '../adapters/f.js',
      '../adapters/g.js',
    ]);
    expect(reachesAdapters(file, '../adapters')).toBe(true);
    expect(reachesAdapters(file, '../adapters-old/x.js')).toBe(false);
    expect(['@aws-sdk/client-sqs', 'aws-lambda', '@middy/core', 'zod/mini'].map(isPlatform)).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });

  it('finds the files it checks', () => {
    expect(sourceFiles(join(root, 'src', 'app'))).toContain(join(root, 'src', 'app', 'ports.ts'));
    expect(sourceFiles(join(root, 'src', 'domain')).length).toBeGreaterThan(5);
  });

  it.each(['app', 'domain'])('src/%s imports nothing from src/adapters, not even a type', (layer) => {
    expect(violations(join(root, 'src', layer), reachesAdapters)).toEqual([]);
  });

  it('src/domain imports no AWS SDK, aws-lambda or middy', () => {
    expect(violations(join(root, 'src', 'domain'), (_file, specifier) => isPlatform(specifier))).toEqual([]);
  });
});
