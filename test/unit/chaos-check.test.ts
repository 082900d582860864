import { describe, expect, it } from 'vitest';
import { type ChaosObservations, checkRun, type Delivery } from '../../local/chaos/check-run.js';
import { formatChaosReport } from '../../local/chaos/format-report.js';
import { DEFAULT_FAULTS, runChaos } from '../../local/chaos/run-chaos.js';
import {
  DEFAULT_SHARES,
  GroupRole,
  generateWorkload,
  MessageKind,
  type PlannedMessage,
  type Workload,
} from '../../local/chaos/workload.js';
import { buildOutcome, type Outcome, type Status } from '../../src/domain/outcome.js';

const A = 'cidr:10.1.0.0/24';
const RULE = { clusterSecurityGroupName: 'chaos-01', cidrIp: '10.1.0.0/24' };
const MAX = 4;

const valid = (key: string, wave: number, action: 'authorize' | 'revoke'): PlannedMessage => ({
  key,
  wave,
  kind: MessageKind.valid,
  body: '{}',
  messageGroupId: 'chaos-01',
  requestId: key,
  intent: { group: 'chaos-01', target: A, action },
});

/** Authorize A, an invalid body, then (next wave) revoke A. */
const workload: Workload = {
  groups: [
    {
      name: 'chaos-01',
      role: GroupRole.ordinary,
      initialCidrs: [],
      pool: new Map([[A, { cidrIp: '10.1.0.0/24' }]]),
    },
    { name: 'chaos-decoy', role: GroupRole.decoy, initialCidrs: [], pool: new Map() },
  ],
  allowedGroups: 'chaos-*',
  minCidrPrefix: 16,
  waves: [
    {
      index: 0,
      outage: false,
      messages: [
        valid('add', 0, 'authorize'),
        {
          key: 'bad',
          wave: 0,
          kind: MessageKind.invalid,
          body: '{',
          messageGroupId: 'invalid-bodies',
          field: 'body',
        },
      ],
    },
    { index: 1, outage: false, messages: [valid('remove', 1, 'revoke')] },
  ],
};

const outcome = (messageId: string, status: Status, attempt = 1, extra: Partial<Outcome> = {}): Outcome => ({
  ...buildOutcome({
    requestId: messageId === 'm-bad' ? 'm-bad' : messageId.slice(2),
    messageId,
    action: messageId === 'm-remove' ? 'revoke' : 'authorize',
    status,
    ...(messageId !== 'm-bad' && { rule: RULE }),
    attempt,
    processedAt: new Date('2026-11-27T05:00:00Z'),
  }),
  ...extra,
});

const once: Delivery[] = [{ receiveCount: 1, result: 'success' }];

/** A run where everything went right: A authorized, then revoked; the invalid body rejected. */
function goodRun(): ChaosObservations & {
  outcomes: Outcome[];
  deadLettered: Set<string>;
  deliveries: Map<string, Delivery[]>;
} {
  return {
    sent: new Map([
      ['add', 'm-add'],
      ['bad', 'm-bad'],
      ['remove', 'm-remove'],
    ]),
    outcomes: [
      outcome('m-add', 'authorized'),
      outcome('m-bad', 'rejected', 1, {
        error: { code: 'InvalidRequest', message: 'body: is not valid JSON', retryable: false },
      }),
      outcome('m-remove', 'revoked'),
    ],
    deadLettered: new Set(),
    remaining: 0,
    groups: [
      { name: 'chaos-01', description: '', cidrIps: [], ec2SecurityGroups: [] },
      { name: 'chaos-decoy', description: '', cidrIps: [], ec2SecurityGroups: [] },
    ],
    deliveries: new Map([
      ['m-add', once],
      ['m-bad', once],
      ['m-remove', once],
    ]),
    maxReceiveCount: MAX,
  };
}

const checksOf = (observed: ChaosObservations) => checkRun(workload, observed).violations.map((v) => v.check);

