import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { outcomeSchema } from '../../src/domain/outcome-schema.js';
import { outcomeV2Schema } from '../../src/domain/outcome-v2-schema.js';
import { renderPublishedSchemas } from '../../src/domain/published-schemas.js';
import { formatProblems } from '../../src/domain/request.js';
import { parseAnyRequest } from '../../src/domain/request-v2.js';

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
  // Files of version 2 say so in their name; the parser reads either version and says which it read.
  const versionOf = (file: string): 1 | 2 => (file.endsWith('.v2.json') ? 2 : 1);

  it.each(requests.filter((file) => !file.startsWith('invalid-')))('request %s is valid', (file) => {
    const result = parseAnyRequest(read('examples', 'requests', file), 'example');
    expect(result.ok ? [] : formatProblems(result.problems)).toEqual([]);
    expect(result.ok && result.request.version).toBe(versionOf(file));
  });

  it.each(requests.filter((file) => file.startsWith('invalid-')))(
    'request %s is rejected with a reason',
    (file) => {
      const result = parseAnyRequest(read('examples', 'requests', file), 'example');
      expect(result.ok).toBe(false);
    },
  );

  it.each(readdirSync(join(root, 'examples', 'outcomes')))(
    'outcome %s matches the outcome schema of its version',
    (file) => {
      const schema = versionOf(file) === 2 ? outcomeV2Schema : outcomeSchema;
      expect(() => schema.parse(JSON.parse(read('examples', 'outcomes', file)))).not.toThrow();
    },
  );
});
