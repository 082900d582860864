/**
 * `npm run chaos`: runs the real handler on the embedded local stack under injected faults, checks
 * every guarantee and prints the figures. Exits 1 on any violation, printing the seed to replay it.
 */
import { parseArgs } from 'node:util';
import { formatChaosReport } from './format-report.js';
import { runChaos } from './run-chaos.js';

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '42' },
    fifo: { type: 'boolean', default: false },
    waves: { type: 'string' },
    groups: { type: 'string' },
    'max-receive-count': { type: 'string' },
    'visibility-timeout': { type: 'string' },
    'retry-base-seconds': { type: 'string' },
    'drop-rate': { type: 'string' },
    'redshift-error-rate': { type: 'string' },
    'no-outage': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (args.help) {
  console.log(`Usage: npm run chaos -- [--requests 10000] [--seed 42] [--fifo] [--waves 5] [--groups N]
       [--max-receive-count 4] [--visibility-timeout 2] [--retry-base-seconds 1]
       [--drop-rate 0.03] [--redshift-error-rate 0.15] [--no-outage] [--json]

Sends a seeded workload (duplicates, revokes, invalid bodies, policy refusals, over-quota groups)
through the real handler on the embedded emulator while it injects Redshift throttling, 5xx and
lost answers, SendMessageBatch errors and Failed[] entries, latency and dropped batches. Then checks
that every request has an outcome, none is lost, the DLQ holds only exhausted requests with a
failed outcome, invalid bodies never reach Redshift, and each group ends with the rules the last
request in send order asked for. --fifo uses FIFO queues with MessageGroupId = group.
After the waves, the ordering probe: an authorize whose first batch is lost after its outcome was
published, then its revoke sent by a producer that waited for that outcome. With --fifo the revoke
must run after the authorize's redelivery (a violation otherwise); on standard queues the report
says which ran first and whether the rule remains (it does: a standard queue gives no order).`);
  process.exit(0);
}

/** Reads a numeric option, naming it when it is not a number. */
function numberOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number)) {
    console.error(`--${name}: must be a number, got "${value}"`);
    process.exit(2);
  }
  return number;
}

const seed = numberOption('seed', args.seed) as number;
const waves = numberOption('waves', args.waves);
const groups = numberOption('groups', args.groups);
const maxReceiveCount = numberOption('max-receive-count', args['max-receive-count']);
const visibilityTimeoutSeconds = numberOption('visibility-timeout', args['visibility-timeout']);
const retryBaseSeconds = numberOption('retry-base-seconds', args['retry-base-seconds']);
const dropRate = numberOption('drop-rate', args['drop-rate']);
const redshiftErrorRate = numberOption('redshift-error-rate', args['redshift-error-rate']);

try {
  const report = await runChaos({
    requests: numberOption('requests', args.requests) as number,
    seed,
    fifo: args.fifo,
    ...(waves !== undefined && { waves }),
    ...(groups !== undefined && { groups }),
    ...(maxReceiveCount !== undefined && { maxReceiveCount }),
    ...(visibilityTimeoutSeconds !== undefined && { visibilityTimeoutSeconds }),
    ...(retryBaseSeconds !== undefined && {
      retryBaseSeconds,
      retryMaxSeconds: Math.max(retryBaseSeconds, 4 * retryBaseSeconds),
    }),
    faults: {
      ...(dropRate !== undefined && { dropRate }),
      ...(redshiftErrorRate !== undefined && { redshiftErrorRate }),
      ...(args['no-outage'] && { outage: false }),
    },
    progress: args.json ? undefined : (line) => console.error(line),
  });
  console.log(args.json ? JSON.stringify(report, null, 2) : formatChaosReport(report));
  if (!report.ok) {
    console.error(`chaos run found ${report.violations.length} violations; replay with --seed ${seed}`);
    process.exit(1);
  }
} catch (error) {
  console.error(`chaos run could not complete (seed ${seed}): ${(error as Error).message}`);
  process.exit(2);
}