describe('checkRun', () => {
  it('finds nothing wrong in a run that kept every guarantee', () => {
    // Act
    const check = checkRun(workload, goodRun());

    // Assess
    expect(check.violations).toEqual([]);
    expect(check.counts).toMatchObject({
      sent: 3,
      outcomes: 3,
      lost: 0,
      duplicateOutcomes: 0,
      targetsChecked: 1,
    });
  });

  it('reports a request acknowledged without any outcome as lost', () => {
    // Prepare
    const run = goodRun();
    run.outcomes.splice(0, 1);

    // Act
    const check = checkRun(workload, run);

    // Assess
    expect(check.counts.lost).toBe(1);
    expect(check.violations).toContainEqual({
      check: 'lost',
      detail: 'add (message m-add) was acknowledged without any outcome',
    });
  });

  it('counts duplicate outcomes from redeliveries, but not two outcomes of one delivery', () => {
    // Prepare
    const redelivered = goodRun();
    redelivered.outcomes.push(outcome('m-add', 'already-authorized', 2));
    redelivered.deliveries.set('m-add', [
      { receiveCount: 1, result: 'dropped' },
      { receiveCount: 2, result: 'success' },
    ]);
    const doubled = goodRun();
    doubled.outcomes.push(outcome('m-add', 'authorized', 1));

    // Act
    const fine = checkRun(workload, redelivered);

    // Assess
    expect(fine.violations).toEqual([]);
    expect(fine.counts).toMatchObject({
      duplicateOutcomes: 1,
      messagesWithDuplicateOutcomes: 1,
      cutShortDeliveries: 1,
    });
    expect(checksOf(doubled)).toEqual(['duplicates', 'duplicates']);
  });

  it('requires every DLQ message to have exhausted its deliveries and to carry a failed outcome', () => {
    // Prepare: the revoke failed on its last delivery; A is left either way.
    const failed = goodRun();
    failed.outcomes[2] = outcome('m-remove', 'failed', MAX);
    failed.deadLettered.add('m-remove');
    failed.deliveries.set(
      'm-remove',
      [1, 2, 3, 4].map((n) => ({ receiveCount: n, result: 'partial' as const })),
    );
    const withoutFailed = goodRun();
    withoutFailed.deadLettered.add('m-add');
    withoutFailed.deliveries.set(
      'm-add',
      [1, 2, 3, 4].map((n) => ({ receiveCount: n, result: 'partial' as const })),
    );
    const early = goodRun();
    early.outcomes[2] = outcome('m-remove', 'failed', 2);
    early.deadLettered.add('m-remove');
    early.deliveries.set('m-remove', [{ receiveCount: 2, result: 'partial' }]);
    const notOnDlq = goodRun();
    notOnDlq.outcomes[2] = outcome('m-remove', 'failed', MAX);

    // Act
    const check = checkRun(workload, failed);

    // Assess
    expect(check.violations).toEqual([]);
    expect(check.counts).toMatchObject({ deadLettered: 1, targetsUndetermined: 1 });
    expect(checksOf(withoutFailed)).toEqual(['dlq']);
    expect(checkRun(workload, early).violations).toEqual([
      { check: 'dlq', detail: 'remove (message m-remove) is on the DLQ after 2 of 4 deliveries' },
      {
        check: 'dlq',
        detail: 'remove (message m-remove) is on the DLQ without a failed outcome on its last attempt',
      },
    ]);
    expect(checksOf(notOnDlq)).toEqual(['dlq']);
  });

  it('accepts a DLQ message without a failed outcome only when its last delivery was cut short', () => {
    // Prepare
    const run = goodRun();
    run.outcomes[2] = outcome('m-remove', 'revoked', MAX);
    run.deadLettered.add('m-remove');
    run.deliveries.set('m-remove', [
      { receiveCount: 3, result: 'partial' },
      { receiveCount: 4, result: 'dropped' },
    ]);

    // Act
    const check = checkRun(workload, run);

    // Assess
    expect(check.violations).toEqual([]);
    expect(check.counts.deadLetteredCutShort).toBe(1);
  });

  it('finds a rule the last request in send order did not leave, a stray rule and a touched decoy group', () => {
    // Prepare
    const stale = {
      ...goodRun(),
      groups: [
        { name: 'chaos-01', description: '', cidrIps: ['10.1.0.0/24', '10.0.0.0/8'], ec2SecurityGroups: [] },
        { name: 'chaos-decoy', description: '', cidrIps: ['10.9.0.0/16'], ec2SecurityGroups: [] },
      ],
    };

    // Act
    const violations = checkRun(workload, stale).violations;

    // Assess
    expect(violations).toEqual([
      { check: 'rules', detail: 'chaos-01 holds cidr:10.0.0.0/8, which no valid request asked for' },
      {
        check: 'final-effect',
        detail: 'chaos-01 cidr:10.1.0.0/24 is present; the last request in send order left it absent',
      },
      {
        check: 'rules',
        detail: 'chaos-decoy gained rules (cidr:10.9.0.0/16) though no request may change it',
      },
    ]);
  });

  it('requires an invalid body to be rejected naming its field, and a valid one to end in a status of its action', () => {
    // Prepare
    const run = goodRun();
    run.outcomes[1] = outcome('m-bad', 'rejected', 1, {
      error: { code: 'InvalidRequest', message: 'something is off', retryable: false },
    });
    run.outcomes[2] = outcome('m-remove', 'authorized');

    // Act
    const checks = checksOf(run);

    // Assess
    expect(checks).toEqual(['invalid', 'status']);
  });

  it('reports messages left on the queue and outcomes for messages never sent', () => {
    // Prepare
    const run = { ...goodRun(), remaining: 2 };
    run.outcomes.push(outcome('m-ghost', 'authorized'));

    // Act
    const checks = checksOf(run);

    // Assess
    expect(checks).toEqual(['outcome', 'settled']);
  });
});

