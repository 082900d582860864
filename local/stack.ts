import {
  AuthorizeClusterSecurityGroupIngressCommand,
  CreateClusterSecurityGroupCommand,
  type RedshiftClient,
} from '@aws-sdk/client-redshift';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** The queues of one local deployment, with their URLs and ARNs. */
export interface LocalQueues {
  readonly requests: { readonly url: string; readonly arn: string };
  readonly requestsDlq: { readonly url: string; readonly arn: string };
  readonly results: { readonly url: string; readonly arn: string };
}

/** Settings of the local queues, mirroring serverless.yml. */
export interface QueueSettings {
  /** Prefix of every queue name. Default `redshift-ingress-local`. */
  readonly prefix?: string;
  /** The requests queue's redrive maxReceiveCount (the handler's MAX_RECEIVE_COUNT). Default 5. */
  readonly maxReceiveCount?: number;
  /** The requests queue's visibility timeout in seconds. Default 30. */
  readonly visibilityTimeoutSeconds?: number;
  /** FIFO queues. Default false. */
  readonly fifo?: boolean;
}

/**
 * Creates the requests queue with its DLQ and redrive policy, and the results queue, if missing.
 *
 * CreateQueue is idempotent for identical attributes, so this runs safely against an endpoint that
 * already has them (LocalStack, a second `npm start`).
 */
export async function ensureQueues(sqs: SQSClient, settings: QueueSettings = {}): Promise<LocalQueues> {
  const prefix = settings.prefix ?? 'redshift-ingress-local';
  const suffix = settings.fifo ? '.fifo' : '';
  const fifoAttributes = settings.fifo ? { FifoQueue: 'true' } : {};
  const create = async (name: string, attributes: Record<string, string>) => {
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({
        QueueName: `${name}${suffix}`,
        Attributes: { ...fifoAttributes, ...attributes },
      }),
    );
    const url = QueueUrl as string;
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
    );
    return { url, arn: Attributes?.QueueArn as string };
  };
  const requestsDlq = await create(`${prefix}-requests-dlq`, { MessageRetentionPeriod: '1209600' });
  const requests = await create(`${prefix}-requests`, {
    VisibilityTimeout: String(settings.visibilityTimeoutSeconds ?? 30),
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: requestsDlq.arn,
      maxReceiveCount: String(settings.maxReceiveCount ?? 5),
    }),
  });
  const results = await create(`${prefix}-results`, {});
  return { requests, requestsDlq, results };
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
