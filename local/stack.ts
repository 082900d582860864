import {
  AuthorizeClusterSecurityGroupIngressCommand,
  CreateClusterSecurityGroupCommand,
  type RedshiftClient,
} from '@aws-sdk/client-redshift';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type QueueAttributeName,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { ConfigurationError } from '../src/domain/errors.js';

/** The queues of one local deployment, with their URLs and ARNs. */
export interface LocalQueues {
  readonly requests: { readonly url: string; readonly arn: string };
  readonly requestsDlq: { readonly url: string; readonly arn: string };
  readonly results: { readonly url: string; readonly arn: string };
  /**
   * The requests queue's redrive maxReceiveCount and visibility timeout as the queue has them, created
   * or adopted: the handler's MAX_RECEIVE_COUNT and the function timeout follow these.
   */
  readonly requestsSettings: { readonly maxReceiveCount: number; readonly visibilityTimeoutSeconds: number };
}

/** Settings of the local queues, mirroring serverless.yml. */
export interface QueueSettings {
  /** Prefix of every queue name. Default `redshift-ingress-local`. */
  readonly prefix?: string;
  /**
   * The requests queue's redrive maxReceiveCount (the handler's MAX_RECEIVE_COUNT). Absent: 5 for a new
   * queue, the queue's own for an existing one.
   */
  readonly maxReceiveCount?: number;
  /** The requests queue's visibility timeout in seconds. Absent: 30 for a new queue, the queue's own for an existing one. */
  readonly visibilityTimeoutSeconds?: number;
  /** FIFO queues. Default false. */
  readonly fifo?: boolean;
}

/**
 * A queue of the stack's name exists with attributes the service cannot work with; the message names
 * the queue, the attribute, both values and the fix. A ConfigurationError, so `npm start` prints it alone.
 */
export class QueueConflictError extends ConfigurationError {
  constructor(problems: readonly string[]) {
    super(problems);
    this.name = 'QueueConflictError';
    this.message = problems.join('\n');
  }
}

const DEFAULT_MAX_RECEIVE_COUNT = 5;
const DEFAULT_VISIBILITY_SECONDS = 30;
/** The DLQ keeps messages 14 days, SQS's longest, as in serverless.yml. */
const DLQ_RETENTION_SECONDS = 1_209_600;

/**
 * Creates the requests queue with its DLQ and redrive policy, and the results queue, if missing.
 *
 * CreateQueue is idempotent for identical attributes, so a second `npm start` finds its queues. A queue
 * of the same name with other attributes (made by hand, by an earlier run with other settings, on
 * LocalStack or moto) is adopted when the service can work with it: its visibility timeout and
 * maxReceiveCount are followed unless the caller asked for others. A redrive policy naming no DLQ or
 * another one, a DLQ that keeps messages less than 14 days, or a value asked for that differs stops
 * with a QueueConflictError naming the queue, the attribute, both values and the fix.
 *
 * @throws QueueConflictError when an existing queue cannot be adopted
 */
