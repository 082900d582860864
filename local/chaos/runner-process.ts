/**
 * One execution environment of the authorize function as a process of its own: the local event
 * source runner and the real handler, polling the queues at --endpoint until the process ends.
 * A test kills it mid-batch (SIGKILL, no clean-up) and starts another, as Lambda replaces a crashed
 * environment. Prints `ready` once polling, then one JSON line per invocation.
 *
 * The handler's settings (ALLOWED_GROUPS, RETRY_BASE_SECONDS, ...) come from this process's environment.
 */
import { parseArgs } from 'node:util';
import { startLocalService } from '../service.js';

const { values: args } = parseArgs({
  options: {
    endpoint: { type: 'string' },
    prefix: { type: 'string', default: 'redshift-ingress-local' },
    'max-receive-count': { type: 'string', default: '5' },
    'visibility-timeout': { type: 'string', default: '30' },
  },
});

/** Reads a whole-number option, exiting with a message naming it when it is not one. */
function wholeNumber(name: string, value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < 1) {
    console.error(`--${name}: must be a whole number >= 1, got "${value}"`);
    process.exit(2);
  }
  return number;
}

if (args.endpoint === undefined) {
  console.error('--endpoint: is required (the AWS endpoint whose queues to poll)');
  process.exit(2);
}
// A bad setting stops the runner before it polls, with the message naming every bad variable.
const service = await startLocalService({
  endpoint: args.endpoint,
  queues: {
    prefix: args.prefix,
    maxReceiveCount: wholeNumber('max-receive-count', args['max-receive-count']),
    visibilityTimeoutSeconds: wholeNumber('visibility-timeout', args['visibility-timeout']),
  },
  eventSource: {
    waitTimeSeconds: 1,
    onInvoke: (report) =>
      console.log(
        JSON.stringify({
          invocation: report.outcome,
          records: report.records.length,
          deleted: report.deleted,
        }),
      ),
    onError: (error) => console.error(`poller: ${(error as Error).message}`),
  },
}).catch((error: unknown) => {
  console.error(`runner could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
console.log('ready');

const stop = async (): Promise<void> => {
  await service.stop();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
