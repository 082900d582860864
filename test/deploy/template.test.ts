import { execFile, execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureClusterSecurityGroup, ensureQueues } from '../../local/stack.js';
import { compileDesiredState } from '../../src/domain/desired-state-yaml.js';
import { startTestEmulator } from '../helpers/emulator.js';
import { requestBody, sqsEventFactory, sqsRecordFactory } from '../helpers/factories.js';
import { bundleGraph, textOf } from './bundle-graph.js';
import { readZip, type ZipEntry } from './read-zip.js';

// What `npm run package` (osls package --stage ci) produced: the CloudFormation template and the zips that
// would be deployed. The checks read those artifacts, not serverless.yml, so they see what AWS would see.

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const output = join(root, '.serverless');
const templatePath = join(output, 'cloudformation-template-update-stack.json');
const osls = join(root, 'node_modules', 'osls', 'bin', 'serverless.js');
const offlineEnv = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_REGION: 'us-east-1',
  AWS_SESSION_TOKEN: '',
  AWS_PROFILE: '',
};
// Packaging bundles two functions with esbuild and zips them: seconds when warm, up to a minute on 2 cold cores.
const PACKAGE_TIMEOUT_MS = 180_000;

/** The inputs of the package: when one is newer than the template, the template is rebuilt. */
const packageInputs = [
  'serverless.yml',
  'package.json',
  'package-lock.json',
  'scripts/deploy-parameters.cjs',
  'scripts/package.mjs',
  'scripts/desired-state-plugin.mjs',
  'scripts/esbuild-plugins.cjs',
  'examples/desired-state.yaml',
  'handlers',
  'src',
];

type Json = Record<string, unknown>;
interface Resource {
  readonly Type: string;
  readonly Properties: Json;
  readonly DependsOn?: string[];
}
interface Template {
  readonly Resources: Record<string, Resource>;
  readonly Outputs: Record<string, { Value: unknown }>;
  readonly Conditions: Record<string, unknown>;
}
interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Principal?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}
/** A policy statement and the template condition it depends on, if any (an `Fn::If` around it). */
interface Granted {
  readonly statement: Statement;
  readonly condition?: string;
}

const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

