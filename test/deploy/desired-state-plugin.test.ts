import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import DesiredStatePlugin from '../../scripts/desired-state-plugin.mjs';
import { compileDesiredState } from '../../src/domain/desired-state-yaml.js';

// The osls plugin that compiles the desired state at package time (scripts/desired-state-plugin.mjs): its
// hooks driven with a stand-in for osls (fast), and one real `osls package` of an invalid document in a
// service directory of its own (a package always empties the service's .serverless/, which
// template.test.ts reads).

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const OUTPUT = 'build/desired-state.json';
const VALID = 'version: 1\ngroups:\n  analytics-prod:\n    cidrIps: [203.0.113.0/24]\n';
const INVALID = 'version: 1\ngroups:\n  analytics-prod:\n    cidrIps:\n      - 203.0.113.5/24\n';
const HOST_BITS = 'groups.analytics-prod.cidrIps.0: has host bits set; the network is 203.0.113.0/24';

let directories: string[] = [];
afterEach(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  directories = [];
});

function serviceDir(files: Record<string, string> = {}): string {
  const directory = mkdtempSync(join(tmpdir(), 'desired-state-plugin-'));
  directories.push(directory);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(directory, name)), { recursive: true });
    writeFileSync(join(directory, name), text);
  }
  return directory;
}

class UserError extends Error {}

/** What the plugin reads of osls: the service directory, custom.desiredState and the functions. */
function fakeServerless(directory: string, overrides: { environment?: Record<string, string> } = {}) {
  const defined: unknown[] = [];
  return {
    defined,
    serverless: {
      serviceDir: directory,
      classes: { Error: UserError },
      configSchemaHandler: { defineCustomProperties: (schema: unknown) => defined.push(schema) },
      service: {
        custom: { desiredState: { source: 'desired-state.yaml', output: OUTPUT, function: 'reconcile' } },
        functions: {
          authorize: { handler: 'handlers/authorize.handler' },
          reconcile: {
            handler: 'handlers/reconcile.handler',
            environment: overrides.environment ?? { DESIRED_STATE_PATH: OUTPUT },
            package: { patterns: [OUTPUT] },
          },
        },
      },
    },
  };
}

function plugin(directory: string, options: Record<string, unknown> = {}, overrides = {}) {
  const fake = fakeServerless(directory, overrides);
  return { plugin: new DesiredStatePlugin(fake.serverless, options, {}), defined: fake.defined };
}

