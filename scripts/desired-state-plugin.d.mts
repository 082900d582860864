// Types of scripts/desired-state-plugin.mjs, for the tests that drive its hooks.

/** The part of an osls instance the plugin reads. */
export interface PluginServerless {
  readonly serviceDir?: string;
  readonly classes?: { readonly Error?: new (message: string, code?: string) => Error };
  readonly configSchemaHandler?: { defineCustomProperties(schema: unknown): void };
  readonly service: {
    readonly custom?: {
      readonly desiredState?: { readonly source: string; readonly output: string; readonly function: string };
    };
    readonly functions?: Readonly<
      Record<
        string,
        {
          readonly handler?: string;
          readonly environment?: Readonly<Record<string, string>>;
          readonly package?: { readonly patterns?: readonly string[] };
        }
      >
    >;
  };
}

/** Compiles the desired state before the functions are packaged (osls local plugin). */
export default class DesiredStatePlugin {
  constructor(
    serverless: PluginServerless,
    options?: Record<string, unknown>,
    utils?: { log?: { verbose(message: string): void } },
    overrides?: { compile?: (text: string, source: string) => string },
  );
  /** osls lifecycle hooks: `after:package:initialize`, `before:deploy:function:initialize`, `before:invoke:local:loadEnvVars`. */
  readonly hooks: Readonly<Record<string, () => Promise<void>>>;
  /** Validates the source and writes the JSON; resolves to the JSON's absolute path. */
  compile(): Promise<string>;
}
