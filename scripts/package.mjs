#!/usr/bin/env node
// Packages the service without touching AWS: `.serverless/` receives the CloudFormation template and one
// zip per function. `osls package` makes no AWS call, and the dummy credentials make sure it cannot use
// real ones. Extra arguments go to osls, e.g. `npm run package -- --stage prod --param allowedGroups=a-*`.
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const osls = join(dirname(require.resolve('osls/package.json')), 'bin', 'serverless.js');
const args = process.argv.slice(2);
if (!args.some((arg) => arg === '--stage' || arg.startsWith('--stage=') || arg === '-s')) {
  args.push('--stage', 'ci');
}

const env = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
  // A deprecated setting fails the package (and CI) instead of scrolling by as a warning.
  SLS_DEPRECATION_NOTIFICATION_MODE: 'error',
};
for (const name of ['AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_DEFAULT_PROFILE']) delete env[name];

const started = performance.now();
const { status, error, pid } = spawnSync(process.execPath, [osls, 'package', ...args], {
  env,
  stdio: 'inherit',
});
removeZipScratch(pid);
if (error) throw error;
if (status === 0) console.log(`Packaged in ${((performance.now() - started) / 1000).toFixed(1)} s`);
process.exit(status ?? 1);

/**
 * serverless-esbuild copies each function's files to `<tmpdir>/<zip name>-<pid>-<time>-<hex>` to zip them
 * and does not delete the folder afterwards (its remove, without `recursive`, fails on the non-empty folder
 * and the failure is ignored):
 * two folders per package. Removes the ones the osls process of this run (`pid`) left.
 *
 * @param {number | undefined} pid
 */
function removeZipScratch(pid) {
  if (pid === undefined) return;
  const left = new RegExp(`^[\\w.-]+-${pid}-\\d+-[0-9a-f]{8}$`);
  for (const name of readdirSync(tmpdir())) {
    if (left.test(name)) rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
}
