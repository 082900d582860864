/**
 * `npm start`: the whole service on this machine. Starts the embedded emulator (or uses
 * `--endpoint` / AWS_ENDPOINT_URL), creates the queues and demo groups, runs the real handlers,
 * submits the example requests and prints every outcome as it arrives. Ctrl-C stops it.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_DESIRED_STATE } from '../cli/default-desired-state.js';
import { DesiredStateError } from '../src/domain/desired-state.js';
import { ConfigurationError } from '../src/domain/errors.js';
import { chooseEndpoint, type LocalRun, LocalStartError, runLocal } from './run-local.js';
import { PortInUseError } from './service.js';

// The SDK warns once that its 2027 releases need Node 22; Lambda runs nodejs22.x and locally the pinned SDK works on 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const USAGE = `Usage: npm start -- [--endpoint URL | --port 4566] [--no-examples] [--no-outcomes] [--fifo] [--reconcile-every SECONDS]

Runs redshift-ingress locally: the embedded AWS emulator on 127.0.0.1 (or the endpoint given by
--endpoint or AWS_ENDPOINT_URL), the requests/results queues, demo cluster security groups, a demo
VPC cluster and Serverless workgroup (embedded emulator only) and the real handlers. Submits
examples/requests/*.json (versions 1 and 2) and prints each outcome. Ctrl-C stops it.
  --port N              the embedded emulator's port (default 4566; 0: any free port)
  --endpoint URL        use this endpoint (LocalStack, another emulator) instead of the emulator
  --no-examples         do not submit the example requests
  --no-outcomes         leave outcomes on the results queue for submit --wait and results
  --fifo                FIFO queues (names ending in .fifo), message group = the request's target,
                        as the fifoRequests=true deployment
  --reconcile-every N   run the reconciler every N seconds (default 60; 0: never)
The reconciler reads DESIRED_STATE_PATH (YAML or JSON, default ${DEFAULT_DESIRED_STATE}), compiled
to a temporary JSON file as \`osls package\` compiles it for the deployed function.
MAX_RECEIVE_COUNT and REQUESTS_VISIBILITY_TIMEOUT set the requests queue's redrive count and
visibility timeout (default: an existing queue's own, else 5 and 30 s).`;

let args: ReturnType<typeof parse>;
const parse = () =>
  parseArgs({
    options: {
      endpoint: { type: 'string' },
      port: { type: 'string' },
      'no-examples': { type: 'boolean', default: false },
      'no-outcomes': { type: 'boolean', default: false },
      fifo: { type: 'boolean', default: false },
      'reconcile-every': { type: 'string', default: '60' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }).values;
try {
  args = parse();
} catch (error) {
  console.error(`${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
for (const [flag, value] of [
  ['--port', args.port],
  ['--reconcile-every', args['reconcile-every']],
] as const) {
  if (value !== undefined && !/^\d+$/.test(value)) {
    console.error(`${flag}: expected a whole number, got "${value}"`);
    process.exit(2);
  }
}

// `npm start | tee log` then Ctrl-C: the reader is gone before "stopping..." is written. A closed
// output must not crash the stop, which still closes the emulator and deletes the compiled desired state.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
    void stop();
  });
}

let run: LocalRun | undefined;
let stopRequested = false;
let stopping = false;
/**
 * Stops once, whether asked by Ctrl-C, SIGTERM or a closed output. Under `npm start` one Ctrl-C can
 * arrive twice (from the terminal, and relayed by tsx), so a repeat is not taken as "exit at once";
 * while still starting, the stop waits for the start, unless asked again (a start that hangs).
 */
async function stop(): Promise<void> {
  if (run === undefined) {
    if (stopRequested) process.exit(130);
    stopRequested = true;
    return;
  }
  if (stopping) return;
  stopping = true;
  await run.stop();
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());

try {
  const target = chooseEndpoint({
    ...(args.endpoint !== undefined && { endpoint: args.endpoint }),
    ...(args.port !== undefined && { port: Number(args.port) }),
    ...(process.env.AWS_ENDPOINT_URL !== undefined && { envEndpoint: process.env.AWS_ENDPOINT_URL }),
  });
  if (target.note !== undefined) console.error(target.note);
  const started = await runLocal({
    ...(target.endpoint !== undefined && { endpoint: target.endpoint }),
    port: target.port,
    examples: !args['no-examples'],
    printOutcomes: !args['no-outcomes'],
    fifo: args.fifo,
    reconcileEverySeconds: Number(args['reconcile-every']),
  });
  run = started;
  // Ctrl-C while starting: stop what started, now that it can be stopped.
  if (stopRequested) await stop();
} catch (error) {
  // An invalid desired state (DESIRED_STATE_PATH), a taken port or options that disagree stop the
  // start with their one message, as `osls package` stops on a bad document: a stack would hide it.
  if (
    error instanceof DesiredStateError ||
    error instanceof ConfigurationError ||
    error instanceof LocalStartError ||
    error instanceof PortInUseError
  ) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}
