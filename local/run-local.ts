import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { isLoopbackUrl, LOCAL_REGION } from '../cli/clients.js';
import { defaultDesiredStatePath } from '../cli/default-desired-state.js';
import { ConfigurationError } from '../src/domain/errors.js';
import { type MessageGroupTarget, requestMessageGroupId } from '../src/domain/message-group.js';
import type { AnyOutcome } from '../src/domain/outcome.js';
import { outcomeSchema } from '../src/domain/outcome-schema.js';
import { outcomeV2Schema } from '../src/domain/outcome-v2-schema.js';
import type { ReconciliationReport } from '../src/domain/reconciliation-report.js';
import { formatOutcome, formatReport } from './format.js';
import { type LocalService, startLocalService } from './service.js';
import type { QueueSettings } from './stack.js';

/** Options of {@link runLocal}, as `npm start` and `redshift-ingress local` take them. */
export interface RunLocalOptions {
  /** Use this endpoint instead of the embedded emulator. */
  readonly endpoint?: string;
  /** Port of the embedded emulator; 0 picks a free one. */
  readonly port: number;
  /** Submit examples/requests/*.json once running. */
  readonly examples: boolean;
  /** Run the reconciler every so many seconds; 0: never. */
  readonly reconcileEverySeconds: number;
  /** FIFO requests, DLQ and results queues (names ending in `.fifo`), message group = the request's target. */
  readonly fifo?: boolean;
  /**
   * Print (and delete) every message of the results queue. Default true; false leaves the queue to
   * other consumers, such as `redshift-ingress submit --wait` or `results`.
   */
  readonly printOutcomes?: boolean;
}

/** A running local service printing its outcomes. */
export interface LocalRun {
  readonly service: LocalService;
  /** Stops printing and the service; later calls do nothing. */
  stop(): Promise<void>;
}

const root = join(import.meta.dirname, '..');

/** A start-up option or variable that cannot work as given, explained in one message. */
export class LocalStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalStartError';
  }
}

/** The flags and the variable that choose between the embedded emulator and another endpoint. */
export interface EndpointChoice {
  /** `--endpoint`. */
  readonly endpoint?: string;
  /** `--port`, when given on the command line. */
  readonly port?: number;
  /** AWS_ENDPOINT_URL of the shell. */
  readonly envEndpoint?: string;
}

/**
 * Chooses where the local service runs: `--endpoint`, else the embedded emulator when `--port` is
 * given, else AWS_ENDPOINT_URL when the shell sets it (with a note saying so), else the emulator on 4566.
 *
 * @throws LocalStartError when `--port` and an endpoint (flag or AWS_ENDPOINT_URL) disagree: the
 *   variable must not silently override the port asked for, nor the port an endpoint given by name
 */
export function chooseEndpoint(choice: EndpointChoice): { endpoint?: string; port: number; note?: string } {
  const envEndpoint = choice.envEndpoint?.trim() || undefined;
  if (choice.endpoint !== undefined && choice.port !== undefined)
    throw new LocalStartError(
      `--port ${choice.port} is the embedded emulator's port and --endpoint ${choice.endpoint} replaces the emulator: give one of them`,
    );
  if (choice.endpoint !== undefined) return { endpoint: choice.endpoint, port: 4566 };
  if (choice.port !== undefined && envEndpoint !== undefined)
    throw new LocalStartError(
      `--port ${choice.port} asks for the embedded emulator, but AWS_ENDPOINT_URL=${envEndpoint} in the environment names another endpoint: unset AWS_ENDPOINT_URL to run the emulator, or pass --endpoint ${envEndpoint} (without --port) to use that endpoint`,
    );
  if (envEndpoint !== undefined)
    return {
      endpoint: envEndpoint,
      port: 4566,
      note: `note: using AWS_ENDPOINT_URL=${envEndpoint} instead of the embedded emulator (unset it, or pass --port, to run the emulator)`,
    };
  return { port: choice.port ?? 4566 };
}

