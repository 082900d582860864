import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { requestMessageGroupId } from '../../src/domain/message-group.js';
import { type Outcome, outcomeSchema } from '../../src/domain/outcome-schema.js';
import { sleep } from '../../src/shared/run-bounded.js';
import type { InvocationReport } from '../event-source.js';
import type { LocalService } from '../service.js';
import { ensureClusterSecurityGroup } from '../stack.js';

/** The group the probe changes: matched by the chaos run's ALLOWED_GROUPS, used by nothing else. */
export const PROBE_GROUP = 'chaos-ordering-probe';
const PROBE_CIDR = '203.0.113.0/24';
const AUTHORIZE_ID = 'ordering-probe-authorize';
const REVOKE_ID = 'ordering-probe-revoke';
/**
 * How long the lost authorize stays invisible: a deployed queue's visibility timeout is six times the
 * function timeout, far longer than the chaos run's; 5 s leaves the revoke ample time on a busy machine,
 * so which of the two a standard queue delivers first does not depend on the machine's speed.
 */
const LOST_BATCH_SECONDS = 5;

/** One delivery of a probe request to the handler, in the order the handler ran them. */
export interface ProbeDelivery {
  readonly requestId: string;
  readonly receiveCount: number;
  readonly result: InvocationReport['outcome'];
}

/** What the ordering probe saw. */
export interface OrderingProbeResult {
  /** Deliveries of the authorize and the revoke, in the order the handler finished them. */
  readonly deliveries: readonly ProbeDelivery[];
  /** Outcomes of the two requests, in arrival order. */
  readonly outcomes: readonly Pick<Outcome, 'requestId' | 'status' | 'attempt'>[];
  /** The revoke was applied before the authorize's lost batch was delivered again. */
  readonly revokeRanFirst: boolean;
  /** The rule is present at the end although the last request sent was its revoke. */
  readonly ruleRemains: boolean;
  /** True when the final rules are those of the last request sent: the rule is gone. */
  readonly lastRequestWins: boolean;
}

/** The probe's hooks into the event source, installed before the service starts. */
export interface OrderingProbe {
  /**
   * For the event source's dropBatch: drops the batch of the authorize's first delivery, once, keeping
   * its message invisible for LOST_BATCH_SECONDS as a lost invocation leaves it.
   */
  dropBatch(records: readonly SQSRecord[]): Promise<boolean>;
  /** For the event source's onInvoke: records the probe's deliveries. */
  observe(report: InvocationReport): void;
  /** Runs the scenario on a settled service with no faults set. */
  run(client: SQSClient, service: LocalService, deadline: number): Promise<OrderingProbeResult>;
}

const requestIdOf = (record: SQSRecord): string | undefined => {
  try {
    return (JSON.parse(record.body) as { requestId?: string }).requestId;
  } catch {
    return undefined;
  }
};

/**
 * The ordering scenario: the first delivery of an authorize publishes its outcome, then its batch is
 * lost (the function crashed or timed out before returning), so the message stays on the queue and
 * comes back after its visibility timeout. The producer, having read the outcome, sends the revoke.
 *
 * On a FIFO queue the message group (the target) is blocked while the authorize is in flight: the
 * revoke is delivered only after the authorize's redelivery, and the rule ends absent, as the last
 * request asked. On a standard queue nothing holds the revoke back: it runs first, the redelivered
 * authorize applies the rule again, and the rule remains although the last request was its revoke.
 */