describe('desired-state plugin hooks', () => {
  it('compiles the source to the output before packaging, with the domain compiler loaded from TypeScript', async () => {
    // Prepare
    const directory = serviceDir({ 'desired-state.yaml': VALID });
    const { plugin: instance, defined } = plugin(directory);

    // Act
    await instance.hooks['after:package:initialize']?.();

    // Assess
    expect(readFileSync(join(directory, OUTPUT), 'utf8')).toBe(
      compileDesiredState(VALID, 'desired-state.yaml'),
    );
    expect(defined).toEqual([{ properties: { desiredState: expect.objectContaining({ type: 'object' }) } }]);
  }, 30_000);

  it('fails the command with file:line problems and leaves the previous output as it was', async () => {
    // Prepare
    const directory = serviceDir({ 'desired-state.yaml': INVALID, [OUTPUT]: '{"previous":true}\n' });
    const { plugin: instance } = plugin(directory);

    // Act
    const run = instance.hooks['after:package:initialize']?.();

    // Assess
    await expect(run).rejects.toThrow(UserError);
    await expect(run).rejects.toThrow(`desired-state.yaml:5:9: ${HOST_BITS}`);
    expect(readFileSync(join(directory, OUTPUT), 'utf8')).toBe('{"previous":true}\n');
  }, 30_000);

  it('names the parameter and the file when the source cannot be read', async () => {
    // Prepare
    const { plugin: instance } = plugin(serviceDir());

    // Act
    const run = instance.hooks['after:package:initialize']?.();

    // Assess
    await expect(run).rejects.toThrow(
      'desiredStatePath: cannot read the desired state "desired-state.yaml" (ENOENT)',
    );
  });

  it('compiles for `deploy function` of the reconcile function only', async () => {
    // Prepare
    const authorizeDir = serviceDir({ 'desired-state.yaml': INVALID });
    const reconcileDir = serviceDir({ 'desired-state.yaml': VALID });

    // Act
    await plugin(authorizeDir, { function: 'authorize' }).plugin.hooks[
      'before:deploy:function:initialize'
    ]?.();
    await plugin(reconcileDir, { function: 'reconcile' }).plugin.hooks[
      'before:deploy:function:initialize'
    ]?.();

    // Assess
    expect(existsSync(join(authorizeDir, OUTPUT))).toBe(false);
    expect(existsSync(join(reconcileDir, OUTPUT))).toBe(true);
  }, 30_000);

  it('refuses a function that would not read what is compiled', async () => {
    // Prepare
    const directory = serviceDir({ 'desired-state.yaml': VALID });
    const { plugin: instance } = plugin(
      directory,
      {},
      { environment: { DESIRED_STATE_PATH: 'desired-state.yaml' } },
    );

    // Act
    const run = instance.hooks['after:package:initialize']?.();

    // Assess
    await expect(run).rejects.toThrow(
      `functions.reconcile.environment.DESIRED_STATE_PATH: must be custom.desiredState.output ("${OUTPUT}"), got "desired-state.yaml"`,
    );
  });

  it('runs on lifecycle events before the ones serverless-esbuild bundles and zips in', async () => {
    // Prepare: osls runs a command's lifecycle events in order, each as before:, the event, after:.
    const require = createRequire(import.meta.url);
    const commands = require('osls/lib/cli/commands-schema/aws-service.js') as Map<
      string,
      { lifecycleEvents: string[] }
    >;
    const order = (command: string) =>
      (commands.get(command)?.lifecycleEvents ?? []).flatMap((event) => {
        const name = `${command.replace(' ', ':')}:${event}`;
        return [`before:${name}`, name, `after:${name}`];
      });
    const esbuild = Object.keys(
      new (require('serverless-esbuild') as new (...args: unknown[]) => { hooks: Record<string, unknown> })(
        {
          config: { serviceDir: root },
          configSchemaHandler: { defineFunctionProperties: () => {} },
          service: { provider: { name: 'aws' } },
          cli: { log: () => {} },
        },
        {},
        { log: { verbose: () => {}, debug: () => {}, warning: () => {}, error: () => {} } },
      ).hooks,
    );
    const ours = Object.keys(plugin(serviceDir()).plugin.hooks);

    // Act
    const first = (command: string, hooks: string[]) =>
      Math.min(...hooks.map((hook) => order(command).indexOf(hook)).filter((index) => index >= 0));

    // Assess
    expect(ours.sort()).toEqual([
      'after:package:initialize',
      'before:deploy:function:initialize',
      'before:invoke:local:loadEnvVars',
    ]);
    expect(esbuild).toContain('before:package:createDeploymentArtifacts');
    expect(esbuild).toContain('before:deploy:function:packageFunction');
    expect(first('package', ours)).toBeLessThan(first('package', esbuild));
    expect(first('deploy function', ours)).toBeLessThan(first('deploy function', esbuild));
    expect(esbuild).toContain('before:invoke:local:invoke');
    expect(first('invoke local', ours)).toBeLessThan(first('invoke local', esbuild));
  });
});

describe('osls package with an invalid desired state', () => {
  it('fails before anything is bundled, naming the file, line, field and reason', () => {
    // Prepare: a service directory of its own (osls empties <service>/.serverless first), sharing the code.
    const directory = serviceDir({ 'state/desired-state.yaml': INVALID });
    for (const file of ['serverless.yml', 'package.json', 'tsconfig.json']) {
      copyFileSync(join(root, file), join(directory, file));
    }
    for (const link of ['scripts', 'node_modules']) symlinkSync(join(root, link), join(directory, link));

    // Act
    const run = spawnSync(
      process.execPath,
      [
        join(root, 'node_modules', 'osls', 'bin', 'serverless.js'),
        'package',
        ...['--stage', 'ci', '--param', 'desiredStatePath=state/desired-state.yaml'],
      ],
      {
        cwd: directory,
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_REGION: 'us-east-1',
        },
        encoding: 'utf8',
        timeout: 120_000,
      },
    );

    // Assess
    expect(run.status).not.toBe(0);
    expect(run.stdout + run.stderr).toContain(`state/desired-state.yaml:5:9: ${HOST_BITS}`);
    expect(existsSync(join(directory, OUTPUT))).toBe(false);
    expect(existsSync(join(directory, '.esbuild'))).toBe(false);
  }, 120_000);
});