export async function ensureQueues(sqs: SQSClient, settings: QueueSettings = {}): Promise<LocalQueues> {
  const prefix = settings.prefix ?? 'redshift-ingress-local';
  const suffix = settings.fifo ? '.fifo' : '';
  const names = {
    requestsDlq: `${prefix}-requests-dlq${suffix}`,
    requests: `${prefix}-requests${suffix}`,
    results: `${prefix}-results${suffix}`,
  };
  const create = async (queueName: string, attributes: Record<string, string>) => {
    let url: string;
    try {
      const { QueueUrl } = await sqs.send(
        new CreateQueueCommand({
          QueueName: queueName,
          Attributes: { ...(settings.fifo && { FifoQueue: 'true' }), ...attributes },
        }),
      );
      url = QueueUrl as string;
    } catch (error) {
      // AWS, the embedded emulator and moto answer QueueAlreadyExists (the SDK's QueueNameExists) when
      // a queue of that name has other attributes: read it and decide below whether it can be adopted.
      const code = (error as Error).name;
      if (code !== 'QueueNameExists' && code !== 'QueueAlreadyExists') throw error;
      const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
      url = QueueUrl as string;
    }
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All' as QueueAttributeName] }),
    );
    return { url, arn: Attributes.QueueArn as string, attributes: Attributes };
  };

  const requestsDlq = await create(names.requestsDlq, {
    MessageRetentionPeriod: String(DLQ_RETENTION_SECONDS),
  });
  const requests = await create(names.requests, {
    VisibilityTimeout: String(settings.visibilityTimeoutSeconds ?? DEFAULT_VISIBILITY_SECONDS),
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: requestsDlq.arn,
      maxReceiveCount: String(settings.maxReceiveCount ?? DEFAULT_MAX_RECEIVE_COUNT),
    }),
  });
  const results = await create(names.results, {});

  const problems: string[] = [];
  const conflict = (queue: string, url: string, difference: string, ask?: string): void => {
    const fix = `delete it (aws --endpoint-url <endpoint> sqs delete-queue --queue-url ${url}) and start again`;
    problems.push(`queue ${queue} already exists with ${difference}: ${ask ? `${ask}, or ` : ''}${fix}`);
  };
  const retention = Number(requestsDlq.attributes.MessageRetentionPeriod);
  if (retention < DLQ_RETENTION_SECONDS) {
    conflict(
      names.requestsDlq,
      requestsDlq.url,
      `MessageRetentionPeriod ${retention}, not ${DLQ_RETENTION_SECONDS} (14 days): dead letters would expire sooner`,
    );
  }
  const redrive = readRedrivePolicy(requests.attributes.RedrivePolicy);
  if (redrive === undefined) {
    conflict(
      names.requests,
      requests.url,
      `no RedrivePolicy: failed requests would never reach ${names.requestsDlq}`,
    );
  } else {
    if (redrive.deadLetterTargetArn !== requestsDlq.arn) {
      conflict(
        names.requests,
        requests.url,
        `RedrivePolicy deadLetterTargetArn ${redrive.deadLetterTargetArn}, not ${requestsDlq.arn}`,
      );
    }
    if (settings.maxReceiveCount !== undefined && redrive.maxReceiveCount !== settings.maxReceiveCount) {
      conflict(
        names.requests,
        requests.url,
        `RedrivePolicy maxReceiveCount ${redrive.maxReceiveCount}, not ${settings.maxReceiveCount}`,
        `ask for ${redrive.maxReceiveCount} (MAX_RECEIVE_COUNT=${redrive.maxReceiveCount} npm start)`,
      );
    }
  }
  const visibility = Number(requests.attributes.VisibilityTimeout);
  if (settings.visibilityTimeoutSeconds !== undefined && visibility !== settings.visibilityTimeoutSeconds) {
    conflict(
      names.requests,
      requests.url,
      `VisibilityTimeout ${visibility}, not ${settings.visibilityTimeoutSeconds}`,
      `ask for ${visibility} (REQUESTS_VISIBILITY_TIMEOUT=${visibility} npm start)`,
    );
  }
  if (problems.length > 0) throw new QueueConflictError(problems);
  return {
    requests: { url: requests.url, arn: requests.arn },
    requestsDlq: { url: requestsDlq.url, arn: requestsDlq.arn },
    results: { url: results.url, arn: results.arn },
    requestsSettings: {
      maxReceiveCount: redrive?.maxReceiveCount ?? DEFAULT_MAX_RECEIVE_COUNT,
      visibilityTimeoutSeconds: visibility,
    },
  };
}