export function createOrderingProbe(sqs: () => { client: SQSClient; queueUrl: string }): OrderingProbe {
  let armed = false;
  let dropped = false;
  const deliveries: ProbeDelivery[] = [];
  return {
    async dropBatch(records) {
      if (!armed || dropped) return false;
      const first = records.find(
        (record) => requestIdOf(record) === AUTHORIZE_ID && record.attributes.ApproximateReceiveCount === '1',
      );
      if (first === undefined) return false;
      dropped = true;
      const { client, queueUrl } = sqs();
      await client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: first.receiptHandle,
          VisibilityTimeout: LOST_BATCH_SECONDS,
        }),
      );
      return true;
    },
    observe(report) {
      for (const record of report.records) {
        const requestId = requestIdOf(record);
        if (requestId !== AUTHORIZE_ID && requestId !== REVOKE_ID) continue;
        deliveries.push({
          requestId,
          receiveCount: Number(record.attributes.ApproximateReceiveCount),
          result: report.outcome,
        });
      }
    },
    async run(client, service, deadline) {
      await ensureClusterSecurityGroup(service.redshift, PROBE_GROUP);
      const fifo = service.queues.requests.url.endsWith('.fifo');
      const send = async (requestId: string, action: 'authorize' | 'revoke'): Promise<void> => {
        const body = JSON.stringify({
          version: 1,
          requestId,
          action,
          clusterSecurityGroupName: PROBE_GROUP,
          cidrIp: PROBE_CIDR,
        });
        await client.send(
          new SendMessageCommand({
            QueueUrl: service.queues.requests.url,
            MessageBody: body,
            ...(fifo && {
              MessageGroupId: requestMessageGroupId({ clusterSecurityGroupName: PROBE_GROUP }),
              MessageDeduplicationId: requestId,
            }),
          }),
        );
      };
      const outcomes: Outcome[] = [];
      const waitFor = async (what: string, done: () => boolean): Promise<void> => {
        while (!done()) {
          if (Date.now() > deadline) throw new Error(`ordering probe: no ${what} before the deadline`);
          outcomes.push(...(await receiveOutcomes(client, service.queues.results.url)));
        }
      };

      armed = true;
      await send(AUTHORIZE_ID, 'authorize');
      // The producer follows the advice "send a conflicting request only after the first one's outcome".
      await waitFor('outcome of the authorize', () => outcomes.some((o) => o.requestId === AUTHORIZE_ID));
      await send(REVOKE_ID, 'revoke');
      await waitFor(
        'outcome of the revoke and of the redelivered authorize',
        () =>
          outcomes.some((o) => o.requestId === REVOKE_ID) &&
          outcomes.filter((o) => o.requestId === AUTHORIZE_ID).length >= 2,
      );
      // Both are settled once nothing runs: only then are the final rules the final ones.
      while (service.eventSource.stats.running > 0 && Date.now() < deadline) await sleep(50);

      const group = service.emulator?.redshiftGroups().find(({ name }) => name === PROBE_GROUP);
      const ruleRemains = group?.cidrIps.includes(PROBE_CIDR) ?? false;
      const revokeAt = deliveries.findIndex((d) => d.requestId === REVOKE_ID);
      const redeliveryAt = deliveries.findIndex((d) => d.requestId === AUTHORIZE_ID && d.receiveCount > 1);
      return {
        deliveries: [...deliveries],
        outcomes: outcomes.map(({ requestId, status, attempt }) => ({ requestId, status, attempt })),
        revokeRanFirst: revokeAt >= 0 && (redeliveryAt < 0 || revokeAt < redeliveryAt),
        ruleRemains,
        lastRequestWins: !ruleRemains,
      };
    },
  };
}

async function receiveOutcomes(client: SQSClient, queueUrl: string): Promise<Outcome[]> {
  const { Messages = [] } = await client.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
  );
  if (Messages.length === 0) return [];
  await client.send(
    new DeleteMessageBatchCommand({
      QueueUrl: queueUrl,
      Entries: Messages.map((message, index) => ({
        Id: String(index),
        ReceiptHandle: message.ReceiptHandle,
      })),
    }),
  );
  return Messages.flatMap((message) => {
    const parsed = outcomeSchema.safeParse(JSON.parse(message.Body ?? 'null'));
    return parsed.success ? [parsed.data] : [];
  });
}
