import { RedshiftClient } from '@aws-sdk/client-redshift';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { type CompiledDesiredState, compileDesiredStateFile } from './desired-state.js';
import { type Emulator, startEmulator } from './emulator/index.js';
import {
  type EventSource,
  type EventSourceOptions,
  type SqsHandler,
  startEventSource,
} from './event-source.js';
import { createLambdaContext } from './lambda-context.js';
import {
  ensureClusterSecurityGroup,
  ensureQueues,
  type LocalQueues,
  type QueueSettings,
  seedVpcDemo,
  type VpcDemo,
} from './stack.js';

/** Options of {@link startLocalService}. */
export interface LocalServiceOptions {
  /** Use this endpoint (LocalStack, another emulator, a real account) instead of the embedded emulator. */
  readonly endpoint?: string;
  /** Port of the embedded emulator; 0 picks a free one. Default 4566. */
  readonly port?: number;
  /** Seed of the embedded emulator's fault injection. */
  readonly seed?: number;
  readonly region?: string;
  /** The queues to create (names, redrive count, visibility, FIFO). */
  readonly queues?: QueueSettings;
  /** Cluster security groups to create, with initial CIDR rules. */
  readonly groups?: Readonly<Record<string, readonly string[]>>;
  /**
   * Seed the demo VPC cluster, workgroup and security groups ({@link seedVpcDemo}). Only the embedded
   * emulator can: against another endpoint nothing is created, and {@link LocalService.vpcDemo} is absent.
   */
  readonly vpcDemo?: boolean;
  /**
   * Environment of the handlers, on top of the queue URLs and the local defaults. DESIRED_STATE_PATH (here
   * or inherited) names the user's document, YAML or JSON: it is compiled to a temporary JSON file, which
   * the reconcile handler reads as the deployed function reads the JSON compiled at package time.
   */
  readonly env?: Readonly<Record<string, string>>;
  /** The event source mapping's settings. */
  readonly eventSource?: Pick<
    EventSourceOptions,
    | 'batchSize'
    | 'maximumBatchingWindowInSeconds'
    | 'maximumConcurrency'
    | 'waitTimeSeconds'
    | 'functionTimeoutMs'
    | 'dropBatch'
    | 'onInvoke'
    | 'onError'
  >;
  /** Run the reconcile handler every so many seconds (and once at start); 0 or absent: never. */
  readonly reconcileEverySeconds?: number;
  /** Called with each reconcile run's result or error. */
  readonly onReconcile?: (result: { report?: unknown; error?: unknown }) => void;
}

/** A running local deployment: the emulator (when embedded), the queues, the clients and the pollers. */
export interface LocalService {
  readonly endpoint: string;
  readonly emulator?: Emulator;
  readonly queues: LocalQueues;
  readonly sqs: SQSClient;
  readonly redshift: RedshiftClient;
  /** The demo VPC resources, when seeded (the embedded emulator only). */
  readonly vpcDemo?: VpcDemo;
  readonly eventSource: EventSource;
  /** The desired state the reconcile handler reads, when DESIRED_STATE_PATH names one. */
  readonly desiredState?: Pick<CompiledDesiredState, 'source' | 'path'>;
  /** Runs the reconcile handler once, now. */
  reconcile(): Promise<unknown>;
  /**
   * Stops polling and the schedule, waits for invocations in flight, closes the emulator, deletes the
   * compiled desired state and sets DESIRED_STATE_PATH back to the user's document.
   */
  stop(): Promise<void>;
}

let instance = 0;

/** The embedded emulator's port is taken: said in one line, with the two ways out. */
export class PortInUseError extends Error {
  /** The port asked for. */
  readonly port: number;

  constructor(port: number, options?: ErrorOptions) {
    super(
      `port ${port} on 127.0.0.1 is already in use${port === 4566 ? ' (LocalStack listens on 4566 too)' : ''}: pass --port 0 to run the embedded emulator on any free port, or --endpoint http://127.0.0.1:${port} to use what listens there`,
      options,
    );
    this.name = 'PortInUseError';
    this.port = port;
  }
}

/**
 * Starts the whole service on one machine: the emulator (unless an endpoint is given), the queues
 * and groups, and the real handler modules driven as Lambda's event source and schedule drive them.
 *
 * The handlers read their configuration from the environment at import, so this sets the
 * environment first and imports fresh module instances, exactly as a cold start does.
 *
 * @throws DesiredStateError when DESIRED_STATE_PATH names an invalid document, before anything runs
 * @throws PortInUseError when the embedded emulator's port is taken
 */