describe('generateWorkload', () => {
  const options = {
    requests: 400,
    seed: 42,
    fifo: false,
    waves: 3,
    groups: 4,
    outage: true,
    shares: DEFAULT_SHARES,
  };

  it('replays the same workload for the same seed, and another for another seed', () => {
    // Act
    const first = generateWorkload(options);
    const again = generateWorkload(options);
    const other = generateWorkload({ ...options, seed: 43 });

    // Assess
    expect(again).toEqual(first);
    expect(other.waves).not.toEqual(first.waves);
    expect(first.waves.flatMap((wave) => wave.messages)).toHaveLength(400);
    expect(first.waves.filter((wave) => wave.outage)).toHaveLength(1);
  });

  it('gives each target one action per wave on a standard queue', () => {
    // Act
    const workload = generateWorkload(options);

    // Assess
    for (const wave of workload.waves) {
      const actions = new Map<string, Set<string>>();
      for (const { intent } of wave.messages) {
        if (intent === undefined) continue;
        const key = `${intent.group} ${intent.target}`;
        actions.set(key, (actions.get(key) ?? new Set()).add(intent.action));
      }
      expect([...actions.values()].every((set) => set.size === 1)).toBe(true);
    }
  });
});

describe('formatChaosReport', () => {
  it('prints the figures, and on violations the seed to replay', () => {
    // Prepare
    const run = goodRun();
    run.outcomes.splice(0, 1);
    const check = checkRun(workload, run);
    const report = {
      ...check,
      seed: 7,
      mode: 'standard' as const,
      settings: {
        requests: 3,
        waves: 2,
        groups: 2,
        maxReceiveCount: MAX,
        visibilityTimeoutSeconds: 1,
        retryBaseSeconds: 0,
        retryMaxSeconds: 0,
        shares: DEFAULT_SHARES,
        faults: DEFAULT_FAULTS,
      },
      injected: {
        Throttling: 1,
        InternalError500: 0,
        ServiceUnavailable503: 0,
        DropConnection: 0,
        InvalidClusterSecurityGroupState: 0,
        AccessDenied: 0,
        Latency: 0,
        EntryFailure: 0,
      },
      invocations: 3,
      pollerErrors: 0,
      elapsedMs: 1234,
      ok: false,
    };

    // Act
    const text = formatChaosReport(report);

    // Assess
    expect(text).toContain('chaos run: 3 requests, seed 7, standard queues, 2 waves, 2 groups');
    expect(text).toContain('acknowledged 3, lost 1; DLQ 0');
    expect(text).toContain('result: 1 VIOLATIONS (replay with --seed 7)');
    expect(text).toContain('[lost] 1\n    - add (message m-add) was acknowledged without any outcome');
  });
});

describe('runChaos options', () => {
  it('refuses bad options before starting anything, naming each', async () => {
    // Act
    const run = runChaos({ requests: 0, waves: 1.5, shares: { invalid: 2 }, faults: { dropRate: -0.1 } });

    // Assess
    await expect(run).rejects.toThrow(
      /^invalid chaos options: requests: must be a whole number >= 1, got 0; waves: must be a whole number >= 1, got 1.5; shares.invalid: must be a probability from 0 to 1, got 2; faults.dropRate: must be a probability from 0 to 1, got -0.1; shares: invalid \+ refused \+ overQuota must be at most 1/,
    );
  });
});