function newestMtime(path: string): number {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return Math.max(stats.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

function isPackageStale(): boolean {
  if (!existsSync(templatePath)) return true;
  // `npm run package -- --stage <other>` leaves another stage's template: the checks expect the ci stage.
  if (!readFileSync(templatePath, 'utf8').includes('"redshift-ingress-ci-authorize"')) return true;
  const built = statSync(templatePath).mtimeMs;
  return packageInputs.some(
    (input) => existsSync(join(root, input)) && newestMtime(join(root, input)) > built,
  );
}

/** Statements of every inline policy of a role, with `Fn::If` unwrapped. */
function grantsOf(template: Template, roleId: string): Granted[] {
  const role = template.Resources[roleId];
  if (!role) throw new Error(`no role ${roleId}`);
  const policies = role.Properties.Policies as { PolicyDocument: { Statement: unknown[] } }[];
  return policies.flatMap(({ PolicyDocument }) => PolicyDocument.Statement.map(unwrapIf));
}

function unwrapIf(item: unknown): Granted {
  const conditional = (item as { 'Fn::If'?: [string, Statement, unknown] })['Fn::If'];
  return conditional
    ? { statement: conditional[1], condition: conditional[0] }
    : { statement: item as Statement };
}

function resourcesOfType(template: Template, type: string): [string, Resource][] {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

function resource(template: Template, id: string): Resource {
  const found = template.Resources[id];
  if (!found) throw new Error(`the template has no resource ${id}`);
  return found;
}

function functionEnv(template: Template, id: string): Record<string, unknown> {
  const environment = resource(template, id).Properties.Environment as { Variables: Record<string, unknown> };
  return environment.Variables;
}

/** The ARNs the allowlist maps to, as serverless.yml documents them (group names in lower case). */
function expectedRedshiftArns(allowedGroups: string): { 'Fn::Sub': string }[] {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax, not JavaScript's
  const prefix = 'arn:${AWS::Partition}:redshift:${AWS::Region}:${AWS::AccountId}';
  return allowedGroups
    .split(',')
    .flatMap((pattern) => [
      { 'Fn::Sub': `${prefix}:securitygroup:${pattern.toLowerCase()}` },
      { 'Fn::Sub': `${prefix}:securitygroup:${pattern.toLowerCase()}/*` },
      { 'Fn::Sub': `${prefix}:securitygroupingress:${pattern.toLowerCase()}/*` },
    ]);
}

/** The head of an ARN of this account and region, as the template writes it (`Fn::Sub`). */
const accountArn = (service: string): string =>
  `arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}`;

/** Resolved serverless.yml (no packaging): fast enough to check other parameter values. */
function printConfig(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [osls, 'print', '--format', 'json', ...args], {
    cwd: root,
    env: offlineEnv,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

let template: Template;
const extracted: Record<string, { dir: string; entries: ZipEntry[] }> = {};
const scratch = mkdtempSync(join(tmpdir(), 'redshift-ingress-package-'));

beforeAll(() => {
  if (isPackageStale()) {
    execFileSync(process.execPath, [join(root, 'scripts', 'package.mjs')], { cwd: root, stdio: 'pipe' });
  }
  template = JSON.parse(readFileSync(templatePath, 'utf8')) as Template;
  for (const [id] of resourcesOfType(template, 'AWS::Lambda::Function')) {
    const entries = readZip(join(output, `${zipNameOf(id)}`));
    const dir = join(scratch, id);
    for (const { name, data } of entries) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), data);
    }
    extracted[id] = { dir, entries };
  }
}, PACKAGE_TIMEOUT_MS);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The function's entry module inside its zip, from the template's Handler (`handlers/x.handler`). */
function entryOf(functionId: string): string {
  return `${String(resource(template, functionId).Properties.Handler).replace(/\.handler$/, '')}.mjs`;
}

function zipNameOf(functionId: string): string {
  const code = resource(template, functionId).Properties.Code as { S3Key: string };
  return code.S3Key.split('/').pop() as string;
}

describe('package artifacts', () => {
  it('has one zip per function, each the artifact its function deploys', () => {
    // Prepare
    const functions = resourcesOfType(template, 'AWS::Lambda::Function').map(([id]) => id);

    // Act
    const zips = readdirSync(output).filter((name) => name.endsWith('.zip'));

    // Assess
    expect(functions.sort()).toEqual(['AuthorizeLambdaFunction', 'ReconcileLambdaFunction']);
    expect(zips.sort()).toEqual(['authorize.zip', 'reconcile.zip']);
    expect(functions.map(zipNameOf).sort()).toEqual(zips.sort());
  });

  it.each(['AuthorizeLambdaFunction', 'ReconcileLambdaFunction'])(
    '%s: nodejs22.x on arm64, the handler module and its own chunks, each reached from it; no node_modules or maps',
    async (id) => {
      // Prepare
      const { Runtime, Architectures } = resource(template, id).Properties;
      const { dir, entries } = extracted[id] as { dir: string; entries: ZipEntry[] };
      const names = entries.map(({ name }) => name);
      const entry = entryOf(id);

      // Act
      const bundles = names.filter((name) => name.endsWith('.mjs'));
      const graph = await bundleGraph(dir, entry);

      // Assess: split (serverless.yml), with the chunks beside their entry (scripts/esbuild-plugins.cjs).
      expect(Runtime).toBe('nodejs22.x');
      expect(Architectures).toEqual(['arm64']);
      expect(bundles).toContain(entry);
      const chunks = bundles.filter((name) => name !== entry);
      expect(chunks.length).toBeGreaterThan(0);
      for (const chunk of chunks)
        expect(chunk).toMatch(new RegExp(`^${entry.replace(/\.mjs$/, '')}\\.chunks/`));
      expect([...graph.imported, ...graph.onDemand].sort()).toEqual([...bundles].sort());
      expect(names.filter((name) => name.includes('node_modules/') || name.endsWith('.map'))).toEqual([]);
    },
  );

  it('packages the desired state compiled to JSON where the reconcile function reads it', () => {
    // Prepare: the ci stage's desiredStatePath is the default, the example.
    const env = functionEnv(template, 'ReconcileLambdaFunction');
    const example = readFileSync(join(root, 'examples', 'desired-state.yaml'), 'utf8');

    // Act
    const entries = extracted.ReconcileLambdaFunction?.entries ?? [];
    const packaged = entries.find(({ name }) => name === env.DESIRED_STATE_PATH);

    // Assess
    expect(env.DESIRED_STATE_PATH).toBe('build/desired-state.json');
    expect(
      entries
        .map(({ name }) => name)
        .filter((name) => !name.startsWith('handlers/reconcile.chunks/'))
        .sort(),
    ).toEqual(['build/desired-state.json', 'handlers/reconcile.mjs']);
    expect(packaged?.data.toString('utf8')).toBe(compileDesiredState(example, 'examples/desired-state.yaml'));
  });

  it('bundles no YAML parser into the reconcile function', async () => {
    // Prepare: the YAML 1.2 tag URIs are string literals of the yaml library's schemas, kept by minification.
    const marker = 'tag:yaml.org,2002:';
    const yamlSchema = readFileSync(
      join(root, 'node_modules', 'yaml', 'dist', 'schema', 'core', 'bool.js'),
      'utf8',
    );

    const { dir } = extracted.ReconcileLambdaFunction as { dir: string };
    const graph = await bundleGraph(dir, entryOf('ReconcileLambdaFunction'));

    // Act: every file, the chunks loaded on first use included.
    const code = textOf(dir, [...graph.imported, ...graph.onDemand]);

    // Assess
    expect(yamlSchema).toContain(marker);
    expect(code).toContain('must be 1 (the desired-state contract version)');
    expect(code).not.toContain(marker);
  });

  // The functions check requests and the desired state with the contracts' zod/mini schemas, the ones the
  // JSON Schemas are published from; the outcome and report schemas, which only consumers validate with,
  // stay out of every bundle. Each published schema's `$id` is a string literal of its module, and zod
  // names its classes with string literals, so both survive minification and mark what was bundled.
  it.each([
    ['AuthorizeLambdaFunction', ['ingress-request']],
    ['ReconcileLambdaFunction', ['ingress-request', 'desired-state']],
  ])(
    '%s: checks with the contract schemas %j and carries no outcome or report schema',
    async (id, contracts) => {
      // Prepare
      const zodMarker = '"$ZodType"';
      const zodCore = readFileSync(join(root, 'node_modules', 'zod', 'v4', 'core', 'schemas.js'), 'utf8');
      const { dir } = extracted[id] as { dir: string };
      const graph = await bundleGraph(dir, entryOf(id));

      // Act
      const everything = textOf(dir, [...graph.imported, ...graph.onDemand]);

      // Assess
      expect(zodCore).toContain(zodMarker);
      expect(everything).toContain('must be 1 (the request contract version)');
      expect(everything).toContain(zodMarker.slice(1, -1));
      for (const contract of contracts)
        expect(everything).toContain(`urn:redshift-ingress:schema:${contract}:v1`);
      expect(everything).not.toContain('urn:redshift-ingress:schema:ingress-outcome');
      expect(everything).not.toContain('urn:redshift-ingress:schema:reconciliation-report');
    },
  );

  it('the reconcile bundle pointed at YAML imports, then refuses its first run, naming DESIRED_STATE_PATH and the JSON error', () => {
    // Prepare
    const { dir } = extracted.ReconcileLambdaFunction as { dir: string };
    const url = pathToFileURL(join(dir, entryOf('ReconcileLambdaFunction'))).href;
    const yaml = join(root, 'examples', 'desired-state.yaml');

    // Act
    const run = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        [
          `const { handler } = await import(${JSON.stringify(url)});`,
          "console.log('imported');",
          "await handler({}, { functionName: 'reconcile', awsRequestId: 'r-1' });",
        ].join('\n'),
      ],
      {
        cwd: dir,
        env: {
          PATH: process.env.PATH ?? '',
          AWS_REGION: 'us-east-1',
          RESULTS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/results',
          REQUESTS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/requests',
          ALLOWED_GROUPS: 'analytics-*',
          DESIRED_STATE_PATH: yaml,
        },
        encoding: 'utf8',
        timeout: 30_000,
      },
    );

    // Assess
    expect(run.stdout).toContain('imported');
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(`DESIRED_STATE_PATH: "${yaml}" is not JSON (`);
  });

  it.each(['AuthorizeLambdaFunction', 'ReconcileLambdaFunction'])(
    '%s: the bundle starts under Node with the environment the template gives it, loading no web streams',
    (id) => {
      // Prepare: the template's variables, queue references replaced by dummy URLs; cwd plays /var/task.
      const env: Record<string, string> = { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1' };
      for (const [name, value] of Object.entries(functionEnv(template, id))) {
        const ref = (value as { Ref?: string }).Ref;
        env[name] = ref ? `https://sqs.us-east-1.amazonaws.com/000000000000/${ref}` : String(value);
      }
      const { dir } = extracted[id] as { dir: string };
      const bundle = entryOf(id);
      const script = `const m = await import(${JSON.stringify(pathToFileURL(join(dir, bundle)).href)});
        if (typeof m.handler !== 'function') throw new Error('no handler export');
        process.stdout.write(JSON.stringify(process.moduleLoadList.includes('NativeModule internal/webstreams/readablestream')));`;

      // Act
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        cwd: dir,
        env,
        encoding: 'utf8',
        timeout: 30_000,
      });

      // Assess: nothing at import loads Node's web streams (middy 7 imports them only for streaming).
      expect(run.stderr).not.toMatch(/Error/);
      expect(run.status).toBe(0);
      expect(JSON.parse(run.stdout)).toBe(false);
    },
  );

  it("the authorize bundle, run on the emulator, answers a task token and logs the SDK's warnings as WARN lines", async () => {
    // Prepare: the results queue on the emulator while the SQS client resolves AWS's endpoint, so the SDK
    // warns that it uses the queue URL's host; Redshift and Step Functions are the emulator too (every
    // deployment answers task tokens, so the callback loads its chunk). Nothing leaves 127.0.0.1.
    const emulator = await startTestEmulator();
    try {
      const queues = await ensureQueues(emulator.sqs, { prefix: 'bundle-warnings' });
      await ensureClusterSecurityGroup(emulator.redshift, 'analytics-prod');
      const { dir } = extracted.AuthorizeLambdaFunction as { dir: string };
      const url = pathToFileURL(join(dir, entryOf('AuthorizeLambdaFunction'))).href;
      const taskToken = `AQCEAAAAKgAAAAMAAAAA${'bundle-token-'.repeat(20)}`;
      const event = sqsEventFactory([
        sqsRecordFactory(requestBody()),
        sqsRecordFactory(requestBody({ cidrIp: '198.51.100.0/24', taskToken })),
      ]);
      // The template's variables (log level, allowlist, ...): no variable turns task tokens on.
      const templateEnv = Object.fromEntries(
        Object.entries(functionEnv(template, 'AuthorizeLambdaFunction')).filter(
          (entry): entry is [string, string] => typeof entry[1] === 'string',
        ),
      );
      const script = `const { handler } = await import(${JSON.stringify(url)});
        const context = { functionName: 'authorize', awsRequestId: 'r-1', getRemainingTimeInMillis: () => 30000 };
        const result = await handler(${JSON.stringify(event)}, context);
        process.stdout.write('\\nresult: ' + JSON.stringify(result) + '\\n');`;

      // Act
      const { stdout, stderr } = await promisify(execFile)(
        process.execPath,
        ['--input-type=module', '-e', script],
        {
          cwd: dir,
          env: {
            ...templateEnv,
            PATH: process.env.PATH ?? '',
            AWS_REGION: 'us-east-1',
            AWS_ACCESS_KEY_ID: 'test',
            AWS_SECRET_ACCESS_KEY: 'test',
            AWS_ENDPOINT_URL_REDSHIFT: emulator.emulator.url,
            AWS_ENDPOINT_URL_SFN: emulator.emulator.url,
            RESULTS_QUEUE_URL: queues.results.url,
            ALLOWED_GROUPS: 'analytics-*',
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          },
          timeout: 30_000,
        },
      );

      // Assess: the batch went through, and the SDK's warning is a structured line of the service's log
      // (Powertools writes WARN lines to stderr, INFO lines to stdout).
      const result = stdout.split('\n').find((line) => line.startsWith('result: '));
      expect(JSON.parse(result?.slice('result: '.length) ?? 'null')).toEqual({ batchItemFailures: [] });
      expect(emulator.emulator.sfnCalls).toEqual([
        expect.objectContaining({
          operation: 'SendTaskSuccess',
          input: expect.objectContaining({ taskToken }),
        }),
      ]);
      const lines = `${stdout}\n${stderr}`
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines).toContainEqual(
        expect.objectContaining({
          level: 'WARN',
          message: 'AWS SDK warning',
          sdkWarning: expect.stringContaining(
            `QueueUrl=${queues.results.url} differs from SQSClient resolved endpoint`,
          ),
        }),
      );
    } finally {
      await emulator.close();
    }
  });

  it('the authorize bundle reads its configuration at import: without it, it names every missing variable', () => {
    // Prepare
    const { dir } = extracted.AuthorizeLambdaFunction as { dir: string };
    const url = pathToFileURL(join(dir, entryOf('AuthorizeLambdaFunction'))).href;

    // Act
    const run = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `await import(${JSON.stringify(url)})`],
      {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1' },
        encoding: 'utf8',
        timeout: 30_000,
      },
    );

    // Assess
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/RESULTS_QUEUE_URL/);
    expect(run.stderr).toMatch(/ALLOWED_GROUPS/);
  });
});

