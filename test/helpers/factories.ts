import { randomUUID } from 'node:crypto';
import type { SQSEvent, SQSRecord } from 'aws-lambda';

/** The ARN of the requests queue the factories use by default. */
export const REQUESTS_QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:requests';

/** A valid request body, overridable field by field (`undefined` removes a field). */
export function requestBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const body: Record<string, unknown> = {
    version: 1,
    clusterSecurityGroupName: 'analytics-prod',
    cidrIp: '203.0.113.0/24',
    requestedBy: 'office-onboarding',
    ...overrides,
  };
  for (const [key, value] of Object.entries(body)) if (value === undefined) delete body[key];
  return body;
}

/** A valid request v2 body on a VPC cluster, with overrides (`undefined` removes a field). */
export function vpcRequestBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return requestBody({
    version: 2,
    clusterSecurityGroupName: undefined,
    clusterIdentifier: 'analytics-prod',
    ...overrides,
  });
}

/** Builds a whole SQSRecord as the event source delivers it; `body` objects are JSON-encoded. */
export function sqsRecordFactory(
  body: unknown,
  options: {
    messageId?: string;
    receiveCount?: number;
    messageGroupId?: string;
    eventSourceARN?: string;
  } = {},
): SQSRecord {
  const messageId = options.messageId ?? randomUUID();
  const fifo = options.messageGroupId !== undefined;
  return {
    messageId,
    receiptHandle: `receipt-${messageId}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: '1764220800000',
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: '1764220800001',
      ...(fifo && {
        MessageGroupId: options.messageGroupId,
        MessageDeduplicationId: messageId,
        SequenceNumber: '18849496460467696128',
      }),
    },
    messageAttributes: {},
    md5OfBody: 'not-checked',
    eventSource: 'aws:sqs',
    eventSourceARN: options.eventSourceARN ?? (fifo ? `${REQUESTS_QUEUE_ARN}.fifo` : REQUESTS_QUEUE_ARN),
    awsRegion: 'us-east-1',
  };
}

/** Wraps records in an SQSEvent. */
export function sqsEventFactory(records: SQSRecord[]): SQSEvent {
  return { Records: records };
}
