import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { mulberry32 } from '../local/emulator/faults.js';

/** The shape of a benchmark's request stream. */
export interface WorkloadOptions {
  /** Requests in all, duplicates included. */
  readonly requests: number;
  /** Cluster security groups the requests spread over, uniformly at random. */
  readonly groups: number;
  /** Share of the requests that repeat an earlier request of the same batch (0..0.9). */
  readonly duplicateRate: number;
  /** Records per SQS event, as the event source's batch size. */
  readonly batchSize: number;
  /** Seed of the random choices, so every handler gets the same stream. */
  readonly seed?: number;
}

/** What a workload holds, for turning call counts into ratios. */
export interface WorkloadShape {
  readonly requests: number;
  readonly batches: number;
  /** Distinct API calls the stream needs: every request that is not a duplicate. */
  readonly uniqueRequests: number;
  readonly groupNames: readonly string[];
}

/** The prefix of every benchmark group name; the handlers' ALLOWED_GROUPS is `bench-*`. */
export const GROUP_PREFIX = 'bench-group-';

/** Rules a group gets before they are revoked again, well under the API's 20 per group. */
const LIVE_RULES = 10;

/** The group names a workload of `groups` groups uses. */
export function groupNames(groups: number): string[] {
  return Array.from({ length: groups }, (_, index) => `${GROUP_PREFIX}${String(index).padStart(2, '0')}`);
}

/** Counts of a workload without generating it. */
export function describeWorkload(options: WorkloadOptions): WorkloadShape {
  const batches = Math.ceil(options.requests / options.batchSize);
  return {
    requests: options.requests,
    batches,
    uniqueRequests: options.requests - duplicateCount(options),
    groupNames: groupNames(options.groups),
  };
}

function duplicateCount(options: WorkloadOptions): number {
  if (!(options.duplicateRate >= 0 && options.duplicateRate <= 0.9)) {
    throw new RangeError(`duplicateRate: must be from 0 to 0.9, got ${options.duplicateRate}`);
  }
  const batches = Math.ceil(options.requests / options.batchSize);
  // A duplicate repeats an earlier record of its batch, so the first record of a batch never is one.
  return Math.min(Math.round(options.requests * options.duplicateRate), options.requests - batches);
}

/**
 * Generates request bodies batch by batch, lazily, so a long run holds one batch at a time.
 *
 * Each group gets authorizes of 10 new CIDRs, then the revokes of those 10, and so on: realistic
 * churn that stays under the 20-rule quota however long the stream. Duplicates (producer retries,
 * at-least-once delivery) repeat a request of the same batch, which is where coalescing applies.
 */
export function* generateBatches(options: WorkloadOptions): Generator<string[]> {
  const random = mulberry32(options.seed ?? 42);
  const names = groupNames(options.groups);
  const operations = new Array<number>(options.groups).fill(0);
  const { batches } = describeWorkload(options);
  const duplicates = duplicateCount(options);
  let requestNumber = 0;
  for (let batch = 0; batch < batches; batch += 1) {
    const size = Math.min(options.batchSize, options.requests - batch * options.batchSize);
    // Spread duplicates evenly over batches, at random positions after the first.
    const wanted =
      Math.floor(((batch + 1) * duplicates) / batches) - Math.floor((batch * duplicates) / batches);
    const positions = shuffle(
      Array.from({ length: size - 1 }, (_, index) => index + 1),
      random,
    ).slice(0, wanted);
    const duplicateAt = new Set(positions);
    const bodies: string[] = [];
    for (let position = 0; position < size; position += 1) {
      if (duplicateAt.has(position)) {
        bodies.push(bodies[Math.floor(random() * position)] as string);
        continue;
      }
      const group = Math.floor(random() * options.groups);
      const operation = operations[group] as number;
      operations[group] = operation + 1;
      const round = Math.floor(operation / LIVE_RULES);
      const target = Math.floor(round / 2) * LIVE_RULES + (operation % LIVE_RULES);
      requestNumber += 1;
      bodies.push(
        JSON.stringify({
          version: 1,
          requestId: `bench-${requestNumber}`,
          action: round % 2 === 0 ? 'authorize' : 'revoke',
          clusterSecurityGroupName: names[group],
          cidrIp: `10.${group}.${Math.floor(target / 256)}.${target % 256}/32`,
          requestedBy: 'bench',
        }),
      );
    }
    yield bodies;
  }
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let index = items.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [items[index], items[other]] = [items[other] as T, items[index] as T];
  }
  return items;
}

/** Wraps bodies in an SQS event as the event source delivers a first attempt; message ids are stable. */
export function toSqsEvent(bodies: readonly string[], batch: number, queueArn: string): SQSEvent {
  const records = bodies.map((body, index): SQSRecord => {
    const messageId = `00000000-0000-4000-8000-${(batch * 1000 + index).toString(16).padStart(12, '0')}`;
    return {
      messageId,
      receiptHandle: `receipt-${messageId}`,
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '1764220800000',
        SenderId: 'AIDABENCH',
        ApproximateFirstReceiveTimestamp: '1764220800001',
      },
      messageAttributes: {},
      md5OfBody: 'not-checked',
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: 'us-east-1',
    };
  });
  return { Records: records };
}
