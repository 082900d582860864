import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { outcomeV2Schema } from '../../src/domain/outcome-v2-schema.js';
import { formatProblems } from '../../src/domain/request.js';
import { parseAnyRequest } from '../../src/domain/request-v2.js';

// The examples of version 2 (docs/examples/), against the service's code and the published JSON Schema
// files, as examples-contracts.test.ts checks those of version 1.

const root = join(import.meta.dirname, '..', '..');
const examples = join(root, 'docs', 'examples');
const read = (...path: string[]): string => readFileSync(join(...path), 'utf8');
const addFormats = (addFormatsModule as unknown as { default: (ajv: Ajv2020) => Ajv2020 }).default;
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
addFormats(ajv);
const published = (file: string): ValidateFunction => ajv.compile(JSON.parse(read(root, 'schemas', file)));
const publishedRequest = published('ingress-request.v2.schema.json');
const publishedOutcome = published('ingress-outcome.v2.schema.json');

const requests = readdirSync(join(examples, 'requests'));
const outcomes = readdirSync(join(examples, 'outcomes'));

describe('examples of version 2', () => {
  it('are requests and outcomes of version 2 only, a few of each', () => {
    expect(readdirSync(examples).sort()).toEqual(['README.md', 'outcomes', 'requests']);
    expect([...requests, ...outcomes].filter((file) => !file.endsWith('.v2.json'))).toEqual([]);
    expect(requests.length).toBeGreaterThanOrEqual(5);
    expect(outcomes.length).toBeGreaterThanOrEqual(2);
  });

  it.each(requests.filter((file) => !file.startsWith('invalid-')))('request %s is valid for both', (file) => {
    // Act
    const text = read(examples, 'requests', file);
    const parsed = parseAnyRequest(text, 'example');

    // Assess
    expect(parsed.ok ? [] : formatProblems(parsed.problems)).toEqual([]);
    expect(parsed.ok && parsed.request.version).toBe(2);
    expect(publishedRequest(JSON.parse(text)), JSON.stringify(publishedRequest.errors)).toBe(true);
  });

  it.each(requests.filter((file) => file.startsWith('invalid-')))(
    'request %s is rejected by the service, naming the field',
    (file) => {
      const parsed = parseAnyRequest(read(examples, 'requests', file), 'example');
      expect(parsed.ok ? '' : formatProblems(parsed.problems)).toMatch(/^\w+: /);
    },
  );

  it.each(outcomes)('outcome %s is valid for both', (file) => {
    // Act
    const outcome = JSON.parse(read(examples, 'outcomes', file)) as unknown;

    // Assess
    expect(outcomeV2Schema.safeParse(outcome).error?.issues ?? []).toEqual([]);
    expect(publishedOutcome(outcome), JSON.stringify(publishedOutcome.errors)).toBe(true);
  });
});
