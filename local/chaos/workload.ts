import { requestMessageGroupId } from '../../src/domain/message-group.js';
import { type Action, targetKey } from '../../src/domain/request.js';
import { mulberry32 } from '../emulator/faults.js';

/** What a message of the workload is meant to test. */
export const MessageKind = {
  /** A valid request on an ordinary group: its effect is checked against the group's final rules. */
  valid: 'valid',
  /** A valid authorize on a group that is already near its 20-rule quota. */
  overQuota: 'over-quota',
  /** A body that must be rejected as invalid, naming `field`, without reaching Redshift. */
  invalid: 'invalid',
  /** A valid body that policy must refuse without reaching Redshift. */
  refused: 'refused',
} as const;
/** What a message of the workload is meant to test. */
export type MessageKind = (typeof MessageKind)[keyof typeof MessageKind];

/** What each group of the workload is for. */
export const GroupRole = {
  ordinary: 'ordinary',
  overQuota: 'over-quota',
  /** Allowed and existing: invalid bodies name it, so any of them reaching Redshift would leave a rule. */
  decoy: 'decoy',
  /** Existing but not allowed by ALLOWED_GROUPS: refused requests name it. */
  forbidden: 'forbidden',
} as const;
/** What each group of the workload is for. */
export type GroupRole = (typeof GroupRole)[keyof typeof GroupRole];

/** A rule target, in the request's field names. */
export type ChaosTarget =
  | { readonly cidrIp: string }
  | { readonly ec2SecurityGroupName: string; readonly ec2SecurityGroupOwnerId: string };

/** One cluster security group of the workload, with its initial rules and the targets requests may name. */
export interface ChaosGroup {
  readonly name: string;
  readonly role: GroupRole;
  /** CIDRs present before the run. */
  readonly initialCidrs: readonly string[];
  /** Targets valid requests name (initial ones included), by target key. */
  readonly pool: ReadonlyMap<string, ChaosTarget>;
}

/** One message the producer sends. */
export interface PlannedMessage {
  /** Unique within the run: `w<wave>-<index>`. */
  readonly key: string;
  readonly wave: number;
  readonly kind: MessageKind;
  /** The raw message body. */
  readonly body: string;
  /** The FIFO message group: the target the body names (requestMessageGroupId), or `invalid-bodies`. */
  readonly messageGroupId: string;
  /** The requestId in the body, when it has one (duplicates share it). */
  readonly requestId?: string;
  /** Valid and over-quota messages: the group, target key and action. */
  readonly intent?: { readonly group: string; readonly target: string; readonly action: Action };
  /** Invalid messages: the field the rejection must name. */
  readonly field?: string;
  /** Set on a producer duplicate: the key of the message whose body it repeats. */
  readonly duplicateOf?: string;
}

/** One wave: sent together, then left to settle before the next is sent. */
export interface Wave {
  readonly index: number;
  /** Redshift is down for the whole wave: every valid request must exhaust its retries. */
  readonly outage: boolean;
  readonly messages: readonly PlannedMessage[];
}

/** The shares of the workload; each is a probability from 0 to 1. */
export interface WorkloadShares {
  /** Messages that repeat an earlier message of the same wave (a producer retry). */
  readonly duplicate: number;
  /** Valid requests on ordinary groups that revoke rather than authorize. */
  readonly revoke: number;
  readonly invalid: number;
  readonly refused: number;
  readonly overQuota: number;
}

/** Options of {@link generateWorkload}. */
export interface WorkloadOptions {
  readonly requests: number;
  readonly seed: number;
  /** FIFO: conflicting requests for one target inside a wave, ordered by the message group. */
  readonly fifo: boolean;
  readonly waves: number;
  readonly groups: number;
  /** Add a small wave sent while Redshift is down. */
  readonly outage: boolean;
  readonly shares: WorkloadShares;
}

/** The generated workload: groups to create, policy to set and the waves to send. */
export interface Workload {
  readonly groups: readonly ChaosGroup[];
  /** ALLOWED_GROUPS of the run. */
  readonly allowedGroups: string;
  /** MIN_CIDR_PREFIX of the run; refused requests ask for a shorter one. */
  readonly minCidrPrefix: number;
  readonly waves: readonly Wave[];
}

/** Targets of an ordinary group: 13 CIDRs and 3 EC2 groups, so it never reaches the 20-rule quota. */
const ORDINARY_CIDRS = 13;
const EC2_OWNERS = ['111122223333', '444455556666', '777788889999'] as const;
const ORDINARY_INITIAL = 4;
/** An over-quota group starts with 14 rules and is asked for 24 more: 6 fit, the rest must be refused. */
const OVER_QUOTA_INITIAL = 14;
const OVER_QUOTA_POOL = 24;
const DECOY_GROUP = 'chaos-decoy';
const FORBIDDEN_GROUP = 'vault-prod';

/** The default shares: mostly valid requests, with every kind of trouble represented. */
export const DEFAULT_SHARES: WorkloadShares = {
  duplicate: 0.06,
  revoke: 0.35,
  invalid: 0.08,
  refused: 0.04,
  overQuota: 0.1,
};

