import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseDesiredState } from '../../src/domain/desired-state-yaml.js';
import { outcomeSchema } from '../../src/domain/outcome-schema.js';
import { outcomeV2Schema } from '../../src/domain/outcome-v2-schema.js';
import { countReport } from '../../src/domain/reconciliation-report.js';
import { reconciliationReportSchema } from '../../src/domain/reconciliation-report-schema.js';
import { formatProblems } from '../../src/domain/request.js';
import { parseAnyRequest } from '../../src/domain/request-v2.js';

const root = join(import.meta.dirname, '..', '..');
const examples = join(root, 'examples');
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

function listFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? listFiles(join(directory, entry.name))
      : [relative(root, join(directory, entry.name)).split('\\').join('/')],
  );
}

// ajv-formats is CommonJS: its `exports.default` is the plugin, whichever way the default import resolves.
const addFormats = (addFormatsModule as unknown as { default: (ajv: Ajv2020) => Ajv2020 }).default;
// strictRequired is off: `required` inside oneOf/not names properties declared at the top level, as JSON Schema allows.
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
addFormats(ajv);

/** The published JSON Schema file, compiled: what a producer or consumer outside this code base validates with. */
function publishedSchema(file: string): ValidateFunction {
  return ajv.compile(JSON.parse(read(`schemas/${file}`)));
}

const published = {
  request: publishedSchema('ingress-request.v1.schema.json'),
  requestV2: publishedSchema('ingress-request.v2.schema.json'),
  outcome: publishedSchema('ingress-outcome.v1.schema.json'),
  outcomeV2: publishedSchema('ingress-outcome.v2.schema.json'),
  report: publishedSchema('reconciliation-report.v1.schema.json'),
  desiredState: publishedSchema('desired-state.v1.schema.json'),
};

const errorsOf = (validate: ValidateFunction, value: unknown): unknown[] =>
  validate(value) ? [] : (validate.errors ?? []);

/** Every kind of file under examples/ and the test that validates it; a file of no kind fails the coverage test. */
const KINDS: readonly { readonly pattern: RegExp; readonly validatedBy: string }[] = [
  { pattern: /^examples\/requests\/[^/]+\.v2\.json$/, validatedBy: 'this file: request v2' },
  { pattern: /^examples\/requests\/[^/.]+\.json$/, validatedBy: 'this file: request v1' },
  { pattern: /^examples\/outcomes\/[^/]+\.v2\.json$/, validatedBy: 'this file: outcome v2' },
  { pattern: /^examples\/outcomes\/[^/.]+\.json$/, validatedBy: 'this file: outcome v1' },
  { pattern: /^examples\/reports\/[^/.]+\.json$/, validatedBy: 'this file: reconciliation report v1' },
  { pattern: /^examples\/desired-state\.yaml$/, validatedBy: 'this file: desired state v1' },
  { pattern: /^examples\/reports\/[^/]+\.v2\.json$/, validatedBy: 'examples-reconcile-v2.test.ts' },
  { pattern: /^examples\/desired-state\.v2\.yaml$/, validatedBy: 'examples-reconcile-v2.test.ts' },
  {
    pattern: /^examples\/state-machine\/(approval-workflow\.asl|execution-input)\.json$/,
    validatedBy: 'examples-state-machine.test.ts',
  },
  { pattern: /^examples\/consumers\/ticket-updater\.ts$/, validatedBy: 'examples-ticket-updater.test.ts' },
  { pattern: /^examples\/.*README\.md$/, validatedBy: 'documentation' },
];

const files = listFiles(examples);
const inDirectory = (directory: string) => files.filter((file) => file.startsWith(`examples/${directory}/`));
const isInvalidExample = (file: string) => file.split('/').at(-1)?.startsWith('invalid-') === true;
/** The contract version of an example: files of version 2 say so in their name, `.v2.json`. */
const versionOf = (file: string): 1 | 2 => (file.endsWith('.v2.json') ? 2 : 1);

