import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { type Outcome, outcomeSchema } from '../../src/domain/outcome-schema.js';
import { forEachBounded, sleep } from '../../src/shared/run-bounded.js';
import { mulberry32, zeroStats } from '../emulator/faults.js';
import type { Emulator, FaultRule, FaultStats } from '../emulator/index.js';
import { type LocalService, startLocalService } from '../service.js';
import { type ChaosCheck, checkRun, type Delivery, type Violation } from './check-run.js';
import { createOrderingProbe, type OrderingProbeResult } from './ordering-probe.js';
import { DEFAULT_SHARES, generateWorkload, type Wave, type WorkloadShares } from './workload.js';

/** The faults of a run; rates are probabilities from 0 to 1. */
export interface ChaosFaults {
  /** Redshift Authorize/Revoke answered with throttling, 500 or 503 instead of being applied. */
  readonly redshiftErrorRate: number;
  /** Redshift Authorize/Revoke applied, then the answer lost (500 or a dropped connection). */
  readonly redshiftLostAnswerRate: number;
  readonly redshiftLatencyMs: number;
  readonly redshiftJitterMs: number;
  /** SendMessageBatch (the outcomes) failing as a whole. */
  readonly sendBatchErrorRate: number;
  /** SendMessageBatch entries failing in `Failed[]` with HTTP 200. */
  readonly sendBatchEntryFailureRate: number;
  readonly sendBatchLatencyMs: number;
  readonly sendBatchJitterMs: number;
  /** ChangeMessageVisibilityBatch (the retry backoff) failing. */
  readonly visibilityErrorRate: number;
  /** Batches the runner drops after the handler ran, as if the function crashed before returning. */
  readonly dropRate: number;
  /** Send one small wave while Redshift is down, so some requests exhaust their retries. */
  readonly outage: boolean;
}

/** Options of {@link runChaos}; everything has a default. */
export interface ChaosOptions {
  /** Messages to send, duplicates and invalid bodies included. Default 10,000. */
  readonly requests?: number;
  /** Seeds the workload, the fault draws and the dropped batches. Default 42. */
  readonly seed?: number;
  /** FIFO queues with MessageGroupId = group, and conflicting requests inside a wave. Default false. */
  readonly fifo?: boolean;
  /** Waves sent one after another, each settling first. Default 5. */
  readonly waves?: number;
  /** Ordinary groups. Default: one per 250 requests, from 4 to 40. */
  readonly groups?: number;
  readonly shares?: Partial<WorkloadShares>;
  readonly faults?: Partial<ChaosFaults>;
  /** The requests queue's maxReceiveCount and the handler's MAX_RECEIVE_COUNT. Default 4. */
  readonly maxReceiveCount?: number;
  /** The requests queue's visibility timeout; also the function timeout. Default 2. */
  readonly visibilityTimeoutSeconds?: number;
  readonly retryBaseSeconds?: number;
  readonly retryMaxSeconds?: number;
  /** Records per invocation. Default 10. */
  readonly batchSize?: number;
  /** Invocations at once. Default 4. */
  readonly maximumConcurrency?: number;
  /** The handler's CONCURRENCY. Default 4. */
  readonly concurrency?: number;
  /** Give up on a wave that has not settled after this long. Default 180 s. */
  readonly settleTimeoutMs?: number;
  /** Receives one line per stage, for a person watching. */
  readonly progress?: (line: string) => void;
}

/** What a run did and found. */
export interface ChaosReport extends ChaosCheck {
  readonly seed: number;
  readonly mode: 'standard' | 'fifo';
  readonly settings: {
    readonly requests: number;
    readonly waves: number;
    readonly groups: number;
    readonly maxReceiveCount: number;
    readonly visibilityTimeoutSeconds: number;
    readonly retryBaseSeconds: number;
    readonly retryMaxSeconds: number;
    readonly shares: WorkloadShares;
    readonly faults: ChaosFaults;
  };
  /** Faults the emulator injected, by kind. */
  readonly injected: FaultStats;
  /**
   * The ordering scenario run after the waves (a lost batch of an authorize, then its revoke): on FIFO
   * queues the last request must win; on standard queues it may not, and the figures say what happened.
   * Absent when the waves did not settle.
   */
  readonly ordering?: OrderingProbeResult;
  /** Invocations of the handler, and poller errors. */
  readonly invocations: number;
  readonly pollerErrors: number;
  readonly elapsedMs: number;
  /** True when no guarantee was broken. */
  readonly ok: boolean;
}

