import { isSuccess, type Outcome, Status } from '../../src/domain/outcome.js';
import { targetKey } from '../../src/domain/request.js';
import type { ClusterSecurityGroupSnapshot } from '../emulator/index.js';
import { GroupRole, MessageKind, type PlannedMessage, type Wave, type Workload } from './workload.js';

/** One delivery of a request message to the handler, as the event source reported it. */
export interface Delivery {
  /** The message's ApproximateReceiveCount at this delivery. */
  readonly receiveCount: number;
  /** `dropped` (crash after the handler ran) and `error` (threw or timed out) delete nothing. */
  readonly result: 'success' | 'partial' | 'error' | 'dropped';
}

/** What the run observed once every wave had settled. */
export interface ChaosObservations {
  /** SQS message id of every planned message, by planned key. */
  readonly sent: ReadonlyMap<string, string>;
  /** Every outcome read from the results queue. */
  readonly outcomes: readonly Outcome[];
  /** Message ids found on the requests DLQ. */
  readonly deadLettered: ReadonlySet<string>;
  /** Messages still on the requests queue (visible, in flight or delayed). */
  readonly remaining: number;
  /** The cluster security groups and their rules at the end. */
  readonly groups: readonly ClusterSecurityGroupSnapshot[];
  /** Every delivery of each message, by message id. */
  readonly deliveries: ReadonlyMap<string, readonly Delivery[]>;
  /** The requests queue's redrive maxReceiveCount. */
  readonly maxReceiveCount: number;
}

/** One broken guarantee, named by the check and the message or group it concerns. */
export interface Violation {
  readonly check: string;
  readonly detail: string;
}

/** The figures of a run and every violation found. */
export interface ChaosCheck {
  readonly counts: {
    readonly sent: number;
    readonly requests: number;
    readonly duplicateSends: number;
    readonly byKind: Readonly<Record<MessageKind, number>>;
    readonly outcomes: number;
    readonly byStatus: Readonly<Record<Status, number>>;
    /** Outcomes beyond the first of a message (at-least-once delivery). */
    readonly duplicateOutcomes: number;
    readonly messagesWithDuplicateOutcomes: number;
    readonly acknowledged: number;
    readonly deadLettered: number;
    /** Dead-lettered messages whose final delivery was cut short (crash or timeout) rather than failed. */
    readonly deadLetteredCutShort: number;
    /** Acknowledged messages without any outcome: must be 0. */
    readonly lost: number;
    /** Deliveries cut short by a dropped batch or a handler error/timeout. */
    readonly cutShortDeliveries: number;
    readonly deliveries: number;
    /** Targets whose final rule the run checked, and those a failed request left either way. */
    readonly targetsChecked: number;
    readonly targetsUndetermined: number;
  };
  readonly violations: readonly Violation[];
}

const QUOTA = 20;
const QUOTA_CODE = 'AuthorizationQuotaExceededFault';

/**
 * Checks a run's observations against the guarantees: an outcome for every request, none lost,
 * the DLQ holding only exhausted requests with their `failed` outcome, invalid and refused bodies
 * rejected without touching Redshift, the 20-rule quota, and each target's final rule as the last
 * request in send order left it.
 */
