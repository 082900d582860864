import { fork } from 'node:child_process';
import { bundleEntries, ROOT, readDeployedBuildOptions } from './bundle.js';
import { childEnv } from './cold-start.js';
import type { WorkerResult, WorkerTask } from './workers/run-worker.js';

/**
 * Runs a bundled worker in a fresh Node process (plain Node with `execArgv`, no loader) and resolves
 * to what it measured. Its stdout, where the handler logs, is discarded as Lambda's log pipe would take it.
 */
export function runWorkerProcess(
  bundleFile: string,
  task: WorkerTask,
  execArgv: readonly string[] = [],
): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const child = fork(bundleFile, [JSON.stringify(task)], {
      cwd: ROOT,
      env: childEnv(task.env),
      execArgv: [...execArgv],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    let result: WorkerResult | undefined;
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    child.on('message', (message) => {
      result = message as WorkerResult;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (result !== undefined && code === 0) resolve(result);
      else reject(new Error(`worker ${bundleFile} exited with ${signal ?? code} and no result: ${stderr}`));
    });
  });
}

/** The bundled workers, one per handler, built as the deployed bundles are. */
export interface WorkerBundles {
  readonly authorize: string;
  readonly baseline: string;
}

/** Bundles the workers with the deployed esbuild options, so they run the minified code Lambda runs. */
export async function bundleWorkers(outdir: string): Promise<WorkerBundles> {
  const built = await bundleEntries(
    { authorize: 'bench/workers/authorize-worker.ts', baseline: 'bench/workers/baseline-worker.ts' },
    outdir,
    readDeployedBuildOptions(),
  );
  return { authorize: built.authorize?.file as string, baseline: built.baseline?.file as string };
}