/** Builds the groups, the policy and the waves of a run from its seed alone, so a seed replays the same workload. */
export function generateWorkload(options: WorkloadOptions): Workload {
  const random = mulberry32(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const chance = (probability: number): boolean => random() < probability;

  const groups = buildGroups(options.groups);
  const ordinary = groups.filter((group) => group.role === GroupRole.ordinary);
  const overQuota = groups.filter((group) => group.role === GroupRole.overQuota);

  const outageSize = options.outage ? Math.max(5, Math.round(options.requests * 0.02)) : 0;
  const regular = Math.max(0, options.requests - outageSize);
  const perWave = Array.from(
    { length: options.waves },
    (_, index) =>
      Math.floor((regular * (index + 1)) / options.waves) - Math.floor((regular * index) / options.waves),
  );

  const waves: Wave[] = [];
  const plan = (index: number, size: number, outage: boolean): void => {
    const messages: PlannedMessage[] = [];
    // Standard queues do not order across batches, so one wave gives each target one action.
    const actions = new Map<string, Action>();
    for (let position = 0; messages.length < size; position += 1) {
      const key = `w${index}-${String(position).padStart(5, '0')}`;
      const original = messages.length > 0 && chance(options.shares.duplicate) ? pick(messages) : undefined;
      if (original !== undefined) {
        messages.push({ ...original, key, duplicateOf: original.duplicateOf ?? original.key });
        continue;
      }
      const requestId = `chaos-${key}`;
      const roll = random();
      const { invalid, refused } = options.shares;
      // An outage wave only needs valid requests and a few invalid ones that must still be rejected at once.
      const overQuotaShare = outage ? 0 : options.shares.overQuota;
      if (roll < invalid) {
        messages.push(invalidMessage(key, index, requestId, pick));
      } else if (roll < invalid + refused) {
        messages.push(refusedMessage(key, index, requestId, pick(ordinary) as ChaosGroup, chance(0.5)));
      } else if (roll < invalid + refused + overQuotaShare && overQuota.length > 0) {
        const group = pick(overQuota);
        const [target, value] = pick([...group.pool.entries()]);
        messages.push(
          validMessage(key, index, requestId, group, target, value, 'authorize', MessageKind.overQuota),
        );
      } else {
        const group = pick(ordinary);
        const [target, value] = pick([...group.pool.entries()]);
        const slot = `${group.name} ${target}`;
        let action = actions.get(slot);
        if (action === undefined || options.fifo) {
          action = chance(options.shares.revoke) ? 'revoke' : 'authorize';
          actions.set(slot, action);
        }
        messages.push(validMessage(key, index, requestId, group, target, value, action, MessageKind.valid));
      }
    }
    // Standard queues: send in a shuffled order. FIFO: the order generated is the order of each message group.
    if (!options.fifo) shuffle(messages, random);
    waves.push({ index, outage, messages });
  };

  let index = 0;
  perWave.forEach((size, position) => {
    plan(index++, size, false);
    // The outage comes after the first wave, so later waves override what it left undone.
    if (position === 0 && outageSize > 0) plan(index++, outageSize, true);
  });
  return { groups, allowedGroups: 'chaos-*', minCidrPrefix: 16, waves };
}

function buildGroups(count: number): ChaosGroup[] {
  const groups: ChaosGroup[] = [];
  for (let g = 1; g <= count; g += 1) {
    const pool = new Map<string, ChaosTarget>();
    const cidrs = Array.from({ length: ORDINARY_CIDRS }, (_, j) => `10.${g}.${j}.0/24`);
    for (const cidrIp of cidrs) pool.set(targetKey({ clusterSecurityGroupName: '', cidrIp }), { cidrIp });
    for (const [j, owner] of EC2_OWNERS.entries()) {
      const target = { ec2SecurityGroupName: `app-${j}`, ec2SecurityGroupOwnerId: owner };
      pool.set(targetKey({ clusterSecurityGroupName: '', ...target }), target);
    }
    groups.push({
      name: `chaos-${String(g).padStart(2, '0')}`,
      role: GroupRole.ordinary,
      initialCidrs: cidrs.slice(0, ORDINARY_INITIAL),
      pool,
    });
  }
  const overQuotaCount = Math.max(1, Math.round(count / 8));
  for (let g = 1; g <= overQuotaCount; g += 1) {
    const pool = new Map<string, ChaosTarget>();
    for (let j = 0; j < OVER_QUOTA_POOL; j += 1) {
      const cidrIp = `172.${16 + g}.${j}.0/24`;
      pool.set(targetKey({ clusterSecurityGroupName: '', cidrIp }), { cidrIp });
    }
    groups.push({
      name: `chaos-full-${String(g).padStart(2, '0')}`,
      role: GroupRole.overQuota,
      initialCidrs: Array.from({ length: OVER_QUOTA_INITIAL }, (_, j) => `192.168.${j}.0/24`),
      pool,
    });
  }
  groups.push({ name: DECOY_GROUP, role: GroupRole.decoy, initialCidrs: [], pool: new Map() });
  groups.push({ name: FORBIDDEN_GROUP, role: GroupRole.forbidden, initialCidrs: [], pool: new Map() });
  return groups;
}

function validMessage(
  key: string,
  wave: number,
  requestId: string,
  group: ChaosGroup,
  target: string,
  value: ChaosTarget,
  action: Action,
  kind: MessageKind,
): PlannedMessage {
  const body = {
    version: 1,
    requestId,
    action,
    clusterSecurityGroupName: group.name,
    ...value,
    requestedBy: 'chaos',
  };
  return {
    key,
    wave,
    kind,
    body: JSON.stringify(body),
    messageGroupId: requestMessageGroupId(body),
    requestId,
    intent: { group: group.name, target, action },
  };
}

function refusedMessage(
  key: string,
  wave: number,
  requestId: string,
  ordinary: ChaosGroup,
  forbiddenGroup: boolean,
): PlannedMessage {
  // Either a group ALLOWED_GROUPS does not match, or a prefix shorter than MIN_CIDR_PREFIX.
  const body = forbiddenGroup
    ? { version: 1, requestId, clusterSecurityGroupName: FORBIDDEN_GROUP, cidrIp: '10.200.0.0/24' }
    : { version: 1, requestId, clusterSecurityGroupName: ordinary.name, cidrIp: '10.0.0.0/8' };
  return {
    key,
    wave,
    kind: MessageKind.refused,
    body: JSON.stringify(body),
    messageGroupId: requestMessageGroupId(body),
    requestId,
  };
}

/** Ways to break a request aimed at the decoy group, each with the field its rejection must name. */
const BREAKAGES: ReadonlyArray<{
  readonly field: string;
  readonly keepsRequestId: boolean;
  readonly body: (valid: Record<string, unknown>) => string;
}> = [
  { field: 'cidrIp', keepsRequestId: true, body: (v) => JSON.stringify({ ...v, cidrIp: '10.9.9.9/24' }) },
  { field: 'cidrIp', keepsRequestId: true, body: (v) => JSON.stringify({ ...v, cidrIp: '300.1.1.1/8' }) },
  { field: 'cidrIp', keepsRequestId: true, body: (v) => JSON.stringify({ ...v, cidrIp: '10.0.0.0/33' }) },
  { field: 'cidrIp', keepsRequestId: true, body: (v) => JSON.stringify({ ...v, cidrIp: '10.0.0.0/8 ; x' }) },
  { field: 'cidrIp', keepsRequestId: true, body: (v) => JSON.stringify({ ...v, cidrIp: '2001:db8::/32' }) },
  { field: 'cidrIp', keepsRequestId: true, body: (v) => JSON.stringify({ ...v, cidrIp: 167772160 }) },
  { field: 'colour', keepsRequestId: true, body: (v) => JSON.stringify({ ...v, colour: 'red' }) },
  { field: 'version', keepsRequestId: true, body: (v) => JSON.stringify({ ...v, version: 2 }) },
  { field: 'action', keepsRequestId: true, body: (v) => JSON.stringify({ ...v, action: 'delete' }) },
  {
    field: 'ec2SecurityGroupOwnerId',
    keepsRequestId: true,
    body: ({ cidrIp: _, ...v }) =>
      JSON.stringify({ ...v, ec2SecurityGroupName: 'app-0', ec2SecurityGroupOwnerId: '11112222333' }),
  },
  {
    field: 'cidrIp',
    keepsRequestId: true,
    body: (v) =>
      JSON.stringify({ ...v, ec2SecurityGroupName: 'app-0', ec2SecurityGroupOwnerId: '111122223333' }),
  },
  {
    field: '__proto__',
    keepsRequestId: true,
    body: (v) => `{"__proto__":{"isAdmin":true},${JSON.stringify(v).slice(1)}`,
  },
  { field: 'reason', keepsRequestId: true, body: (v) => JSON.stringify({ ...v, reason: 'x'.repeat(5000) }) },
  { field: 'body', keepsRequestId: false, body: (v) => JSON.stringify(v).slice(0, -3) },
  { field: 'body', keepsRequestId: false, body: (v) => JSON.stringify([v]) },
];

function invalidMessage(
  key: string,
  wave: number,
  requestId: string,
  pick: <T>(items: readonly T[]) => T,
): PlannedMessage {
  const breakage = pick(BREAKAGES);
  const valid = { version: 1, requestId, clusterSecurityGroupName: DECOY_GROUP, cidrIp: '10.9.0.0/16' };
  return {
    key,
    wave,
    kind: MessageKind.invalid,
    body: breakage.body(valid),
    messageGroupId: 'invalid-bodies',
    ...(breakage.keepsRequestId && { requestId }),
    field: breakage.field,
  };
}

function shuffle<T>(items: T[], random: () => number): void {
  for (let index = items.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [items[index], items[other]] = [items[other] as T, items[index] as T];
  }
}