/** Default faults: frequent enough to hit every path, rare enough that most requests finish. */
export const DEFAULT_FAULTS: ChaosFaults = {
  redshiftErrorRate: 0.15,
  redshiftLostAnswerRate: 0.03,
  redshiftLatencyMs: 2,
  redshiftJitterMs: 8,
  sendBatchErrorRate: 0.03,
  sendBatchEntryFailureRate: 0.03,
  sendBatchLatencyMs: 1,
  sendBatchJitterMs: 4,
  visibilityErrorRate: 0.05,
  dropRate: 0.03,
  outage: true,
};

const SEND_CONCURRENCY = 8;
const CHANGE_OPERATIONS = ['AuthorizeClusterSecurityGroupIngress', 'RevokeClusterSecurityGroupIngress'];

/**
 * Runs the real handler on the local stack under injected faults, sends a seeded workload in waves
 * (each settling before the next), then checks every guarantee and returns the figures.
 *
 * The seed fixes the workload and the sequence of fault draws; which request meets which fault also
 * depends on timing, so a replay sends the same requests under the same kinds and rates of faults.
 */
export async function runChaos(options: ChaosOptions = {}): Promise<ChaosReport> {
  const started = Date.now();
  const requests = options.requests ?? 10_000;
  const seed = options.seed ?? 42;
  const fifo = options.fifo ?? false;
  const waveCount = options.waves ?? 5;
  const groupCount = options.groups ?? Math.min(40, Math.max(4, Math.ceil(requests / 250)));
  const shares = { ...DEFAULT_SHARES, ...options.shares };
  const faults = { ...DEFAULT_FAULTS, ...options.faults };
  const maxReceiveCount = options.maxReceiveCount ?? 4;
  const visibilityTimeoutSeconds = options.visibilityTimeoutSeconds ?? 2;
  const retryBaseSeconds = options.retryBaseSeconds ?? 1;
  const retryMaxSeconds = options.retryMaxSeconds ?? 4;
  const settleTimeoutMs = options.settleTimeoutMs ?? 180_000;
  const progress = options.progress ?? (() => undefined);
  checkOptions({
    requests,
    waveCount,
    groupCount,
    maxReceiveCount,
    visibilityTimeoutSeconds,
    shares,
    faults,
  });

  const workload = generateWorkload({
    requests,
    seed,
    fifo,
    waves: waveCount,
    groups: groupCount,
    outage: faults.outage,
    shares,
  });
  const deliveries = new Map<string, Delivery[]>();
  const dropRandom = mulberry32(seed ^ 0x5eed);
  const probe = createOrderingProbe(() => ({
    client: service.sqs,
    queueUrl: service.queues.requests.url,
  }));
  /** While the ordering probe runs, only its own drop happens, so what it sees is its scenario alone. */
  let probing = false;
  let pollerErrors = 0;

  // SDK retries would hide most faults; one attempt sends each of them through the service's own retry path.
  const service = await startLocalService({
    port: 0,
    seed,
    queues: { prefix: `chaos-${seed}`, maxReceiveCount, visibilityTimeoutSeconds, fifo },
    groups: Object.fromEntries(workload.groups.map((group) => [group.name, group.initialCidrs])),
    env: {
      ALLOWED_GROUPS: workload.allowedGroups,
      MIN_CIDR_PREFIX: String(workload.minCidrPrefix),
      RETRY_BASE_SECONDS: String(retryBaseSeconds),
      RETRY_MAX_SECONDS: String(retryMaxSeconds),
      CONCURRENCY: String(options.concurrency ?? 4),
      AWS_MAX_ATTEMPTS: '1',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    },
    eventSource: {
      batchSize: options.batchSize ?? 10,
      maximumConcurrency: options.maximumConcurrency ?? 4,
      waitTimeSeconds: 1,
      // Lambda requires the queue's visibility timeout to be at least the function timeout.
      functionTimeoutMs: visibilityTimeoutSeconds * 1000,
      dropBatch: async (records) =>
        (await probe.dropBatch(records)) || (!probing && dropRandom() < faults.dropRate),
      onInvoke: (report) => {
        probe.observe(report);
        for (const record of report.records) {
          const list = deliveries.get(record.messageId) ?? [];
          list.push({
            receiveCount: Number(record.attributes.ApproximateReceiveCount),
            result: report.outcome,
          });
          deliveries.set(record.messageId, list);
        }
      },
      onError: () => {
        pollerErrors += 1;
      },
    },
  });
  const emulator = service.emulator as Emulator;
  const client = new SQSClient({ endpoint: service.endpoint, region: process.env.AWS_REGION ?? 'us-east-1' });
  const injected = zeroStats();
  const setRules = (rules: FaultRule[]): void => {
    addStats(injected, emulator.faults.stats);
    emulator.faults.setRules(rules, seed);
  };

  try {
    const baseRules = faultRules(faults);
    setRules(baseRules);
    const sent = new Map<string, string>();
    const failures: Violation[] = [];
    for (const wave of workload.waves) {
      const waveStarted = Date.now();
      if (wave.outage) setRules([...outageRules(), ...baseRules]);
      await sendWave(client, service, wave, fifo, sent);
      const settled = await settle(client, service, Date.now() + settleTimeoutMs);
      if (wave.outage) setRules(baseRules);
      progress(
        `wave ${wave.index + 1}/${workload.waves.length}${wave.outage ? ' (Redshift down)' : ''}: ${wave.messages.length} messages, ${settled ? 'settled' : 'NOT settled'} in ${((Date.now() - waveStarted) / 1000).toFixed(1)} s`,
      );
      if (!settled) {
        failures.push({
          check: 'settled',
          detail: `wave ${wave.index + 1} did not settle in ${settleTimeoutMs} ms`,
        });
        break;
      }
    }
    addStats(injected, emulator.faults.stats);
    emulator.faults.clear();

    const { outcomes, malformed } = await drainOutcomes(client, service.queues.results.url);
    const deadLettered = new Set(
      (await drainQueue(client, service.queues.requestsDlq.url)).map((message) => message.MessageId ?? ''),
    );
    const check = checkRun(workload, {
      sent,
      outcomes,
      deadLettered,
      remaining: await queueDepth(client, service.queues.requests.url),
      groups: emulator.redshiftGroups(),
      deliveries,
      maxReceiveCount,
    });
    let ordering: OrderingProbeResult | undefined;
    const orderingViolations: Violation[] = [];
    if (failures.length === 0) {
      probing = true;
      progress('ordering probe: an authorize whose batch is lost after its outcome, then its revoke');
      ordering = await probe.run(client, service, Date.now() + settleTimeoutMs);
      // A FIFO queue holds the revoke back while the authorize is in flight; a standard queue cannot.
      if (fifo && !ordering.lastRequestWins) {
        orderingViolations.push({
          check: 'ordering',
          detail: `the rule remains after its revoke, the last request sent (deliveries: ${ordering.deliveries.map((d) => `${d.requestId}#${d.receiveCount}`).join(', ')})`,
        });
      }
    }
    const violations = [
      ...failures,
      ...malformed.map((detail) => ({ check: 'outcome', detail })),
      ...check.violations,
      ...orderingViolations,
    ];
    return {
      ...check,
      violations,
      seed,
      mode: fifo ? 'fifo' : 'standard',
      settings: {
        requests,
        waves: workload.waves.length,
        groups: workload.groups.length,
        maxReceiveCount,
        visibilityTimeoutSeconds,
        retryBaseSeconds,
        retryMaxSeconds,
        shares,
        faults,
      },
      injected,
      ...(ordering && { ordering }),
      invocations: service.eventSource.stats.invocations,
      pollerErrors,
      elapsedMs: Date.now() - started,
      ok: violations.length === 0,
    };
  } finally {
    client.destroy();
    await service.stop();
  }
}