describe('queues', () => {
  it('encrypts every queue with SQS-managed keys', () => {
    // Prepare
    const queues = resourcesOfType(template, 'AWS::SQS::Queue');

    // Act
    const unencrypted = queues.filter(([, queue]) => queue.Properties.SqsManagedSseEnabled !== true);

    // Assess
    expect(queues.map(([id]) => id).sort()).toEqual([
      'RequestsDlq',
      'RequestsQueue',
      'ResultsDlq',
      'ResultsQueue',
    ]);
    expect(unencrypted).toEqual([]);
  });

  it('gives the requests queue a visibility timeout of at least six times the authorize timeout', () => {
    // Prepare
    const { VisibilityTimeout } = resource(template, 'RequestsQueue').Properties;

    // Act
    const { Timeout } = resource(template, 'AuthorizeLambdaFunction').Properties;

    // Assess
    expect(Number(VisibilityTimeout)).toBeGreaterThanOrEqual(6 * Number(Timeout));
  });

  it('redrives requests after MAX_RECEIVE_COUNT receives, the value the function is told', () => {
    // Prepare
    const redrive = resource(template, 'RequestsQueue').Properties.RedrivePolicy as Json;

    // Act
    const env = functionEnv(template, 'AuthorizeLambdaFunction');

    // Assess
    expect(redrive.deadLetterTargetArn).toEqual({ 'Fn::GetAtt': ['RequestsDlq', 'Arn'] });
    expect(Number(env.MAX_RECEIVE_COUNT)).toBe(redrive.maxReceiveCount);
  });

  it('keeps requests long enough for every retry, and dead letters longer than their sources', () => {
    // Prepare
    const retention = (id: string): number =>
      Number(resource(template, id).Properties.MessageRetentionPeriod);
    const env = functionEnv(template, 'AuthorizeLambdaFunction');

    // Act
    const retries = Number(env.MAX_RECEIVE_COUNT) * Number(env.RETRY_MAX_SECONDS);

    // Assess
    expect(retention('RequestsQueue')).toBeGreaterThanOrEqual(Math.max(4 * 86_400, retries));
    expect(retention('RequestsDlq')).toBe(14 * 86_400);
    expect(retention('ResultsDlq')).toBe(14 * 86_400);
    expect(retention('RequestsDlq')).toBeGreaterThan(retention('RequestsQueue'));
    expect(retention('ResultsDlq')).toBeGreaterThan(retention('ResultsQueue'));
    expect(resource(template, 'ResultsQueue').Properties.RedrivePolicy).toMatchObject({
      deadLetterTargetArn: { 'Fn::GetAtt': ['ResultsDlq', 'Arn'] },
    });
  });

  it('lets only the named producers and the reconciler send requests, and only over TLS', () => {
    // Prepare
    const policy = resource(template, 'RequestsQueuePolicy').Properties;
    const statements = (policy.PolicyDocument as { Statement: unknown[] }).Statement.map(unwrapIf);
    const bySid = (sid: string) => statements.find(({ statement }) => statement.Sid === sid);

    // Act
    const denySend = bySid('DenySendExceptProducers')?.statement;
    const allow = bySid('AllowProducers');

    // Assess
    expect(policy.Queues).toEqual([{ Ref: 'RequestsQueue' }]);
    expect(denySend).toMatchObject({ Effect: 'Deny', Principal: '*', Action: 'sqs:SendMessage' });
    expect(denySend?.Condition?.ArnNotEquals?.['aws:PrincipalArn']).toEqual([
      { 'Fn::GetAtt': ['ReconcileRole', 'Arn'] },
      'arn:aws:iam::000000000000:role/ingress-producer',
      'arn:aws:iam::000000000000:role/ingress-operator',
    ]);
    expect(allow?.condition).toBe('HasProducerPrincipals');
    expect(allow?.statement).toMatchObject({
      Effect: 'Allow',
      Principal: { AWS: ['arn:aws:iam::000000000000:role/ingress-producer'] },
      Action: 'sqs:SendMessage',
    });
    expect(bySid('DenyInsecureTransport')?.statement.Condition).toEqual({
      Bool: { 'aws:SecureTransport': 'false' },
    });
  });
});

