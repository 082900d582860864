// A local osls plugin (listed in serverless.yml's `plugins:`) that compiles the desired state before the
// functions are bundled: the user's document (`custom.desiredState.source`, the desiredStatePath parameter,
// YAML or JSON) is validated and written as JSON to `custom.desiredState.output`, which the reconcile
// function packages and reads through DESIRED_STATE_PATH. The function's bundle then needs no YAML parser,
// and an invalid document fails `osls package` / `osls deploy` with `file:line: field: reason` problems
// instead of failing the function's cold start.
//
// Hooks: the compilation runs at `after:package:initialize` (package, and deploy, which packages first),
// `before:deploy:function:initialize` (`deploy function -f reconcile`) and `before:invoke:local:loadEnvVars`
// (`invoke local -f reconcile`), lifecycle events earlier than the ones serverless-esbuild bundles in
// (`before:package:createDeploymentArtifacts`, `before:deploy:function:packageFunction`,
// `before:invoke:local:invoke`), whatever the order of the `plugins:` list.
//
// The validation is the domain's own (src/domain/desired-state-yaml.ts), loaded with tsx, a devDependency
// that `npm ci` installs along with osls itself.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';

/**
 * @typedef {object} DesiredStateSettings
 * @property {string} source the user's document (YAML or JSON), relative to the service directory
 * @property {string} output the compiled JSON, relative to the service directory and to the task root
 * @property {string} function the function that reads it through DESIRED_STATE_PATH
 */

/** The schema of `custom.desiredState`, so that osls (configValidationMode: error) checks it. */
const SETTINGS_SCHEMA = {
  type: 'object',
  properties: {
    source: { type: 'string', minLength: 1 },
    output: { type: 'string', minLength: 1 },
    function: { type: 'string', minLength: 1 },
  },
  required: ['source', 'output', 'function'],
  additionalProperties: false,
};

/**
 * The domain's compiler, loaded once per process from the TypeScript sources.
 *
 * @returns {Promise<(text: string, source: string) => string>}
 */
async function loadCompiler() {
  const { tsImport } = await import('tsx/esm/api');
  const module = await tsImport('../src/domain/desired-state-yaml.ts', import.meta.url);
  return module.compileDesiredState;
}

/** Compiles the desired state before the functions are packaged; see the header of this file. */
export default class DesiredStatePlugin {
  /**
   * @param {any} serverless the osls instance
   * @param {Record<string, unknown>} options the command's options (`function` for `deploy function`)
   * @param {{ log?: { verbose: (message: string) => void } }} [utils]
   * @param {{ compile?: (text: string, source: string) => string }} [overrides] for tests
   */
  constructor(serverless, options, utils = {}, overrides = {}) {
    this.serverless = serverless;
    this.options = options ?? {};
    this.log = utils.log;
    this.loadCompiler = overrides.compile ? async () => overrides.compile : loadCompiler;
    serverless.configSchemaHandler?.defineCustomProperties({
      properties: { desiredState: SETTINGS_SCHEMA },
    });
    this.hooks = {
      'after:package:initialize': () => this.compile(),
      'before:deploy:function:initialize': () => this.compileFor(this.options.function),
      'before:invoke:local:loadEnvVars': () => this.compileFor(this.options.function),
    };
  }

  /** Compiles when the function being deployed alone is the one that reads the desired state. */
  async compileFor(functionName) {
    if (functionName === this.settings().function) await this.compile();
  }

  /**
   * Validates the source, writes the JSON and checks that the function packages it and is pointed at it.
   *
   * @returns {Promise<string>} the absolute path of the JSON written
   */
  async compile() {
    const { source, output, function: name } = this.settings();
    const serviceDir = this.serverless.serviceDir ?? process.cwd();
    this.checkFunction(name, output);

    const sourcePath = resolve(serviceDir, source);
    const shown = isAbsolute(source) ? source : relative(serviceDir, sourcePath);
    let text;
    try {
      text = readFileSync(sourcePath, 'utf8');
    } catch (error) {
      throw this.error(
        `desiredStatePath: cannot read the desired state "${shown}" (${error.code ?? error.message})`,
      );
    }
    const compile = await this.loadCompiler();
    let json;
    try {
      json = compile(text, shown);
    } catch (error) {
      if (error?.name === 'DesiredStateError') throw this.error(error.message);
      throw error;
    }

    // Written whole or not at all: a command that fails here leaves the previous file as it was, and a
    // concurrent package never bundles half a file.
    const outputPath = resolve(serviceDir, output);
    mkdirSync(dirname(outputPath), { recursive: true });
    const partial = `${outputPath}.${process.pid}.tmp`;
    try {
      writeFileSync(partial, json);
      renameSync(partial, outputPath);
    } finally {
      rmSync(partial, { force: true });
    }
    this.log?.verbose(`desired state ${shown} compiled to ${output}`);
    return outputPath;
  }

  /** @returns {DesiredStateSettings} */
  settings() {
    const settings = this.serverless.service.custom?.desiredState;
    if (!settings?.source || !settings.output || !settings.function) {
      throw this.error('custom.desiredState: must give source, output and function');
    }
    return settings;
  }

  /** The function must package the output and read it: a mismatch would ship a function without its state. */
  checkFunction(name, output) {
    const fn = this.serverless.service.functions?.[name];
    if (!fn) throw this.error(`custom.desiredState.function: no function "${name}" in serverless.yml`);
    if (fn.environment?.DESIRED_STATE_PATH !== output) {
      throw this.error(
        `functions.${name}.environment.DESIRED_STATE_PATH: must be custom.desiredState.output ("${output}"), got "${fn.environment?.DESIRED_STATE_PATH ?? ''}"`,
      );
    }
    if (!(fn.package?.patterns ?? []).includes(output)) {
      throw this.error(
        `functions.${name}.package.patterns: must include custom.desiredState.output ("${output}")`,
      );
    }
  }

  /** An error osls shows as its message alone, without a stack: the problems are the whole story. */
  error(message) {
    const UserError = this.serverless.classes?.Error;
    if (UserError) return new UserError(message, 'INVALID_DESIRED_STATE');
    const error = new Error(message);
    error.stack = message;
    return error;
  }
}