/**
 * The requests queue's settings from the environment: MAX_RECEIVE_COUNT (the handler's variable, so the
 * queue's redrive count and the handler agree) and REQUESTS_VISIBILITY_TIMEOUT (seconds), each absent
 * to keep an existing queue's own or use the defaults (5, 30 s).
 *
 * @throws ConfigurationError naming every variable that is not a whole number in range
 */
export function localQueueSettings(env: NodeJS.ProcessEnv, fifo: boolean): QueueSettings {
  const problems: string[] = [];
  const whole = (name: string, min: number, max: number): number | undefined => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return undefined;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      problems.push(`${name}: must be a whole number from ${min} to ${max}, got "${raw}"`);
    }
    return value;
  };
  const maxReceiveCount = whole('MAX_RECEIVE_COUNT', 1, 1000);
  // SQS's longest visibility timeout is 12 hours.
  const visibilityTimeoutSeconds = whole('REQUESTS_VISIBILITY_TIMEOUT', 1, 43_200);
  if (problems.length > 0) throw new ConfigurationError(problems);
  return {
    fifo,
    ...(maxReceiveCount !== undefined && { maxReceiveCount }),
    ...(visibilityTimeoutSeconds !== undefined && { visibilityTimeoutSeconds }),
  };
}

/**
 * Runs the whole service on this machine: starts the embedded emulator (or uses the endpoint),
 * creates the queues and demo groups, runs the real handlers, submits the example requests and
 * prints every outcome as it arrives, until stopped.
 */