function checkOptions(values: {
  requests: number;
  waveCount: number;
  groupCount: number;
  maxReceiveCount: number;
  visibilityTimeoutSeconds: number;
  shares: WorkloadShares;
  faults: ChaosFaults;
}): void {
  const problems: string[] = [];
  const whole = (name: string, value: number, min: number): void => {
    if (!Number.isInteger(value) || value < min)
      problems.push(`${name}: must be a whole number >= ${min}, got ${value}`);
  };
  whole('requests', values.requests, 1);
  whole('waves', values.waveCount, 1);
  whole('groups', values.groupCount, 1);
  whole('maxReceiveCount', values.maxReceiveCount, 1);
  whole('visibilityTimeoutSeconds', values.visibilityTimeoutSeconds, 1);
  const rates: Array<[string, number]> = [
    ...Object.entries(values.shares).map(([name, value]): [string, number] => [`shares.${name}`, value]),
    ...Object.entries(values.faults)
      .filter((entry): entry is [string, number] => typeof entry[1] === 'number' && entry[0].endsWith('Rate'))
      .map(([name, value]): [string, number] => [`faults.${name}`, value]),
  ];
  for (const [name, value] of rates) {
    if (!(value >= 0 && value <= 1))
      problems.push(`${name}: must be a probability from 0 to 1, got ${value}`);
  }
  const { invalid, refused, overQuota } = values.shares;
  if (invalid + refused + overQuota > 1) {
    problems.push(
      `shares: invalid + refused + overQuota must be at most 1, got ${invalid + refused + overQuota}`,
    );
  }
  if (problems.length > 0) throw new RangeError(`invalid chaos options: ${problems.join('; ')}`);
}

