import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { type LocalService, type LocalServiceOptions, startLocalService } from '../../local/service.js';
import { type Outcome, outcomeSchema } from '../../src/domain/outcome-schema.js';
import { type OutcomeV2, outcomeV2Schema } from '../../src/domain/outcome-v2-schema.js';
import {
  type ReconciliationReport,
  reconciliationReportSchema,
} from '../../src/domain/reconciliation-report-schema.js';

/** Starts the whole service on a free loopback port with test-friendly settings (no backoff, quiet logs). */
export async function startTestService(options: LocalServiceOptions = {}): Promise<LocalService> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  return startLocalService({
    port: 0,
    ...options,
    env: {
      ALLOWED_GROUPS: 'analytics-*',
      RETRY_BASE_SECONDS: '0',
      RETRY_MAX_SECONDS: '0',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      ...options.env,
    },
    eventSource: { waitTimeSeconds: 1, ...options.eventSource },
  });
}

/** Sends request bodies (objects are JSON-encoded) to the requests queue in batches of 10. */
export async function sendRequests(service: LocalService, bodies: readonly unknown[]): Promise<void> {
  for (let start = 0; start < bodies.length; start += 10) {
    const response = await service.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: service.queues.requests.url,
        Entries: bodies.slice(start, start + 10).map((body, index) => ({
          Id: String(index),
          MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
        })),
      }),
    );
    if ((response.Failed ?? []).length > 0)
      throw new Error(`send failed: ${JSON.stringify(response.Failed)}`);
  }
}

/** Everything the results queue carries, split by type, read until `done` holds or the timeout passes. */
export interface ResultsSoFar {
  readonly outcomes: Outcome[];
  readonly reports: ReconciliationReport[];
  /** The outcomes v2 (answers to requests v2), each checked against the outcome v2 schema. */
  readonly outcomesV2?: OutcomeV2[];
}

/** Drains the results queue (deleting what it reads) until `done(results)` or `timeoutMs`; throws on timeout. */
export async function readResults(
  service: LocalService,
  done: (results: ResultsSoFar) => boolean,
  timeoutMs = 20_000,
  into: ResultsSoFar = { outcomes: [], reports: [] },
): Promise<ResultsSoFar> {
  const deadline = Date.now() + timeoutMs;
  while (!done(into)) {
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for results; got ${JSON.stringify(into.outcomes.map((o) => [o.requestId, o.status]))}`,
      );
    }
    const { Messages = [] } = await service.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: service.queues.results.url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    for (const message of Messages) {
      const body = JSON.parse(message.Body ?? '{}') as { type?: string };
      if (body.type === 'reconciliation-report') into.reports.push(reconciliationReportSchema.parse(body));
      else if ((body as { version?: unknown }).version === 2) {
        if (into.outcomesV2 === undefined)
          throw new Error(`an outcome v2 where none was expected: ${message.Body}`);
        into.outcomesV2.push(outcomeV2Schema.parse(body));
      } else into.outcomes.push(outcomeSchema.parse(body));
    }
    if (Messages.length > 0) {
      await service.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: service.queues.results.url,
          Entries: Messages.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle,
          })),
        }),
      );
    }
  }
  return into;
}

/** Reads outcomes until there are `count` of them. */
export async function readOutcomes(
  service: LocalService,
  count: number,
  timeoutMs = 20_000,
): Promise<Outcome[]> {
  return (await readResults(service, (results) => results.outcomes.length >= count, timeoutMs)).outcomes;
}

/** The approximate number of messages (visible + in flight) on a queue. */
export async function queueDepth(service: LocalService, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await service.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}