export async function startLocalService(options: LocalServiceOptions = {}): Promise<LocalService> {
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
  // The reconcile function reads JSON only: compiled first, as `osls package` compiles it for AWS, so an
  // invalid document stops the start before anything runs.
  const desiredStateSource = (options.env?.DESIRED_STATE_PATH ?? process.env.DESIRED_STATE_PATH)?.trim();
  const desiredState = desiredStateSource ? compileDesiredStateFile(desiredStateSource) : undefined;
  /** DESIRED_STATE_PATH back to the user's document, so that a later start compiles it again. */
  const releaseDesiredState = (): void => {
    if (!desiredState) return;
    if (process.env.DESIRED_STATE_PATH === desiredState.path)
      process.env.DESIRED_STATE_PATH = desiredState.source;
    desiredState.remove();
  };

  let emulator: Emulator | undefined;
  try {
    emulator = options.endpoint
      ? undefined
      : await startEmulator({
          port: options.port ?? 4566,
          ...(options.seed !== undefined && { seed: options.seed }),
          region,
        });
  } catch (error) {
    releaseDesiredState();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new PortInUseError(options.port ?? 4566, { cause: error });
    throw error;
  }
  const endpoint = options.endpoint ?? (emulator as Emulator).url;

  // Dummy credentials only when none are configured: a real account keeps its own.
  if (emulator || !process.env.AWS_ACCESS_KEY_ID) {
    process.env.AWS_ACCESS_KEY_ID ??= 'test';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  }
  const clientConfig = { endpoint, region };
  const sqs = new SQSClient(clientConfig);
  // AWS_ENDPOINT_URL_REDSHIFT wins over the endpoint, as the SDK has it for the handlers: an emulator whose
  // Redshift is a stub (moto's cluster security groups) can serve SQS alone.
  const redshiftEndpoint = process.env.AWS_ENDPOINT_URL_REDSHIFT?.trim() || endpoint;
  const redshift = new RedshiftClient({ endpoint: redshiftEndpoint, region });

  try {
    const queues = await ensureQueues(sqs, options.queues);
    for (const [name, cidrs] of Object.entries(options.groups ?? {})) {
      await ensureClusterSecurityGroup(redshift, name, cidrs);
    }
    // A cluster, a workgroup and a security group are created through the emulator's seeding API: AWS
    // creates none of them from an API call this service could make, so another endpoint gets none.
    const vpcDemo = options.vpcDemo && emulator ? seedVpcDemo(emulator) : undefined;

    Object.assign(process.env, {
      AWS_REGION: region,
      AWS_ENDPOINT_URL: endpoint,
      RESULTS_QUEUE_URL: queues.results.url,
      REQUESTS_QUEUE_URL: queues.requests.url,
      // The queue's own count, created or adopted: a `failed` outcome must be the last delivery SQS makes.
      MAX_RECEIVE_COUNT: String(queues.requestsSettings.maxReceiveCount),
      POWERTOOLS_METRICS_DISABLED: 'true',
      ...options.env,
      ...(desiredState && { DESIRED_STATE_PATH: desiredState.path }),
    });
    instance += 1;
    const authorize = (await import(
      new URL(`../handlers/authorize.js?local=${instance}`, import.meta.url).href
    )) as {
      handler: SqsHandler;
    };
    const eventSource = startEventSource({
      sqs,
      queueUrl: queues.requests.url,
      queueArn: queues.requests.arn,
      handler: authorize.handler,
      functionName: 'redshift-ingress-authorize',
      // Lambda requires the queue's visibility timeout to be at least the function timeout, or a batch still
      // running is delivered again: 30 s as deployed, shorter when the queue's visibility timeout is.
      functionTimeoutMs: Math.max(
        1000,
        Math.min(30_000, queues.requestsSettings.visibilityTimeoutSeconds * 1000),
      ),
      ...options.eventSource,
    });

    let reconcileHandler: ((event: unknown, context: Context) => Promise<unknown>) | undefined;
    const reconcile = async (): Promise<unknown> => {
      reconcileHandler ??= (
        (await import(new URL(`../handlers/reconcile.js?local=${instance}`, import.meta.url).href)) as {
          handler: (event: unknown, context: Context) => Promise<unknown>;
        }
      ).handler;
      return reconcileHandler(
        { source: 'local.schedule' },
        createLambdaContext('redshift-ingress-reconcile', region, 60_000),
      );
    };
    const every = options.reconcileEverySeconds ?? 0;
    const runScheduled = () =>
      reconcile().then(
        (report) => options.onReconcile?.({ report }),
        (error: unknown) => options.onReconcile?.({ error }),
      );
    const timer = every > 0 ? setInterval(runScheduled, every * 1000) : undefined;
    if (every > 0) void runScheduled();

    return {
      endpoint,
      ...(emulator && { emulator }),
      queues,
      sqs,
      redshift,
      ...(vpcDemo && { vpcDemo }),
      eventSource,
      ...(desiredState && { desiredState: { source: desiredState.source, path: desiredState.path } }),
      reconcile,
      async stop() {
        if (timer) clearInterval(timer);
        await eventSource.stop();
        sqs.destroy();
        redshift.destroy();
        await emulator?.close();
        releaseDesiredState();
      },
    };
  } catch (error) {
    releaseDesiredState();
    sqs.destroy();
    redshift.destroy();
    await emulator?.close();
    throw error;
  }
}