export function checkRun(workload: Workload, observed: ChaosObservations): ChaosCheck {
  const violations: Violation[] = [];
  const violate = (check: string, detail: string): void => {
    violations.push({ check, detail });
  };

  const messages = workload.waves.flatMap((wave) => wave.messages);
  const byMessageId = new Map<string, PlannedMessage>();
  for (const message of messages) {
    const id = observed.sent.get(message.key);
    if (id === undefined) violate('sent', `${message.key} was never accepted by the requests queue`);
    else byMessageId.set(id, message);
  }

  const outcomesOf = new Map<string, Outcome[]>();
  for (const outcome of observed.outcomes) {
    if (!byMessageId.has(outcome.messageId)) {
      violate(
        'outcome',
        `outcome for message ${outcome.messageId} (${outcome.requestId}), which was never sent`,
      );
      continue;
    }
    const list = outcomesOf.get(outcome.messageId) ?? [];
    list.push(outcome);
    outcomesOf.set(outcome.messageId, list);
  }
  for (const list of outcomesOf.values()) list.sort((a, b) => a.attempt - b.attempt);

  const byStatus = Object.fromEntries(Object.values(Status).map((status) => [status, 0])) as Record<
    Status,
    number
  >;
  for (const outcome of observed.outcomes) byStatus[outcome.status] += 1;
  const byKind = Object.fromEntries(Object.values(MessageKind).map((kind) => [kind, 0])) as Record<
    MessageKind,
    number
  >;
  for (const message of messages) byKind[message.kind] += 1;

  if (observed.remaining > 0) {
    violate('settled', `${observed.remaining} messages are still on the requests queue`);
  }

  let duplicateOutcomes = 0;
  let messagesWithDuplicateOutcomes = 0;
  let lost = 0;
  let deadLetteredCutShort = 0;
  let cutShortDeliveries = 0;
  let deliveryCount = 0;
  for (const [messageId, message] of byMessageId) {
    const outcomes = outcomesOf.get(messageId) ?? [];
    const deliveries = observed.deliveries.get(messageId) ?? [];
    deliveryCount += deliveries.length;
    cutShortDeliveries += deliveries.filter(isCutShort).length;
    const label = `${message.key} (message ${messageId})`;

    if (outcomes.length > 1) {
      duplicateOutcomes += outcomes.length - 1;
      messagesWithDuplicateOutcomes += 1;
    }
    // At most one outcome per delivery: a duplicate must come from a redelivery, never a double publish.
    const attempts = new Set(outcomes.map((outcome) => outcome.attempt));
    if (attempts.size < outcomes.length) {
      violate('duplicates', `${label} has ${outcomes.length} outcomes from ${attempts.size} deliveries`);
    }
    if (outcomes.length > Math.max(deliveries.length, 1)) {
      violate(
        'duplicates',
        `${label} has ${outcomes.length} outcomes but was delivered ${deliveries.length} times`,
      );
    }
    const expectedRequestId = message.requestId ?? messageId;
    for (const outcome of outcomes) {
      if (outcome.requestId !== expectedRequestId) {
        violate(
          'correlation',
          `${label}: outcome requestId ${outcome.requestId}, expected ${expectedRequestId}`,
        );
      }
    }

    const deadLettered = observed.deadLettered.has(messageId);
    const finalDelivery = deliveries.reduce<Delivery | undefined>(
      (last, delivery) =>
        last === undefined || delivery.receiveCount >= last.receiveCount ? delivery : last,
      undefined,
    );
    if (deadLettered) {
      const exhausted = (finalDelivery?.receiveCount ?? 0) >= observed.maxReceiveCount;
      if (!exhausted) {
        violate(
          'dlq',
          `${label} is on the DLQ after ${finalDelivery?.receiveCount ?? 0} of ${observed.maxReceiveCount} deliveries`,
        );
      }
      const failedLast = outcomes.some(
        (outcome) => outcome.status === Status.failed && outcome.attempt >= observed.maxReceiveCount,
      );
      if (!failedLast) {
        if (finalDelivery !== undefined && isCutShort(finalDelivery)) deadLetteredCutShort += 1;
        else violate('dlq', `${label} is on the DLQ without a failed outcome on its last attempt`);
      }
    } else {
      if (outcomes.length === 0) {
        lost += 1;
        violate('lost', `${label} was acknowledged without any outcome`);
      }
      if (outcomes.some((outcome) => outcome.status === Status.failed)) {
        violate('dlq', `${label} has a failed outcome but is not on the DLQ`);
      }
    }
    checkStatuses(message, outcomes, label, violate);
  }

  for (const wave of workload.waves.filter((candidate) => candidate.outage)) {
    for (const message of wave.messages) {
      const id = observed.sent.get(message.key);
      if (message.kind === MessageKind.valid && id !== undefined && !observed.deadLettered.has(id)) {
        violate('outage', `${message.key} was sent while Redshift was down yet did not reach the DLQ`);
      }
    }
  }

  const rules = checkRules(workload, observed, outcomesOf, violate);

  return {
    counts: {
      sent: byMessageId.size,
      requests: new Set(messages.map((message) => message.duplicateOf ?? message.key)).size,
      duplicateSends: messages.filter((message) => message.duplicateOf !== undefined).length,
      byKind,
      outcomes: observed.outcomes.length,
      byStatus,
      duplicateOutcomes,
      messagesWithDuplicateOutcomes,
      acknowledged: byMessageId.size - observed.deadLettered.size - observed.remaining,
      deadLettered: observed.deadLettered.size,
      deadLetteredCutShort,
      lost,
      cutShortDeliveries,
      deliveries: deliveryCount,
      targetsChecked: rules.checked,
      targetsUndetermined: rules.undetermined,
    },
    violations,
  };
}

function isCutShort(delivery: Delivery): boolean {
  return delivery.result === 'dropped' || delivery.result === 'error';
}