export async function runLocal(options: RunLocalOptions): Promise<LocalRun> {
  const service = await startLocalService({
    ...(options.endpoint ? { endpoint: options.endpoint } : { port: options.port }),
    queues: localQueueSettings(process.env, options.fifo === true),
    groups: { 'analytics-prod': ['192.0.2.0/24'], 'analytics-dev': ['10.20.0.0/16'] },
    vpcDemo: true,
    env: {
      ALLOWED_GROUPS: process.env.ALLOWED_GROUPS ?? 'analytics-*',
      // The demo VPC cluster and workgroup, and the security group the examples name directly.
      ALLOWED_CLUSTERS: process.env.ALLOWED_CLUSTERS ?? 'analytics-*',
      ALLOWED_WORKGROUPS: process.env.ALLOWED_WORKGROUPS ?? 'bi-*',
      ALLOWED_SECURITY_GROUP_IDS: process.env.ALLOWED_SECURITY_GROUP_IDS ?? DEMO_SECURITY_GROUP_ID,
      // Short backoff so a retried request shows up within seconds on a laptop.
      RETRY_BASE_SECONDS: process.env.RETRY_BASE_SECONDS ?? '2',
      RETRY_MAX_SECONDS: process.env.RETRY_MAX_SECONDS ?? '30',
      // The user's document (YAML or JSON); startLocalService compiles it to JSON for the handler.
      DESIRED_STATE_PATH: process.env.DESIRED_STATE_PATH?.trim() || defaultDesiredStatePath(),
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
    },
    eventSource: {
      waitTimeSeconds: 5,
      onError: (error) => console.error('poller:', (error as Error).message),
    },
    reconcileEverySeconds: options.reconcileEverySeconds,
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
${vpcDemoLines(service)}
  desired state:  ${service.desiredState ? `${service.desiredState.source} (compiled to ${service.desiredState.path})` : 'none'}

${sendCommands(service)}

${
  options.printOutcomes === false
    ? `Outcomes are left on the results queue: npx redshift-ingress results --follow --endpoint ${service.endpoint} --results-url ${results.url}
(Ctrl-C to stop)`
    : 'Outcomes (Ctrl-C to stop):'
}`);

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
            const parsed =
              (body as { version?: unknown }).version === 2
                ? outcomeV2Schema.safeParse(body)
                : outcomeSchema.safeParse(body);
            console.log(parsed.success ? formatOutcome(parsed.data as AnyOutcome) : `? ${message.Body}`);
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
  const printing = options.printOutcomes === false ? Promise.resolve() : printResults();

  if (options.examples) {
    const directory = join(root, 'examples', 'requests');
    const files = readdirSync(directory)
      .filter((file) => file.endsWith('.json'))
      .sort();
    const bodies = files.map((file) =>
      JSON.stringify(JSON.parse(readFileSync(join(directory, file), 'utf8'))),
    );
    const fifo = requests.url.endsWith('.fifo');
    for (let start = 0; start < bodies.length; start += 10) {
      await service.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: requests.url,
          Entries: bodies.slice(start, start + 10).map((body, index) => ({
            Id: String(index),
            MessageBody: body,
            ...(fifo && {
              MessageGroupId: requestMessageGroupId(JSON.parse(body) as MessageGroupTarget),
              MessageDeduplicationId: createHash('sha256').update(body).digest('hex'),
            }),
          })),
        }),
      );
    }
    console.log(`(submitted ${files.length} example requests from examples/requests/)`);
  }

  let stopped: Promise<void> | undefined;
  return {
    service,
    stop() {
      stopped ??= (async () => {
        console.log('\nstopping...');
        stopping.abort();
        await printing;
        await service.stop();
      })();
      return stopped;
    },
  };
}

/** The security group the example requests name directly (examples/requests/security-group-ipv6.v2.json). */
const DEMO_SECURITY_GROUP_ID = 'sg-0123456789abcdef0';

/** The banner's lines about the demo VPC resources, or why there are none. */
function vpcDemoLines(service: Pick<LocalService, 'vpcDemo' | 'endpoint'>): string {
  const { vpcDemo } = service;
  if (vpcDemo === undefined) {
    return `  VPC targets:    none created: against ${service.endpoint} the demo VPC cluster, workgroup and security
                  groups are not created (only the embedded emulator can seed them), so the example requests v2
                  on them are rejected unless they exist there`;
  }
  const groups = vpcDemo.securityGroups;
  return `  VPC cluster:    ${vpcDemo.clusterIdentifier} (security groups ${groups['analytics-prod-ingress']} tagged redshift-ingress:managed=true, ${groups['analytics-prod-default']}; ALLOWED_CLUSTERS=${process.env.ALLOWED_CLUSTERS})
  workgroup:      ${vpcDemo.workgroupName} (security group ${groups['bi-serverless-ingress']}; ALLOWED_WORKGROUPS=${process.env.ALLOWED_WORKGROUPS})
  security group: ${vpcDemo.securityGroupId} (ALLOWED_SECURITY_GROUP_IDS=${process.env.ALLOWED_SECURITY_GROUP_IDS})`;
}

/**
 * The banner's commands to send a request, as they work pasted into a clean shell: the aws command
 * names its region (aws-cli v1 does not read AWS_REGION) and, for a loopback endpoint, the dummy
 * credentials LocalStack's `awslocal` uses; the tool needs neither against a loopback endpoint.
 */
export function sendCommands(service: Pick<LocalService, 'endpoint' | 'queues'>): string {
  const { endpoint } = service;
  const queueUrl = service.queues.requests.url;
  const local = isLoopbackUrl(endpoint);
  const credentials = local ? 'AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test ' : '';
  // The service's region, which startLocalService sets for the handlers.
  const region = process.env.AWS_REGION ?? LOCAL_REGION;
  const body = JSON.stringify({
    version: 1,
    clusterSecurityGroupName: 'analytics-prod',
    cidrIp: '198.51.100.0/24',
  });
  return `Send a request (another terminal, in this folder):
  npx redshift-ingress submit --endpoint ${endpoint} --queue-url ${queueUrl} --group analytics-prod --cidr 198.51.100.0/24
  or: ${credentials}aws --region ${region} --endpoint-url ${endpoint} sqs send-message --queue-url ${queueUrl} --message-body '${body}'`;
}