function faultRules(faults: ChaosFaults): FaultRule[] {
  return [
    ...CHANGE_OPERATIONS.flatMap((operation): FaultRule[] => [
      {
        service: 'redshift',
        operation,
        errorRate: faults.redshiftErrorRate,
        errors: ['Throttling', 'InternalError500', 'ServiceUnavailable503'],
        latencyMs: faults.redshiftLatencyMs,
        jitterMs: faults.redshiftJitterMs,
      },
      {
        service: 'redshift',
        operation,
        errorRate: faults.redshiftLostAnswerRate,
        errors: ['InternalError500', 'DropConnection'],
        afterProcessing: true,
      },
    ]),
    {
      service: 'sqs',
      operation: 'SendMessageBatch',
      errorRate: faults.sendBatchErrorRate,
      entryFailureRate: faults.sendBatchEntryFailureRate,
      latencyMs: faults.sendBatchLatencyMs,
      jitterMs: faults.sendBatchJitterMs,
    },
    { service: 'sqs', operation: 'ChangeMessageVisibilityBatch', errorRate: faults.visibilityErrorRate },
  ];
}

/** Redshift refuses every change: the first matching rule with an error wins, so these go first. */
function outageRules(): FaultRule[] {
  return CHANGE_OPERATIONS.map((operation) => ({
    service: 'redshift',
    operation,
    errorRate: 1,
    errors: ['ServiceUnavailable503'],
  }));
}

/**
 * Sends a wave with SendMessage, so that fault rules on SendMessageBatch hit the service's outcomes
 * only and every message id is known. FIFO: each message group in order, groups in parallel.
 */
async function sendWave(
  client: SQSClient,
  service: LocalService,
  wave: Wave,
  fifo: boolean,
  sent: Map<string, string>,
): Promise<void> {
  const send = async (message: Wave['messages'][number]): Promise<void> => {
    const { MessageId } = await client.send(
      new SendMessageCommand({
        QueueUrl: service.queues.requests.url,
        MessageBody: message.body,
        ...(fifo && { MessageGroupId: message.messageGroupId, MessageDeduplicationId: message.key }),
      }),
    );
    if (MessageId !== undefined) sent.set(message.key, MessageId);
  };
  if (!fifo) {
    await forEachBounded(wave.messages, SEND_CONCURRENCY, send);
    return;
  }
  const byGroup = new Map<string, Wave['messages'][number][]>();
  for (const message of wave.messages) {
    const list = byGroup.get(message.messageGroupId) ?? [];
    list.push(message);
    byGroup.set(message.messageGroupId, list);
  }
  await forEachBounded([...byGroup.values()], SEND_CONCURRENCY, async (messages) => {
    for (const message of messages) await send(message);
  });
}

/**
 * Waits until the requests queue is empty and no handler call is running: every message is then
 * deleted or dead-lettered, and nothing of this wave can still act on Redshift.
 */
async function settle(client: SQSClient, service: LocalService, deadline: number): Promise<boolean> {
  while (Date.now() < deadline) {
    const depth = await queueDepth(client, service.queues.requests.url);
    if (depth === 0 && service.eventSource.stats.running === 0) return true;
    await sleep(100);
  }
  return false;
}

async function queueDepth(client: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) +
    Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0)
  );
}

/** Receives and deletes every message of a queue whose producers have stopped. */
async function drainQueue(client: SQSClient, queueUrl: string): Promise<Message[]> {
  const drained: Message[] = [];
  while ((await queueDepth(client, queueUrl)) > 0) {
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 300,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) {
      await sleep(50);
      continue;
    }
    drained.push(...Messages);
    await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle,
        })),
      }),
    );
  }
  return drained;
}

async function drainOutcomes(
  client: SQSClient,
  queueUrl: string,
): Promise<{ outcomes: Outcome[]; malformed: string[] }> {
  const outcomes: Outcome[] = [];
  const malformed: string[] = [];
  for (const message of await drainQueue(client, queueUrl)) {
    let json: unknown;
    try {
      json = JSON.parse(message.Body ?? '');
    } catch {
      malformed.push(`results message ${message.MessageId} is not JSON`);
      continue;
    }
    const parsed = outcomeSchema.safeParse(json);
    if (parsed.success) outcomes.push(parsed.data);
    else malformed.push(`results message ${message.MessageId} does not match the outcome schema`);
  }
  return { outcomes, malformed };
}

function addStats(total: Record<keyof FaultStats, number>, more: FaultStats): void {
  for (const key of Object.keys(total) as Array<keyof FaultStats>) total[key] += more[key];
}
