import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { outcomeSchema } from '../../src/domain/outcome-schema.js';
import { renderPublishedSchemas } from '../../src/domain/published-schemas.js';
import { formatProblems, parseRequest } from '../../src/domain/request.js';

const root = join(import.meta.dirname, '..', '..');
const read = (...path: string[]) => readFileSync(join(root, ...path), 'utf8');

describe('published JSON Schemas', () => {
  it('are the ones generated from the validating schemas (run `npm run schemas` when this fails)', () => {
    // Prepare
    const expected = renderPublishedSchemas();

    // Act
    const published = Object.fromEntries(
      readdirSync(join(root, 'schemas')).map((file) => [file, read('schemas', file)]),
    );

    // Assess
    expect(published).toEqual(expected);
  });
});

describe('examples', () => {
  const requests = readdirSync(join(root, 'examples', 'requests')).filter((file) => file.endsWith('.json'));

  it.each(requests.filter((file) => !file.startsWith('invalid-')))('request %s is valid', (file) => {
    const result = parseRequest(read('examples', 'requests', file), 'example');
    expect(result.ok ? [] : formatProblems(result.problems)).toEqual([]);
  });

  it.each(requests.filter((file) => file.startsWith('invalid-')))(
    'request %s is rejected with a reason',
    (file) => {
      const result = parseRequest(read('examples', 'requests', file), 'example');
      expect(result.ok).toBe(false);
    },
  );

  it.each(readdirSync(join(root, 'examples', 'outcomes')))(
    'outcome %s matches the outcome schema',
    (file) => {
      expect(() => outcomeSchema.parse(JSON.parse(read('examples', 'outcomes', file)))).not.toThrow();
    },
  );
});