/** A queue's RedrivePolicy attribute, read; SQS gives maxReceiveCount as a number or a string. */
function readRedrivePolicy(
  value: string | undefined,
): { deadLetterTargetArn: string; maxReceiveCount: number } | undefined {
  if (value === undefined || value === '') return undefined;
  try {
    const policy = JSON.parse(value) as { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
    const maxReceiveCount = Number(policy.maxReceiveCount);
    if (typeof policy.deadLetterTargetArn !== 'string' || !Number.isInteger(maxReceiveCount))
      return undefined;
    return { deadLetterTargetArn: policy.deadLetterTargetArn, maxReceiveCount };
  } catch {
    return undefined;
  }
}

/** Creates a cluster security group with some rules, if missing; existing rules are kept. */
export async function ensureClusterSecurityGroup(
  redshift: RedshiftClient,
  name: string,
  cidrIps: readonly string[] = [],
): Promise<void> {
  try {
    await redshift.send(
      new CreateClusterSecurityGroupCommand({
        ClusterSecurityGroupName: name,
        Description: `${name} (local demo)`,
      }),
    );
  } catch (error) {
    if ((error as Error).name !== 'ClusterSecurityGroupAlreadyExistsFault') throw error;
  }
  for (const cidr of cidrIps) {
    try {
      await redshift.send(
        new AuthorizeClusterSecurityGroupIngressCommand({ ClusterSecurityGroupName: name, CIDRIP: cidr }),
      );
    } catch (error) {
      if ((error as Error).name !== 'AuthorizationAlreadyExistsFault') throw error;
    }
  }
}

/** The demo VPC resources of a local stack: a provisioned cluster, a Serverless workgroup and their groups. */
export interface VpcDemo {
  readonly clusterIdentifier: string;
  readonly workgroupName: string;
  /** A security group the example requests name directly as their target. */
  readonly securityGroupId: string;
  /** Every demo security group id, by its name. */
  readonly securityGroups: Readonly<Record<string, string>>;
}

/** What {@link seedVpcDemo} seeds through: the embedded emulator's seeding API. */
export interface VpcSeeder {
  securityGroups(): readonly { readonly groupId: string }[];
  createSecurityGroup(seed: {
    groupId?: string;
    groupName?: string;
    description?: string;
    tags?: Readonly<Record<string, string>>;
  }): { readonly groupId: string };
  createCluster(seed: {
    clusterIdentifier: string;
    vpcSecurityGroupIds: readonly string[];
    port?: number;
  }): unknown;
  createWorkgroup(seed: {
    workgroupName: string;
    securityGroupIds: readonly string[];
    port?: number;
  }): unknown;
}

const MANAGED = { 'redshift-ingress:managed': 'true' };

/**
 * Seeds the demo VPC resources the example requests v2 name (examples/requests/*.v2.json), once: the
 * cluster `analytics-prod` with two security groups of which one is tagged managed (the recommended
 * setup, so a request without `securityGroupId` goes to that one), the workgroup `bi-serverless` with
 * one managed group, a group given directly, and the source group of the workgroup's example.
 */
export function seedVpcDemo(emulator: VpcSeeder): VpcDemo {
  const groups = {
    'analytics-prod-ingress': { groupId: 'sg-0a1b2c3d', tags: MANAGED },
    'analytics-prod-default': { groupId: 'sg-0e1f2a3b', tags: {} },
    'bi-serverless-ingress': { groupId: 'sg-0b1b2b3b', tags: MANAGED },
    'reporting-ingress': { groupId: 'sg-0123456789abcdef0', tags: MANAGED },
    'bi-tools': { groupId: 'sg-0fedcba987654321f', tags: {} },
  } as const;
  const existing = new Set(emulator.securityGroups().map((group) => group.groupId));
  for (const [groupName, { groupId, tags }] of Object.entries(groups)) {
    if (existing.has(groupId)) continue;
    emulator.createSecurityGroup({
      groupId,
      groupName,
      description: `redshift-ingress demo: ${groupName}`,
      tags,
    });
  }
  emulator.createCluster({
    clusterIdentifier: 'analytics-prod',
    vpcSecurityGroupIds: [groups['analytics-prod-ingress'].groupId, groups['analytics-prod-default'].groupId],
    port: 5439,
  });
  emulator.createWorkgroup({
    workgroupName: 'bi-serverless',
    securityGroupIds: [groups['bi-serverless-ingress'].groupId],
    port: 5439,
  });
  return {
    clusterIdentifier: 'analytics-prod',
    workgroupName: 'bi-serverless',
    securityGroupId: groups['reporting-ingress'].groupId,
    securityGroups: Object.fromEntries(Object.entries(groups).map(([name, { groupId }]) => [name, groupId])),
  };
}