describe('operators', () => {
  const operator = 'arn:aws:iam::000000000000:role/ingress-operator';
  const statementsOf = (policyId: string): Granted[] =>
    (resource(template, policyId).Properties.PolicyDocument as { Statement: unknown[] }).Statement.map(
      unwrapIf,
    );

  it('lets the operators send to the requests queue past its Deny, as a redrive sends', () => {
    // Prepare
    const statements = statementsOf('RequestsQueuePolicy');

    // Act
    const deny = statements.find(({ statement }) => statement.Sid === 'DenySendExceptProducers');
    const allow = statements.find(({ statement }) => statement.Sid === 'AllowOperatorsRedrive');

    // Assess: an explicit Deny beats any Allow, so the exception is what makes the Allow work.
    expect(deny?.statement.Condition?.ArnNotEquals?.['aws:PrincipalArn']).toContain(operator);
    expect(allow?.condition).toBe('HasOperatorPrincipals');
    expect(allow?.statement).toEqual({
      Sid: 'AllowOperatorsRedrive',
      Effect: 'Allow',
      Principal: { AWS: [operator] },
      Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes'],
      Resource: { 'Fn::GetAtt': ['RequestsQueue', 'Arn'] },
    });
    expect(template.Conditions.HasOperatorPrincipals).toEqual({ 'Fn::Equals': ['true', 'true'] });
  });

  it('lets the operators run a move task and the receive-and-send fallback on the requests DLQ only', () => {
    // Prepare
    const statements = statementsOf('ResultsQueuePolicy');

    // Act
    const allow = statements.find(({ statement }) => statement.Sid === 'AllowOperatorsRedrive');

    // Assess
    expect(allow?.condition).toBe('HasOperatorPrincipals');
    expect(allow?.statement).toMatchObject({
      Effect: 'Allow',
      Principal: { AWS: [operator] },
      Resource: { 'Fn::GetAtt': ['RequestsDlq', 'Arn'] },
    });
    expect(list(allow?.statement.Action ?? []).sort()).toEqual([
      'sqs:CancelMessageMoveTask',
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:ListDeadLetterSourceQueues',
      'sqs:ListMessageMoveTasks',
      'sqs:ReceiveMessage',
      'sqs:StartMessageMoveTask',
    ]);
  });

  it('without operators, excepts nobody more from the Deny and turns both Allow statements off; refuses a bad ARN', () => {
    // Act: a stage that names no operator (nor producer), as the defaults have it.
    const none = printConfig('--stage', 'prod', '--param', 'allowedGroups=analytics-*');
    const bad = printConfig('--stage', 'ci', '--param', 'operatorPrincipals=arn:aws:iam::123:root');

    // Assess
    expect(none.status, none.stderr).toBe(0);
    const config = JSON.parse(none.stdout) as {
      resources: { Conditions: Record<string, unknown>; Resources: Record<string, Resource> };
    };
    expect(config.resources.Conditions.HasOperatorPrincipals).toEqual({ 'Fn::Equals': ['false', 'true'] });
    const policy = config.resources.Resources.RequestsQueuePolicy as Resource;
    const deny = (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement.find(
      (statement) => statement.Sid === 'DenySendExceptProducers',
    );
    expect(deny?.Condition?.ArnNotEquals?.['aws:PrincipalArn']).toEqual([
      { 'Fn::GetAtt': ['ReconcileRole', 'Arn'] },
    ]);
    expect(bad.status).not.toBe(0);
    expect(bad.stdout + bad.stderr).toMatch(
      /operatorPrincipals: must be IAM role or user ARNs, got: arn:aws:iam::123:root/,
    );
  });
});

describe('FIFO requests queue', () => {
  interface Printed {
    resources: { Resources: Record<string, Resource>; Conditions: Record<string, unknown> };
  }
  const fifoIf = { 'Fn::If': ['FifoRequests', true, { Ref: 'AWS::NoValue' }] };

  it('is off by default: standard queues, FifoQueue left out', () => {
    // Act
    const { RequestsQueue, RequestsDlq } = template.Resources;

    // Assess
    expect(template.Conditions.FifoRequests).toEqual({ 'Fn::Equals': ['false', 'true'] });
    expect(RequestsQueue?.Properties).toMatchObject({
      QueueName: 'redshift-ingress-ci-requests',
      FifoQueue: fifoIf,
      ContentBasedDeduplication: fifoIf,
    });
    expect(RequestsDlq?.Properties).toMatchObject({
      QueueName: 'redshift-ingress-ci-requests-dlq',
      FifoQueue: fifoIf,
    });
  });

  it('fifoRequests=true makes the requests queue and its DLQ FIFO, named .fifo, with content-based deduplication', () => {
    // Act
    const { status, stdout, stderr } = printConfig('--stage', 'ci', '--param', 'fifoRequests=true');

    // Assess
    expect(status, stderr).toBe(0);
    const config = JSON.parse(stdout) as Printed;
    expect(config.resources.Conditions.FifoRequests).toEqual({ 'Fn::Equals': ['true', 'true'] });
    expect(config.resources.Resources.RequestsQueue?.Properties).toMatchObject({
      QueueName: 'redshift-ingress-ci-requests.fifo',
      FifoQueue: fifoIf,
      ContentBasedDeduplication: fifoIf,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['RequestsDlq', 'Arn'] } },
    });
    expect(config.resources.Resources.RequestsDlq?.Properties).toMatchObject({
      QueueName: 'redshift-ingress-ci-requests-dlq.fifo',
      FifoQueue: fifoIf,
    });
    // The results queue stays standard: outcomes carry their own group when it is FIFO.
    expect(config.resources.Resources.ResultsQueue?.Properties.FifoQueue).toBeUndefined();
  });

  it('refuses what Lambda refuses for a FIFO source: batches above 10, a batching window', () => {
    // Act
    const { status, stdout, stderr } = printConfig(
      ...['--stage', 'ci', '--param', 'fifoRequests=true', '--param', 'batchSize=20'],
      ...['--param', 'maximumBatchingWindow=5'],
    );

    // Assess
    expect(status).not.toBe(0);
    expect(stdout + stderr).toMatch(/batchSize: must be at most 10 with fifoRequests=true \(20\)/);
    expect(stdout + stderr).toMatch(/maximumBatchingWindow: must be 0 with fifoRequests=true/);
  });
});

