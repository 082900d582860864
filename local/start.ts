/**
 * `npm start`: the whole service on this machine. Starts the embedded emulator (or uses
 * `--endpoint` / AWS_ENDPOINT_URL), creates the queues and demo groups, runs the real handlers,
 * submits the example requests and prints every outcome as it arrives. Ctrl-C stops it.
 */
import { parseArgs } from 'node:util';
import { DesiredStateError } from '../src/domain/desired-state.js';
import { ConfigurationError } from '../src/domain/errors.js';
import { runLocal } from './run-local.js';

const { values: args } = parseArgs({
  options: {
    endpoint: { type: 'string' },
    port: { type: 'string', default: '4566' },
    'no-examples': { type: 'boolean', default: false },
    'reconcile-every': { type: 'string', default: '60' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log(`Usage: npm start -- [--endpoint URL] [--port 4566] [--no-examples] [--reconcile-every SECONDS]

Runs redshift-ingress locally: the embedded AWS emulator on 127.0.0.1 (or the endpoint given by
--endpoint or AWS_ENDPOINT_URL), the requests/results queues, demo cluster security groups and the
real handlers. Submits examples/requests/*.json and prints each outcome. Ctrl-C stops it.
The reconciler reads DESIRED_STATE_PATH (YAML or JSON, default examples/desired-state.yaml), compiled
to a temporary JSON file as \`osls package\` compiles it for the deployed function.`);
  process.exit(0);
}

const endpoint = args.endpoint ?? process.env.AWS_ENDPOINT_URL;
const run = await runLocal({
  ...(endpoint && { endpoint }),
  port: Number(args.port),
  examples: !args['no-examples'],
  reconcileEverySeconds: Number(args['reconcile-every']),
}).catch((error: unknown) => {
  // An invalid desired state (DESIRED_STATE_PATH) stops the start as it stops `osls package`: the message
  // names every problem with its line, and a stack would only hide it.
  if (error instanceof DesiredStateError || error instanceof ConfigurationError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
});

const stop = async (): Promise<void> => {
  await run.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