describe('every example is validated by a test', () => {
  it('knows how to validate every file under examples/', () => {
    // Act
    const unknown = files.filter((file) => !KINDS.some((kind) => kind.pattern.test(file)));

    // Assess
    expect(unknown, 'add the file kind to KINDS with the test that validates it').toEqual([]);
    expect(files.length).toBeGreaterThan(10);
  });
});

describe('examples against the published JSON Schema files and the validating code', () => {
  it.each(inDirectory('requests').filter((file) => !isInvalidExample(file)))(
    'request %s is valid for both, in the version its name says',
    (file) => {
      // Act
      const text = read(file);
      const parsed = parseAnyRequest(text, 'example');
      const schema = versionOf(file) === 2 ? published.requestV2 : published.request;

      // Assess
      expect(parsed.ok ? [] : formatProblems(parsed.problems)).toEqual([]);
      expect(parsed.ok && parsed.request.version).toBe(versionOf(file));
      expect(errorsOf(schema, JSON.parse(text))).toEqual([]);
    },
  );

  it.each(inDirectory('requests').filter(isInvalidExample))(
    'request %s is rejected by the service, naming the field',
    (file) => {
      // Act
      const parsed = parseAnyRequest(read(file), 'example');

      // Assess: some rules (host bits) are beyond JSON Schema, so only the service's verdict is checked.
      expect(parsed.ok ? '' : formatProblems(parsed.problems)).toMatch(/^\w+: /);
    },
  );

  it.each(inDirectory('outcomes'))('outcome %s is valid for both, in the version its name says', (file) => {
    // Act
    const outcome = JSON.parse(read(file)) as { version?: unknown };
    const [schema, publishedFile] =
      versionOf(file) === 2 ? [outcomeV2Schema, published.outcomeV2] : [outcomeSchema, published.outcome];

    // Assess
    expect(outcome.version).toBe(versionOf(file));
    expect(schema.safeParse(outcome).error?.issues ?? []).toEqual([]);
    expect(errorsOf(publishedFile, outcome)).toEqual([]);
  });

  it('show requests v2 on a cluster, a workgroup and a security group, and their outcomes', () => {
    // Act
    const v2 = inDirectory('requests')
      .filter((file) => versionOf(file) === 2 && !isInvalidExample(file))
      .map((file) => JSON.parse(read(file)) as Record<string, unknown>);

    // Assess
    for (const target of ['clusterIdentifier', 'workgroupName', 'clusterSecurityGroupName']) {
      expect(v2.some((request) => request[target] !== undefined)).toBe(true);
    }
    expect(
      v2.some((request) => request.securityGroupId !== undefined && request.clusterIdentifier === undefined),
    ).toBe(true);
    expect(inDirectory('outcomes').filter((file) => versionOf(file) === 2).length).toBeGreaterThanOrEqual(2);
  });

  it.each(inDirectory('reports').filter((file) => !file.endsWith('.v2.json')))(
    'reconciliation report %s is valid for both, its counts adding up',
    (file) => {
      // Act
      const report = reconciliationReportSchema.parse(JSON.parse(read(file)));

      // Assess
      expect(errorsOf(published.report, report)).toEqual([]);
      expect(report.counts).toEqual(countReport(report.groups));
    },
  );

  it('the desired state is valid for both', () => {
    // Act
    const text = read('examples/desired-state.yaml');

    // Assess
    expect(() => parseDesiredState(text, 'examples/desired-state.yaml')).not.toThrow();
    expect(errorsOf(published.desiredState, parseYaml(text))).toEqual([]);
  });

  it('the published schemas refuse what the service refuses: an unknown field, a missing target', () => {
    // Prepare
    const valid = JSON.parse(read('examples/requests/onboard-nyc-office.json')) as Record<string, unknown>;
    const { cidrIp: _cidrIp, ...noTarget } = valid;

    // Act
    const typo = published.request({ ...valid, reasn: 'typo' });
    const untargeted = published.request(noTarget);

    // Assess
    expect([typo, untargeted]).toEqual([false, false]);
  });
});
