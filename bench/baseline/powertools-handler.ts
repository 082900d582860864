import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import {
  AuthorizeClusterSecurityGroupIngressCommand,
  RedshiftClient,
  RevokeClusterSecurityGroupIngressCommand,
} from '@aws-sdk/client-redshift';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

// The baseline: the service written the way Powertools' batch examples write an SQS consumer. One
// record handler per message, run in parallel by BatchProcessor: parse the JSON body, call Redshift,
// treat the idempotent faults as success, send one outcome with SendMessage. It publishes the same
// outcome body and attributes as the service, so both do the same work for the results queue.
// https://docs.powertools.aws.dev/lambda/typescript/latest/features/batch/

const resultsQueueUrl = process.env.RESULTS_QUEUE_URL ?? '';
const processor = new BatchProcessor(EventType.SQS);
const redshift = new RedshiftClient({});
const sqs = new SQSClient({});

interface BaselineRequest {
  readonly requestId?: string;
  readonly action?: 'authorize' | 'revoke';
  readonly clusterSecurityGroupName: string;
  readonly cidrIp?: string;
  readonly ec2SecurityGroupName?: string;
  readonly ec2SecurityGroupOwnerId?: string;
  readonly requestedBy?: string;
  readonly reason?: string;
}

const recordHandler = async (record: SQSRecord): Promise<void> => {
  const request = JSON.parse(record.body) as BaselineRequest;
  const action = request.action ?? 'authorize';
  const target =
    request.cidrIp !== undefined
      ? { CIDRIP: request.cidrIp }
      : {
          EC2SecurityGroupName: request.ec2SecurityGroupName,
          EC2SecurityGroupOwnerId: request.ec2SecurityGroupOwnerId,
        };
  const input = { ClusterSecurityGroupName: request.clusterSecurityGroupName, ...target };
  let status: string;
  try {
    if (action === 'authorize') {
      await redshift.send(new AuthorizeClusterSecurityGroupIngressCommand(input));
      status = 'authorized';
    } else {
      await redshift.send(new RevokeClusterSecurityGroupIngressCommand(input));
      status = 'revoked';
    }
  } catch (error) {
    const name = (error as Error).name;
    if (action === 'authorize' && name === 'AuthorizationAlreadyExistsFault') status = 'already-authorized';
    else if (action === 'revoke' && name === 'AuthorizationNotFoundFault') status = 'already-revoked';
    else throw error;
  }
  const outcome = {
    type: 'ingress-outcome',
    version: 1,
    requestId: request.requestId ?? record.messageId,
    messageId: record.messageId,
    action,
    status,
    rule:
      request.cidrIp !== undefined
        ? { clusterSecurityGroupName: request.clusterSecurityGroupName, cidrIp: request.cidrIp }
        : {
            clusterSecurityGroupName: request.clusterSecurityGroupName,
            ec2SecurityGroupName: request.ec2SecurityGroupName,
            ec2SecurityGroupOwnerId: request.ec2SecurityGroupOwnerId,
          },
    attempt: Number(record.attributes.ApproximateReceiveCount),
    ...(request.requestedBy !== undefined && { requestedBy: request.requestedBy }),
    ...(request.reason !== undefined && { reason: request.reason }),
    processedAt: new Date().toISOString(),
  };
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: resultsQueueUrl,
      MessageBody: JSON.stringify(outcome),
      MessageAttributes: {
        status: { DataType: 'String', StringValue: status },
        action: { DataType: 'String', StringValue: action },
        clusterSecurityGroupName: { DataType: 'String', StringValue: request.clusterSecurityGroupName },
      },
    }),
  );
};

/** The baseline entry point: Powertools BatchProcessor with one record handler per message. */
export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
  processPartialResponse(event, recordHandler, processor, { context });
