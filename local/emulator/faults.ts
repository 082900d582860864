/** The services the emulator answers for, as fault rules name them. */
export type ServiceName = 'sqs' | 'redshift' | 'sfn' | 'ec2' | 'redshift-serverless';

/** The kinds of failure a rule can inject in place of an answer. */
export const FaultKind = {
  Throttling: 'Throttling',
  InternalError500: 'InternalError500',
  ServiceUnavailable503: 'ServiceUnavailable503',
  DropConnection: 'DropConnection',
  /** Redshift only: InvalidClusterSecurityGroupState, as AWS answers while a group is being changed. */
  InvalidClusterSecurityGroupState: 'InvalidClusterSecurityGroupState',
  /** The caller's IAM policy does not allow the call (EC2: 403 UnauthorizedOperation). */
  AccessDenied: 'AccessDenied',
} as const;

/** One kind of injected failure. */
export type FaultKind = (typeof FaultKind)[keyof typeof FaultKind];

/** One rule of fault injection; every matching rule applies to a request, in order. */
export interface FaultRule {
  /** The service whose requests the rule affects. */
  service: ServiceName;
  /** The operation name (e.g. `SendMessageBatch`); all operations when omitted. */
  operation?: string;
  /** Probability (0..1) that a matching request fails with one of `errors`. */
  errorRate?: number;
  /** The failures to pick from, uniformly; Throttling, 500 and 503 when omitted. */
  errors?: FaultKind[];
  /** Delay added before the answer, in milliseconds. */
  latencyMs?: number;
  /** Extra random delay of up to this many milliseconds. */
  jitterMs?: number;
  /** SendMessageBatch only: probability that each entry fails in `Failed[]` with Code InternalError. */
  entryFailureRate?: number;
  /** Affect at most this many requests, then stop. */
  count?: number;
  /** Apply the operation first, then lose its answer: the case that makes a client retry a done change. */
  afterProcessing?: boolean;
}

/** What happened to one request a rule affected, in the order the injector decided it. */
export interface FaultEvent {
  readonly sequence: number;
  readonly service: ServiceName;
  readonly operation: string;
  readonly kind: FaultKind | 'Latency' | 'EntryFailure';
}

/** Counts of injected faults by kind. */
export interface FaultStats {
  readonly Throttling: number;
  readonly InternalError500: number;
  readonly ServiceUnavailable503: number;
  readonly DropConnection: number;
  readonly InvalidClusterSecurityGroupState: number;
  readonly AccessDenied: number;
  readonly Latency: number;
  readonly EntryFailure: number;
}

/** The injector's verdict on one request. */
export interface FaultDecision {
  /** Milliseconds to wait before answering. */
  readonly delayMs: number;
  /** The failure to answer with, if any. */
  readonly error: FaultKind | undefined;
  /** Whether the operation runs before the failure replaces its answer. */
  readonly afterProcessing: boolean;
  /** Draws whether the next batch entry fails (always false outside SendMessageBatch rules). */
  failEntry(): boolean;
}

const DEFAULT_ERRORS: readonly FaultKind[] = [
  FaultKind.Throttling,
  FaultKind.InternalError500,
  FaultKind.ServiceUnavailable503,
];
const RULE_KEYS = new Set([
  'service',
  'operation',
  'errorRate',
  'errors',
  'latencyMs',
  'jitterMs',
  'entryFailureRate',
  'count',
  'afterProcessing',
]);
const SERVICES = new Set<string>(['sqs', 'redshift', 'sfn', 'ec2', 'redshift-serverless']);
const KINDS = new Set<string>(Object.values(FaultKind));

/** Returns a seeded PRNG (mulberry32) yielding floats in [0, 1): small, fast and good enough to replay faults. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function checkRate(index: number, key: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'number' || !(value >= 0 && value <= 1))) {
    throw new TypeError(`faults[${index}].${key} must be a number from 0 to 1`);
  }
}

function checkNonNegativeInteger(index: number, key: string, value: unknown): void {
  if (value !== undefined && !(typeof value === 'number' && Number.isInteger(value) && value >= 0)) {
    throw new TypeError(`faults[${index}].${key} must be a non-negative integer`);
  }
}

/** Checks untrusted input (e.g. an admin request body) and returns it as fault rules, naming the first bad field. */
export function parseFaultRules(value: unknown): FaultRule[] {
  if (!Array.isArray(value)) throw new TypeError('rules must be an array');
  return value.map((raw: unknown, index) => {
    if (typeof raw !== 'object' || raw === null) throw new TypeError(`faults[${index}] must be an object`);
    const rule = raw as Record<string, unknown>;
    for (const key of Object.keys(rule)) {
      if (!RULE_KEYS.has(key)) throw new TypeError(`faults[${index}] has unknown key "${key}"`);
    }
    if (typeof rule.service !== 'string' || !SERVICES.has(rule.service)) {
      throw new TypeError(`faults[${index}].service must be one of ${[...SERVICES].join(', ')}`);
    }
    if (rule.operation !== undefined && typeof rule.operation !== 'string') {
      throw new TypeError(`faults[${index}].operation must be a string`);
    }
    checkRate(index, 'errorRate', rule.errorRate);
    checkRate(index, 'entryFailureRate', rule.entryFailureRate);
    checkNonNegativeInteger(index, 'latencyMs', rule.latencyMs);
    checkNonNegativeInteger(index, 'jitterMs', rule.jitterMs);
    checkNonNegativeInteger(index, 'count', rule.count);
    if (
      rule.errors !== undefined &&
      (!Array.isArray(rule.errors) ||
        rule.errors.length === 0 ||
        !rule.errors.every((kind) => typeof kind === 'string' && KINDS.has(kind)))
    ) {
      throw new TypeError(`faults[${index}].errors must be a non-empty array of ${[...KINDS].join(', ')}`);
    }
    if (
      rule.service !== 'redshift' &&
      Array.isArray(rule.errors) &&
      rule.errors.includes(FaultKind.InvalidClusterSecurityGroupState)
    ) {
      throw new TypeError(`faults[${index}].errors: InvalidClusterSecurityGroupState is a Redshift error`);
    }
    if (rule.afterProcessing !== undefined && typeof rule.afterProcessing !== 'boolean') {
      throw new TypeError(`faults[${index}].afterProcessing must be a boolean`);
    }
    return { ...rule } as unknown as FaultRule;
  });
}