describe('authorize function', () => {
  it('reads the requests queue in batches and reports batch item failures', () => {
    // Prepare
    const mappings = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping');

    // Act
    const [[, mapping] = []] = mappings;

    // Assess
    expect(mappings).toHaveLength(1);
    expect(mapping?.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': ['RequestsQueue', 'Arn'] },
      FunctionName: { 'Fn::GetAtt': ['AuthorizeLambdaFunction', 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 0,
      ScalingConfig: { MaximumConcurrency: 5 },
    });
  });

  it('maps every parameter to the environment variable of the design', () => {
    // Prepare
    const env = functionEnv(template, 'AuthorizeLambdaFunction');

    // Act
    const names = Object.keys(env).sort();

    // Assess
    expect(names).toEqual(
      [
        'ALLOWED_CLUSTERS',
        'ALLOWED_EC2_OWNER_IDS',
        'ALLOWED_GROUPS',
        'ALLOWED_PREFIX_LIST_IDS',
        'ALLOWED_SECURITY_GROUP_IDS',
        'ALLOWED_WORKGROUPS',
        'CONCURRENCY',
        'MAX_RECEIVE_COUNT',
        'MIN_CIDR_PREFIX',
        'MIN_CIDR_PREFIX_V6',
        'POWERTOOLS_LOG_LEVEL',
        'POWERTOOLS_SERVICE_NAME',
        'REQUESTS_QUEUE_URL',
        'REQUIRE_APPROVAL',
        'RESULTS_QUEUE_URL',
        'RETRY_BASE_SECONDS',
        'RETRY_MAX_SECONDS',
      ].sort(),
    );
    expect(env).toMatchObject({
      RESULTS_QUEUE_URL: { Ref: 'ResultsQueue' },
      REQUESTS_QUEUE_URL: { Ref: 'RequestsQueue' },
      ALLOWED_GROUPS: 'analytics-*,reporting',
      ALLOWED_CLUSTERS: 'analytics-*',
      ALLOWED_WORKGROUPS: 'bi-*',
      ALLOWED_SECURITY_GROUP_IDS: 'sg-0123456789abcdef0',
      MIN_CIDR_PREFIX: '16',
      MIN_CIDR_PREFIX_V6: '48',
      ALLOWED_EC2_OWNER_IDS: '',
      ALLOWED_PREFIX_LIST_IDS: '',
      REQUIRE_APPROVAL: 'false',
      MAX_RECEIVE_COUNT: '5',
      CONCURRENCY: '10',
      RETRY_BASE_SECONDS: '30',
      RETRY_MAX_SECONDS: '900',
    });
  });

  it.each([
    ['AuthorizeLambdaFunction', 1],
    ['ReconcileLambdaFunction', 0],
  ])(
    '%s leaves the Step Functions client to chunks loaded on first use (%i), never at import',
    async (id, chunks) => {
      // Prepare: SendTaskSuccess is a string literal of the client's operation schema.
      const marker = 'SendTaskSuccess';
      const { dir } = extracted[id] as { dir: string };

      // Act
      const graph = await bundleGraph(dir, entryOf(id));
      const onDemand = graph.onDemand.filter((file) => textOf(dir, [file]).includes(marker));

      // Assess: the authorize function answers task tokens with a chunk its first callback imports; the
      // reconcile function answers none. No switch is left in either bundle.
      expect(textOf(dir, graph.imported)).not.toContain(marker);
      expect(onDemand).toHaveLength(chunks);
      for (const file of onDemand) {
        expect(file).toMatch(/^handlers\/authorize\.chunks\/step-functions-\w+\.mjs$/);
      }
      expect(textOf(dir, [...graph.imported, ...graph.onDemand])).not.toContain('TASK_TOKENS');
    },
  );
});

describe('cold start of the VPC path', () => {
  it.each([
    ['AuthorizeLambdaFunction', 1],
    // Reconcile loads the chunk only for a desired state with VPC targets, with its first run.
    ['ReconcileLambdaFunction', 1],
  ])(
    '%s never loads the EC2 or Redshift Serverless client at import; it has them in one chunk loaded on first use (%i)',
    async (id, chunks) => {
      // Prepare: operation names are string literals of each client's schemas, kept by minification.
      const ec2Marker = 'DescribeSecurityGroupRules';
      const serverlessMarker = 'GetWorkgroup';
      const { dir } = extracted[id] as { dir: string };

      // Act
      const graph = await bundleGraph(dir, entryOf(id));
      const atImport = textOf(dir, graph.imported);
      const ec2Chunks = graph.onDemand.filter((file) => textOf(dir, [file]).includes(ec2Marker));

      // Assess: the chunk holds both clients (one import on the first VPC request); DescribeClusters is
      // the Redshift client's, loaded at import already.
      expect(atImport).not.toContain(ec2Marker);
      expect(atImport).not.toContain(serverlessMarker);
      expect(ec2Chunks).toHaveLength(chunks);
      for (const file of ec2Chunks) {
        expect(file).toMatch(/^handlers\/(authorize|reconcile)\.chunks\/vpc-adapters-\w+\.mjs$/);
        expect(textOf(dir, [file])).toContain(serverlessMarker);
      }
      expect(atImport).toContain('DescribeClusters');
    },
  );
});

describe('reconcile function', () => {
  it('runs on a schedule that is off unless enabled, with its own settings', () => {
    // Prepare
    const rules = resourcesOfType(template, 'AWS::Events::Rule');

    // Act
    const env = functionEnv(template, 'ReconcileLambdaFunction');

    // Assess
    expect(rules).toHaveLength(1);
    expect(rules[0]?.[1].Properties).toMatchObject({
      ScheduleExpression: 'rate(1 hour)',
      State: 'DISABLED',
      Targets: [{ Arn: { 'Fn::GetAtt': ['ReconcileLambdaFunction', 'Arn'] } }],
    });
    expect(env).toMatchObject({
      REQUESTS_QUEUE_URL: { Ref: 'RequestsQueue' },
      RESULTS_QUEUE_URL: { Ref: 'ResultsQueue' },
      MAX_PRUNE_PER_RUN: '5',
    });
  });
});

describe('least privilege', () => {
  const roles = ['AuthorizeRole', 'ReconcileRole'];
  const grantsTo = (roleId: string, action: string): Granted[] =>
    grantsOf(template, roleId).filter(
      ({ statement }) => statement.Effect === 'Allow' && list(statement.Action).includes(action),
    );

  it('gives each function its own role and creates no shared one', () => {
    // Prepare
    const roleOf = (id: string) => resource(template, id).Properties.Role;

    // Act
    const allRoles = resourcesOfType(template, 'AWS::IAM::Role').map(([id]) => id);

    // Assess
    expect(roleOf('AuthorizeLambdaFunction')).toEqual({ 'Fn::GetAtt': ['AuthorizeRole', 'Arn'] });
    expect(roleOf('ReconcileLambdaFunction')).toEqual({ 'Fn::GetAtt': ['ReconcileRole', 'Arn'] });
    expect(allRoles.sort()).toEqual(roles);
  });

  it('never grants a Redshift write action on *', () => {
    // Prepare
    const grants = roles.flatMap((roleId) => grantsOf(template, roleId));

    // Act
    const writesOnStar = grants.filter(
      ({ statement }) =>
        statement.Effect === 'Allow' &&
        list(statement.Action).some(
          (action) => action.startsWith('redshift:') && !/^redshift:Describe/.test(action),
        ) &&
        list(statement.Resource).includes('*'),
    );

    // Assess
    expect(writesOnStar).toEqual([]);
  });

  it('allows Authorize/Revoke only on the ARNs of the allowed groups, and only to authorize', () => {
    // Prepare
    const allowedGroups = String(functionEnv(template, 'AuthorizeLambdaFunction').ALLOWED_GROUPS);

    // Act
    const [authorize, ...others] = grantsTo('AuthorizeRole', 'redshift:AuthorizeClusterSecurityGroupIngress');

    // Assess
    expect(others).toEqual([]);
    expect(list(authorize?.statement.Action).sort()).toEqual([
      'redshift:AuthorizeClusterSecurityGroupIngress',
      'redshift:RevokeClusterSecurityGroupIngress',
    ]);
    expect(authorize?.statement.Resource).toEqual(expectedRedshiftArns(allowedGroups));
    expect(grantsTo('ReconcileRole', 'redshift:AuthorizeClusterSecurityGroupIngress')).toEqual([]);
    expect(grantsTo('ReconcileRole', 'redshift:RevokeClusterSecurityGroupIngress')).toEqual([]);
  });

  it('lets authorize send only to the results queue, reconcile to the requests and results queues', () => {
    // Prepare
    const sendTargets = (roleId: string) =>
      grantsTo(roleId, 'sqs:SendMessage').flatMap(({ statement }) => list(statement.Resource));

    // Act
    const authorize = sendTargets('AuthorizeRole');
    const reconcile = sendTargets('ReconcileRole');

    // Assess
    expect(authorize).toEqual([{ 'Fn::GetAtt': ['ResultsQueue', 'Arn'] }]);
    expect(reconcile).toEqual([
      { 'Fn::GetAtt': ['RequestsQueue', 'Arn'] },
      { 'Fn::GetAtt': ['ResultsQueue', 'Arn'] },
    ]);
  });

  it('lets authorize consume and delay only the requests queue', () => {
    // Act
    const [consume, ...others] = grantsTo('AuthorizeRole', 'sqs:ChangeMessageVisibility');

    // Assess
    expect(others).toEqual([]);
    expect(consume?.statement.Resource).toEqual({ 'Fn::GetAtt': ['RequestsQueue', 'Arn'] });
    expect(list(consume?.statement.Action).sort()).toEqual([
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:ReceiveMessage',
    ]);
  });

  it('lets the authorize function answer task tokens in every deployment, and only it', () => {
    // Prepare
    const statesOf = (roleId: string) =>
      grantsOf(template, roleId).filter(({ statement }) =>
        list(statement.Action).some((a) => a.startsWith('states:')),
      );

    // Act
    const authorize = statesOf('AuthorizeRole');
    const reconcile = statesOf('ReconcileRole');

    // Assess: no condition, so a default deployment answers a request's taskToken.
    expect(authorize).toHaveLength(1);
    expect(authorize[0]?.condition).toBeUndefined();
    expect(authorize[0]?.statement.Effect).toBe('Allow');
    expect(list(authorize[0]?.statement.Action).sort()).toEqual([
      'states:SendTaskFailure',
      'states:SendTaskSuccess',
    ]);
    expect(reconcile).toEqual([]);
    expect(Object.keys(template.Conditions)).not.toContain('TaskTokensEnabled');
  });

  it('uses * only for actions without resource-level permissions', () => {
    // Prepare
    const grants = roles.flatMap((roleId) => grantsOf(template, roleId));

    // Act
    const onStar = grants
      .filter(({ statement }) => statement.Effect === 'Allow' && list(statement.Resource).includes('*'))
      .flatMap(({ statement }) => list(statement.Action));

    // Assess
    expect(onStar.sort()).toEqual([
      'ec2:DescribeSecurityGroupRules',
      'ec2:DescribeSecurityGroups',
      'ec2:DescribeSecurityGroups',
      'redshift:DescribeClusterSecurityGroups',
      'states:SendTaskFailure',
      'states:SendTaskSuccess',
    ]);
  });

  it('allows EC2 authorize and revoke only on security groups tagged redshift-ingress:managed=true, and only to authorize', () => {
    // Act
    const [change, ...others] = grantsTo('AuthorizeRole', 'ec2:RevokeSecurityGroupIngress');

    // Assess
    expect(others).toEqual([]);
    expect(change?.condition).toBe('HasVpcTargets');
    expect(change?.statement).toEqual({
      Sid: 'ChangeVpcSecurityGroups',
      Effect: 'Allow',
      Action: ['ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupIngress'],
      Resource: { 'Fn::Sub': `${accountArn('ec2')}:security-group/*` },
      Condition: { StringEquals: { 'aws:ResourceTag/redshift-ingress:managed': 'true' } },
    });
    // The rule an authorize creates is a resource of its own; which group it goes on is held above.
    expect(
      grantsTo('AuthorizeRole', 'ec2:AuthorizeSecurityGroupIngress').map(
        ({ statement }) => statement.Resource,
      ),
    ).toEqual([
      { 'Fn::Sub': `${accountArn('ec2')}:security-group/*` },
      { 'Fn::Sub': `${accountArn('ec2')}:security-group-rule/*` },
    ]);
    // The reconciler never authorizes (missing rules are requests); it revokes only to prune (below).
    for (const action of ['ec2:AuthorizeSecurityGroupIngress', 'ec2:CreateTags']) {
      expect(grantsTo('ReconcileRole', action)).toEqual([]);
    }
  });

  it('lets the reconciler prune by revoking only, on the groups the authorize function may change, and read them', () => {
    // Act
    const [prune, ...others] = grantsTo('ReconcileRole', 'ec2:RevokeSecurityGroupIngress');
    const [read] = grantsTo('ReconcileRole', 'ec2:DescribeSecurityGroupRules');
    const [clusters] = grantsTo('ReconcileRole', 'redshift:DescribeClusters');
    const [authorizeClusters] = grantsTo('AuthorizeRole', 'redshift:DescribeClusters');

    // Assess
    expect(others).toEqual([]);
    expect(prune?.condition).toBe('HasVpcTargets');
    expect(prune?.statement).toEqual({
      Sid: 'PruneManagedVpcRules',
      Effect: 'Allow',
      Action: 'ec2:RevokeSecurityGroupIngress',
      Resource: { 'Fn::Sub': `${accountArn('ec2')}:security-group/*` },
      Condition: { StringEquals: { 'aws:ResourceTag/redshift-ingress:managed': 'true' } },
    });
    expect(list(read?.statement.Action).sort()).toEqual([
      'ec2:DescribeSecurityGroupRules',
      'ec2:DescribeSecurityGroups',
    ]);
    expect(clusters?.statement.Resource).toEqual(authorizeClusters?.statement.Resource);
    expect(grantsTo('ReconcileRole', 'redshift-serverless:GetWorkgroup')).toHaveLength(1);
  });

  it("lets tags be created only on the security group rules an authorize creates, with the service's two keys", () => {
    // Act
    const [tags, ...others] = grantsTo('AuthorizeRole', 'ec2:CreateTags');

    // Assess
    expect(others).toEqual([]);
    expect(tags?.condition).toBe('HasVpcTargets');
    expect(tags?.statement).toEqual({
      Sid: 'TagNewVpcSecurityGroupRules',
      Effect: 'Allow',
      Action: 'ec2:CreateTags',
      Resource: { 'Fn::Sub': `${accountArn('ec2')}:security-group-rule/*` },
      Condition: {
        StringEquals: { 'ec2:CreateAction': 'AuthorizeSecurityGroupIngress' },
        'ForAllValues:StringEquals': {
          'aws:TagKeys': ['redshift-ingress:managed', 'redshift-ingress:request-id'],
        },
      },
    });
  });

  it('reads the allowed clusters by ARN, workgroups and security group tags where no narrower form exists', () => {
    // Act
    const [clusters] = grantsTo('AuthorizeRole', 'redshift:DescribeClusters');
    const [workgroups] = grantsTo('AuthorizeRole', 'redshift-serverless:GetWorkgroup');
    const [groups] = grantsTo('AuthorizeRole', 'ec2:DescribeSecurityGroups');

    // Assess
    expect(clusters).toEqual({
      condition: 'HasAllowedClusters',
      statement: {
        Sid: 'ReadAllowedClusters',
        Effect: 'Allow',
        Action: 'redshift:DescribeClusters',
        Resource: [{ 'Fn::Sub': `${accountArn('redshift')}:cluster:analytics-*` }],
      },
    });
    expect(workgroups).toEqual({
      condition: 'HasAllowedWorkgroups',
      statement: {
        Sid: 'ReadWorkgroups',
        Effect: 'Allow',
        Action: 'redshift-serverless:GetWorkgroup',
        Resource: { 'Fn::Sub': `${accountArn('redshift-serverless')}:workgroup/*` },
      },
    });
    expect(groups?.condition).toBe('HasVpcTargets');
    expect(groups?.statement).toMatchObject({ Action: 'ec2:DescribeSecurityGroups', Resource: '*' });
    expect(template.Conditions).toMatchObject({
      HasAllowedGroups: { 'Fn::Equals': ['true', 'true'] },
      HasAllowedClusters: { 'Fn::Equals': ['true', 'true'] },
      HasAllowedWorkgroups: { 'Fn::Equals': ['true', 'true'] },
      HasVpcTargets: { 'Fn::Equals': ['true', 'true'] },
    });
  });

  it('lets each function write only its own log group', () => {
    // Prepare
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax, not JavaScript's
    const logGroups = 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda';

    // Act
    const logs = roles.map((roleId) => grantsTo(roleId, 'logs:PutLogEvents')[0]?.statement.Resource);

    // Assess
    expect(logs).toEqual([
      { 'Fn::Sub': `${logGroups}/redshift-ingress-ci-authorize:*` },
      { 'Fn::Sub': `${logGroups}/redshift-ingress-ci-reconcile:*` },
    ]);
  });
});

describe('operations', () => {
  it('sets a retention on every log group', () => {
    // Act
    const groups = resourcesOfType(template, 'AWS::Logs::LogGroup');

    // Assess
    expect(groups.map(([id]) => id).sort()).toEqual(['AuthorizeLogGroup', 'ReconcileLogGroup']);
    for (const [, group] of groups) expect(group.Properties.RetentionInDays).toBe(30);
  });

  it('alarms when a dead-letter queue holds a message and when authorize fails', () => {
    // Prepare
    const alarms = Object.fromEntries(resourcesOfType(template, 'AWS::CloudWatch::Alarm'));
    const above0 = { Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' };

    // Assess
    expect(alarms.RequestsDlqAlarm?.Properties).toMatchObject({
      ...above0,
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['RequestsDlq', 'QueueName'] } }],
    });
    expect(alarms.ResultsDlqAlarm?.Properties).toMatchObject({
      ...above0,
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['ResultsDlq', 'QueueName'] } }],
    });
    expect(alarms.AuthorizeErrorsAlarm?.Properties).toMatchObject({
      ...above0,
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: 'AuthorizeLambdaFunction' } }],
    });
    expect(template.Conditions.HasAlarmTopic).toEqual({ 'Fn::Equals': ['false', 'true'] });
    for (const alarm of Object.values(alarms)) {
      expect(alarm.Properties.AlarmActions).toEqual({
        'Fn::If': ['HasAlarmTopic', expect.any(Array), { Ref: 'AWS::NoValue' }],
      });
    }
  });

  it('outputs the URL and ARN of the requests, dead-letter and results queues', () => {
    // Act
    const { Outputs } = template;

    // Assess
    expect(Outputs).toMatchObject({
      RequestsQueueUrl: { Value: { Ref: 'RequestsQueue' } },
      RequestsQueueArn: { Value: { 'Fn::GetAtt': ['RequestsQueue', 'Arn'] } },
      RequestsDlqUrl: { Value: { Ref: 'RequestsDlq' } },
      RequestsDlqArn: { Value: { 'Fn::GetAtt': ['RequestsDlq', 'Arn'] } },
      ResultsQueueUrl: { Value: { Ref: 'ResultsQueue' } },
      ResultsQueueArn: { Value: { 'Fn::GetAtt': ['ResultsQueue', 'Arn'] } },
    });
  });
});