/** Each kind of message may end only in certain statuses, and a rejection must say why. */
function checkStatuses(
  message: PlannedMessage,
  outcomes: readonly Outcome[],
  label: string,
  violate: (check: string, detail: string) => void,
): void {
  for (const outcome of outcomes) {
    const describe = `${label}: ${outcome.status}${outcome.error ? ` (${outcome.error.code}: ${outcome.error.message})` : ''}`;
    switch (message.kind) {
      case MessageKind.invalid: {
        const named = outcome.error?.message.includes(`${message.field}: `) ?? false;
        if (outcome.status !== Status.rejected || outcome.error?.code !== 'InvalidRequest' || !named) {
          violate('invalid', `${describe}; expected rejected naming ${message.field}`);
        }
        if (outcome.rule !== undefined)
          violate('invalid', `${label}: an invalid body's outcome names a rule`);
        break;
      }
      case MessageKind.refused:
        if (outcome.status !== Status.rejected || outcome.error?.code !== 'PolicyRefused') {
          violate('refused', `${describe}; expected rejected by policy`);
        }
        break;
      case MessageKind.overQuota:
        if (
          outcome.status !== Status.authorized &&
          outcome.status !== Status.alreadyAuthorized &&
          outcome.status !== Status.failed &&
          !(outcome.status === Status.rejected && outcome.error?.code === QUOTA_CODE)
        ) {
          violate('quota', `${describe}; expected authorized, or rejected with ${QUOTA_CODE}`);
        }
        break;
      case MessageKind.valid: {
        const allowed =
          message.intent?.action === 'revoke'
            ? [Status.revoked, Status.alreadyRevoked, Status.failed]
            : [Status.authorized, Status.alreadyAuthorized, Status.failed];
        if (!(allowed as Status[]).includes(outcome.status)) {
          violate('status', `${describe}; expected one of ${allowed.join(', ')}`);
        }
        break;
      }
    }
  }
}

/** How a request ended, as far as its effect goes. */
type Settled = 'succeeded' | 'rejected' | 'failed';

function settledOf(outcomes: readonly Outcome[]): Settled {
  if (outcomes.some((outcome) => isSuccess(outcome.status))) return 'succeeded';
  if (outcomes.some((outcome) => outcome.status === Status.rejected)) return 'rejected';
  return 'failed';
}

/**
 * Replays every target's requests in send order (waves in order; within a wave, the order of its
 * FIFO message group, or one action per target on a standard queue): a success sets the rule as
 * asked, a rejection leaves it, a failure may or may not have applied. The final rule must be one
 * the replay allows; a target left either way by a failure counts as undetermined.
 */
function checkRules(
  workload: Workload,
  observed: ChaosObservations,
  outcomesOf: ReadonlyMap<string, Outcome[]>,
  violate: (check: string, detail: string) => void,
): { checked: number; undetermined: number } {
  const snapshots = new Map(observed.groups.map((group) => [group.name, group]));
  let checked = 0;
  let undetermined = 0;
  for (const group of workload.groups) {
    const snapshot = snapshots.get(group.name);
    if (snapshot === undefined) {
      violate('rules', `group ${group.name} no longer exists`);
      continue;
    }
    const present = new Set([
      ...snapshot.cidrIps.map((cidrIp) => targetKey({ clusterSecurityGroupName: '', cidrIp })),
      ...snapshot.ec2SecurityGroups.map((ref) =>
        targetKey({
          clusterSecurityGroupName: '',
          ec2SecurityGroupName: ref.name,
          ec2SecurityGroupOwnerId: ref.ownerId,
        }),
      ),
    ]);
    const initial = new Set(
      group.initialCidrs.map((cidrIp) => targetKey({ clusterSecurityGroupName: '', cidrIp })),
    );
    const known = new Set([...initial, ...group.pool.keys()]);
    const untouchable = group.role === GroupRole.decoy || group.role === GroupRole.forbidden;
    if (untouchable && present.size > 0) {
      violate(
        'rules',
        `${group.name} gained rules (${[...present].join(', ')}) though no request may change it`,
      );
    }
    for (const rule of untouchable ? [] : present) {
      if (!known.has(rule)) violate('rules', `${group.name} holds ${rule}, which no valid request asked for`);
    }
    if (present.size > QUOTA)
      violate('quota', `${group.name} holds ${present.size} rules, above the quota of ${QUOTA}`);
    if (group.role === GroupRole.overQuota) {
      const quotaRejections = [...outcomesOf.values()]
        .flat()
        .filter((o) => o.rule?.clusterSecurityGroupName === group.name && o.error?.code === QUOTA_CODE);
      if (quotaRejections.length > 0 && present.size !== QUOTA) {
        violate('quota', `${group.name} refused rules for quota yet holds ${present.size}, not ${QUOTA}`);
      }
    }

    for (const target of group.pool.keys()) {
      let allowed = new Set<boolean>([initial.has(target)]);
      for (const wave of workload.waves as readonly Wave[]) {
        for (const message of wave.messages) {
          if (message.intent?.group !== group.name || message.intent.target !== target) continue;
          const id = observed.sent.get(message.key);
          const wanted = message.intent.action === 'authorize';
          const settled = settledOf(id === undefined ? [] : (outcomesOf.get(id) ?? []));
          if (settled === 'succeeded') allowed = new Set([wanted]);
          else if (settled === 'failed') allowed.add(wanted);
        }
      }
      checked += 1;
      const actual = present.has(target);
      if (allowed.size > 1) undetermined += 1;
      else if (!allowed.has(actual)) {
        violate(
          'final-effect',
          `${group.name} ${target} is ${actual ? 'present' : 'absent'}; the last request in send order left it ${actual ? 'absent' : 'present'}`,
        );
      }
    }
  }
  return { checked, undetermined };
}