/** Fault counts of zero for every kind, to start a tally. */
export function zeroStats(): Record<keyof FaultStats, number> {
  return {
    Throttling: 0,
    InternalError500: 0,
    ServiceUnavailable503: 0,
    DropConnection: 0,
    InvalidClusterSecurityGroupState: 0,
    AccessDenied: 0,
    Latency: 0,
    EntryFailure: 0,
  };
}

/**
 * Decides, from one seeded PRNG, which requests fail and how, so a run replays identically.
 *
 * Decisions are drawn in the order requests arrive; the same seed, rules and request sequence give
 * the same faults.
 */
export class FaultInjector {
  #seed: number;
  #rules: FaultRule[] = [];
  #remaining: Array<number | undefined> = [];
  #random: () => number;
  #stats = zeroStats();
  #history: FaultEvent[] = [];
  #sequence = 0;

  constructor(seed: number, rules: FaultRule[] = []) {
    this.#seed = seed;
    this.#random = mulberry32(seed);
    this.setRules(rules, seed);
  }

  /** The seed the PRNG was last started from. */
  get seed(): number {
    return this.#seed;
  }

  /** The active rules. */
  get rules(): readonly FaultRule[] {
    return this.#rules.map((rule) => ({ ...rule }));
  }

  /** Counts of injected faults by kind since the rules were last set. */
  get stats(): FaultStats {
    return { ...this.#stats };
  }

  /** Every fault injected since the rules were last set, in decision order. */
  get history(): readonly FaultEvent[] {
    return [...this.#history];
  }

  /** Replaces the rules and restarts the PRNG (from `seed`, or the current seed), the counts and the history. */
  setRules(rules: FaultRule[], seed: number = this.#seed): void {
    const checked = parseFaultRules(rules);
    if (!Number.isInteger(seed)) throw new TypeError('seed must be an integer');
    this.#seed = seed;
    this.#random = mulberry32(seed);
    this.#rules = checked;
    this.#remaining = checked.map((rule) => rule.count);
    this.#stats = zeroStats();
    this.#history = [];
    this.#sequence = 0;
  }

  /** Removes every rule, keeping the seed. */
  clear(): void {
    this.setRules([]);
  }

  /** Decides what happens to one request; call it once per request, in arrival order. */
  decide(service: ServiceName, operation: string): FaultDecision {
    let delayMs = 0;
    let error: FaultKind | undefined;
    let afterProcessing = false;
    let entryFailureRate = 0;
    const sequence = ++this.#sequence;
    const record = (kind: FaultEvent['kind']): void => {
      this.#stats[kind] += 1;
      this.#history.push({ sequence, service, operation, kind });
    };

    this.#rules.forEach((rule, index) => {
      const remaining = this.#remaining[index];
      if (rule.service !== service || (rule.operation !== undefined && rule.operation !== operation)) return;
      if (remaining !== undefined && remaining <= 0) return;
      let affected = false;
      if ((rule.latencyMs ?? 0) > 0 || (rule.jitterMs ?? 0) > 0) {
        const jitter = (rule.jitterMs ?? 0) > 0 ? Math.floor(this.#random() * ((rule.jitterMs ?? 0) + 1)) : 0;
        delayMs += (rule.latencyMs ?? 0) + jitter;
        affected = true;
      }
      if (error === undefined && (rule.errorRate ?? 0) > 0 && this.#random() < (rule.errorRate ?? 0)) {
        const kinds = rule.errors ?? DEFAULT_ERRORS;
        error = kinds[Math.floor(this.#random() * kinds.length)] ?? kinds[0];
        afterProcessing = rule.afterProcessing ?? false;
        affected = true;
      }
      if ((rule.entryFailureRate ?? 0) > 0 && service === 'sqs' && operation === 'SendMessageBatch') {
        entryFailureRate = Math.max(entryFailureRate, rule.entryFailureRate ?? 0);
        affected = true;
      }
      if (affected && remaining !== undefined) this.#remaining[index] = remaining - 1;
    });

    if (delayMs > 0) record('Latency');
    if (error !== undefined) record(error);
    return {
      delayMs,
      error,
      afterProcessing,
      failEntry: () => {
        if (entryFailureRate <= 0 || this.#random() >= entryFailureRate) return false;
        record('EntryFailure');
        return true;
      },
    };
  }
}
