import { RedshiftClient } from '@aws-sdk/client-redshift';
import { SFNClient } from '@aws-sdk/client-sfn';
import {
  SendMessageBatchCommand,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  SQSClient,
  type SQSClientResolvedConfig,
} from '@aws-sdk/client-sqs';
import type { AwsStub } from 'aws-sdk-client-mock';

/** The SQS client stub of aws-sdk-client-mock. */
type SqsStub = AwsStub<ServiceInputTypes, ServiceOutputTypes, SQSClientResolvedConfig>;

import { createRedshiftIngress } from '../../src/adapters/redshift.js';
import { createQueuePublisher, createVisibilityController, queueUrlFromArn } from '../../src/adapters/sqs.js';
import { createTaskCallbacks } from '../../src/adapters/step-functions.js';
import type { LoggerPort } from '../../src/app/ports.js';
import { makeProcessBatch, type ProcessBatch, type ProcessBatchDeps } from '../../src/app/process-batch.js';
import { type Outcome, outcomeSchema } from '../../src/domain/outcome-schema.js';
import { type OutcomeV2, outcomeV2Schema } from '../../src/domain/outcome-v2-schema.js';
import { realVpcBackend } from './vpc-path.js';

/** The results queue the harness publishes to. */
export const RESULTS_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/results';

/** One recorded log line: level, message and the merged structured fields. */
export interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly fields: Record<string, unknown>;
}

/** Options of {@link createBatchHarness}. */
export interface BatchHarnessOptions {
  readonly config?: Partial<ProcessBatchDeps['config']>;
  readonly queueUrlOf?: ProcessBatchDeps['queueUrlOf'];
}

/** A batch processor over the real adapters (their SDK clients mocked by the caller), recording logs and metrics. */
export function createBatchHarness(options: BatchHarnessOptions = {}): {
  processBatch: ProcessBatch;
  logs: LogLine[];
  metrics: Record<string, number>;
} {
  const logs: LogLine[] = [];
  const log =
    (level: string) =>
    (message: string, ...extra: Record<string, unknown>[]) =>
      logs.push({ level, message, fields: Object.assign({}, ...extra) });
  const logger: LoggerPort = {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
  };
  const metrics: Record<string, number> = {};
  const sqs = new SQSClient({ region: 'us-east-1' });
  const processBatch = makeProcessBatch({
    backends: {
      clusterSecurityGroup: createRedshiftIngress(new RedshiftClient({ region: 'us-east-1' })),
      vpcSecurityGroup: realVpcBackend(),
    },
    results: createQueuePublisher(sqs, RESULTS_URL, { retryDelayMs: 1 }),
    visibility: createVisibilityController(sqs),
    queueUrlOf: options.queueUrlOf ?? ((arn) => queueUrlFromArn(arn)),
    callbacks: createTaskCallbacks(new SFNClient({ region: 'us-east-1' })),
    config: {
      policy: {
        allowedGroups: ['analytics-*'],
        allowedClusters: ['analytics-*'],
        allowedWorkgroups: ['bi-*'],
        allowedSecurityGroupIds: ['sg-0d00d00d'],
        minCidrPrefix: 16,
        requireApproval: false,
      },
      maxReceiveCount: 5,
      concurrency: 4,
      retryBaseSeconds: 30,
      retryMaxSeconds: 900,
      ...options.config,
    },
    logger,
    metrics: {
      addMetric: (name, _unit, value) => {
        metrics[name] = (metrics[name] ?? 0) + value;
      },
    },
    now: () => new Date('2026-11-27T05:00:00.000Z'),
    random: () => 0.5,
  });
  return { processBatch, logs, metrics };
}

/** Every outcome sent with SendMessageBatch, parsed and checked against the published schema. */
export function publishedOutcomes(sqsMock: SqsStub): Outcome[] {
  return sqsMock
    .commandCalls(SendMessageBatchCommand)
    .flatMap((call) => call.args[0].input.Entries ?? [])
    .map((entry) => outcomeSchema.parse(JSON.parse(entry.MessageBody as string)));
}

/** Every outcome v2 sent with SendMessageBatch, parsed and checked against the published schema v2. */
export function publishedOutcomesV2(sqsMock: SqsStub): OutcomeV2[] {
  return sqsMock
    .commandCalls(SendMessageBatchCommand)
    .flatMap((call) => call.args[0].input.Entries ?? [])
    .map((entry) => outcomeV2Schema.parse(JSON.parse(entry.MessageBody as string)));
}

/** Makes SendMessageBatch accept every entry, as SQS does when all is well. */
export function acceptAllSends(sqsMock: SqsStub): void {
  sqsMock.on(SendMessageBatchCommand).callsFake((input: { Entries?: { Id?: string }[] }) => ({
    Successful: (input.Entries ?? []).map((entry) => ({
      Id: entry.Id,
      MessageId: `out-${entry.Id}`,
      MD5OfMessageBody: '',
    })),
    Failed: [],
  }));
}
