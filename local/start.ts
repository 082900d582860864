/**
 * `npm start`: the whole service on this machine. Starts the embedded emulator (or uses
 * `--endpoint` / AWS_ENDPOINT_URL), creates the queues and demo groups, runs the real handlers,
 * submits the example requests and prints every outcome as it arrives. Ctrl-C stops it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { type Outcome, outcomeSchema } from '../src/domain/outcome.js';
import type { ReconciliationReport } from '../src/domain/reconciliation-report.js';
import { formatOutcome, formatReport } from './format.js';
import { startLocalService } from './service.js';

// The SDK warns once that its 2027 releases need Node 22; Lambda runs nodejs22.x and locally the pinned SDK works on 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const root = join(import.meta.dirname, '..');
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
real handlers. Submits examples/requests/*.json and prints each outcome. Ctrl-C stops it.`);
  process.exit(0);
}

const endpoint = args.endpoint ?? process.env.AWS_ENDPOINT_URL;
const service = await startLocalService({
  ...(endpoint ? { endpoint } : { port: Number(args.port) }),
  groups: { 'analytics-prod': ['192.0.2.0/24'], 'analytics-dev': ['10.20.0.0/16'] },
  env: {
    ALLOWED_GROUPS: process.env.ALLOWED_GROUPS ?? 'analytics-*',
    // Short backoff so a retried request shows up within seconds on a laptop.
    RETRY_BASE_SECONDS: process.env.RETRY_BASE_SECONDS ?? '2',
    RETRY_MAX_SECONDS: process.env.RETRY_MAX_SECONDS ?? '30',
    DESIRED_STATE_PATH: process.env.DESIRED_STATE_PATH ?? join(root, 'examples', 'desired-state.yaml'),
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
  },
  eventSource: { waitTimeSeconds: 5, onError: (error) => console.error('poller:', (error as Error).message) },
  reconcileEverySeconds: Number(args['reconcile-every']),
  onReconcile: ({ error }) => {
    if (error) console.error(`reconcile failed: ${(error as Error).message}`);
  },
});

const { requests, results } = service.queues;
console.log(`redshift-ingress is running on ${service.endpoint}${service.emulator ? ' (embedded emulator)' : ''}
  requests queue: ${requests.url}
  results queue:  ${results.url}
  requests DLQ:   ${service.queues.requestsDlq.url}
  groups:         analytics-prod, analytics-dev (ALLOWED_GROUPS=${process.env.ALLOWED_GROUPS})

Send a request (another terminal):
  AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 aws --endpoint-url ${service.endpoint} sqs send-message --queue-url ${requests.url} --message-body '{"version":1,"clusterSecurityGroupName":"analytics-prod","cidrIp":"198.51.100.0/24"}'
  or: npx redshift-ingress submit --endpoint ${service.endpoint} --queue-url ${requests.url} --group analytics-prod --cidr 198.51.100.0/24

Outcomes (Ctrl-C to stop):`);

const stopping = new AbortController();
const printResults = async (): Promise<void> => {
  while (!stopping.signal.aborted) {
    try {
      const { Messages = [] } = await service.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: results.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 5 }),
        { abortSignal: stopping.signal },
      );
      for (const message of Messages) {
        const body = JSON.parse(message.Body ?? '{}') as { type?: string };
        if (body.type === 'reconciliation-report') console.log(formatReport(body as ReconciliationReport));
        else {
          const parsed = outcomeSchema.safeParse(body);
          console.log(parsed.success ? formatOutcome(parsed.data as Outcome) : `? ${message.Body}`);
        }
      }
      if (Messages.length > 0) {
        await service.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: results.url,
            Entries: Messages.map((message, index) => ({
              Id: String(index),
              ReceiptHandle: message.ReceiptHandle,
            })),
          }),
        );
      }
    } catch (error) {
      if (!stopping.signal.aborted) console.error('results:', (error as Error).message);
    }
  }
};
const printing = printResults();

if (!args['no-examples']) {
  const directory = join(root, 'examples', 'requests');
  const files = readdirSync(directory)
    .filter((file) => file.endsWith('.json'))
    .sort();
  const bodies = files.map((file) => JSON.stringify(JSON.parse(readFileSync(join(directory, file), 'utf8'))));
  for (let start = 0; start < bodies.length; start += 10) {
    await service.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: requests.url,
        Entries: bodies
          .slice(start, start + 10)
          .map((body, index) => ({ Id: String(index), MessageBody: body })),
      }),
    );
  }
  console.log(`(submitted ${files.length} example requests from examples/requests/)`);
}

let stopped = false;
const stop = async (): Promise<void> => {
  if (stopped) return;
  stopped = true;
  console.log('\nstopping...');
  stopping.abort();
  await printing;
  await service.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
