import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readDeployedBuildOptions } from '../../bench/bundle.js';

let directory: string | undefined;

afterEach(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
  directory = undefined;
});

async function serverlessYml(text: string): Promise<string> {
  directory = await mkdtemp(join(tmpdir(), 'bench-options-'));
  const file = join(directory, 'serverless.yml');
  await writeFile(file, text);
  return file;
}

describe('readDeployedBuildOptions', () => {
  it('translates custom.esbuild as serverless-esbuild does', async () => {
    // Prepare
    const file = await serverlessYml(`
custom:
  esbuild:
    bundle: true
    minify: true
    format: esm
    target: node22
    outputFileExtension: .mjs
    exclude: []
    external: [pg-native]
    packager: npm
resources:
  Outputs:
    Url: { Value: !Ref Queue }
`);

    // Act
    const options = readDeployedBuildOptions(file);

    // Assess
    expect(options).toEqual({
      bundle: true,
      minify: true,
      format: 'esm',
      target: 'node22',
      platform: 'node',
      external: ['pg-native'],
      outExtension: { '.js': '.mjs' },
    });
  });

  it("applies the plugin's defaults where the service is silent", async () => {
    // Prepare
    const file = await serverlessYml('custom:\n  esbuild:\n    minify: true\n');

    // Act
    const options = readDeployedBuildOptions(file);

    // Assess
    expect(options).toEqual({
      bundle: true,
      minify: true,
      target: 'node18',
      platform: 'node',
      external: ['aws-sdk'],
    });
  });

  it('loads `plugins` from the file it names, relative to serverless.yml, as serverless-esbuild does', async () => {
    // Prepare
    const file = await serverlessYml(
      'custom:\n  esbuild:\n    splitting: true\n    plugins: ./plugins.cjs\n',
    );
    await writeFile(
      join(directory as string, 'plugins.cjs'),
      "module.exports = [{ name: 'from-file', setup() {} }];\n",
    );

    // Act
    const options = readDeployedBuildOptions(file);

    // Assess
    expect(options.splitting).toBe(true);
    expect(options.plugins?.map((plugin) => plugin.name)).toEqual(['from-file']);
  });

  it('names the file and the field when there is nothing to read', async () => {
    // Prepare
    const file = await serverlessYml('service: x\n');

    // Act
    const act = () => readDeployedBuildOptions(file);

    // Assess
    expect(act).toThrow(`${file}: custom.esbuild is missing; the benchmark bundles as it says`);
  });
});