describe('parameters', () => {
  it('feeds one maxReceiveCount to both the redrive policy and MAX_RECEIVE_COUNT; a topic turns alarm actions on', () => {
    // Prepare
    const topic = 'arn:aws:sns:us-east-1:123456789012:ops';

    // Act
    const { status, stdout, stderr } = printConfig(
      ...['--stage', 'ci', '--param', 'maxReceiveCount=7', '--param', `alarmTopicArn=${topic}`],
    );

    // Assess
    expect(status, stderr).toBe(0);
    const config = JSON.parse(stdout) as {
      provider: { environment: Record<string, unknown> };
      resources: {
        Conditions: Record<string, unknown>;
        Resources: {
          RequestsQueue: { Properties: { RedrivePolicy: Json } };
          RequestsDlqAlarm: { Properties: Json };
        };
      };
    };
    expect(Number(config.provider.environment.MAX_RECEIVE_COUNT)).toBe(7);
    expect(config.resources.Resources.RequestsQueue.Properties.RedrivePolicy.maxReceiveCount).toBe(7);
    expect(config.resources.Conditions.HasAlarmTopic).toEqual({ 'Fn::Equals': ['true', 'true'] });
    expect(config.resources.Resources.RequestsDlqAlarm.Properties.AlarmActions).toEqual({
      'Fn::If': ['HasAlarmTopic', [topic], { Ref: 'AWS::NoValue' }],
    });
  });

  it('refuses the removed taskTokens switch when it asks for callbacks off', () => {
    // Act
    const { status, stdout, stderr } = printConfig('--stage', 'ci', '--param', 'taskTokens=false');

    // Assess
    expect(status).not.toBe(0);
    expect(stdout + stderr).toMatch(
      /taskTokens: no longer a parameter: every request that carries a taskToken is answered; remove it \(got "false"\)/,
    );
  });

  it('refuses a stage without a target allowlist and names every bad parameter', () => {
    // Act
    const { status, stdout, stderr } = printConfig(
      ...['--stage', 'prod', '--param', 'minCidrPrefix=40', '--param', 'minCidrPrefixV6=200'],
      ...['--param', 'changeableSecurityGroupIds=web', '--param', 'allowedPrefixListIds=prefix'],
    );

    // Assess
    expect(status).not.toBe(0);
    expect(stdout + stderr).toMatch(
      /allowedGroups: is required unless allowedClusters, allowedWorkgroups or allowedSecurityGroupIds is set/,
    );
    expect(stdout + stderr).toMatch(/minCidrPrefix: must be a whole number from 0 to 32, got "40"/);
    expect(stdout + stderr).toMatch(/minCidrPrefixV6: must be a whole number from 0 to 128, got "200"/);
    expect(stdout + stderr).toMatch(/changeableSecurityGroupIds: must be security group ids .*: web/);
    expect(stdout + stderr).toMatch(/allowedPrefixListIds: must be prefix list ids .*: prefix/);
  });

  it('deploys a VPC-only stage: no cluster security group grant, EC2 only on the changeable groups given', () => {
    // Act
    const { status, stdout, stderr } = printConfig(
      ...['--stage', 'prod', '--param', 'allowedClusters=analytics-prod'],
      ...['--param', 'changeableSecurityGroupIds=sg-0aaa1111,sg-0123456789abcdef0'],
    );

    // Assess
    expect(status, stderr).toBe(0);
    const config = JSON.parse(stdout) as {
      provider: { environment: Record<string, unknown> };
      resources: { Conditions: Record<string, unknown>; Resources: Record<string, Resource> };
    };
    expect(config.provider.environment).toMatchObject({
      ALLOWED_GROUPS: '',
      ALLOWED_CLUSTERS: 'analytics-prod',
    });
    expect(config.resources.Conditions).toMatchObject({
      HasAllowedGroups: { 'Fn::Equals': ['false', 'true'] },
      HasAllowedClusters: { 'Fn::Equals': ['true', 'true'] },
      HasAllowedWorkgroups: { 'Fn::Equals': ['false', 'true'] },
      HasVpcTargets: { 'Fn::Equals': ['true', 'true'] },
    });
    const grants = grantsOf(config.resources as unknown as Template, 'AuthorizeRole');
    const change = grants.find(({ statement }) => statement.Sid === 'ChangeVpcSecurityGroups');
    expect(change?.statement.Resource).toEqual([
      { 'Fn::Sub': `${accountArn('ec2')}:security-group/sg-0aaa1111` },
      { 'Fn::Sub': `${accountArn('ec2')}:security-group/sg-0123456789abcdef0` },
    ]);
    expect(change?.statement.Condition).toBeUndefined();
    expect(grants.find(({ statement }) => statement.Sid === 'ChangeAllowedGroups')?.condition).toBe(
      'HasAllowedGroups',
    );
  });
});
