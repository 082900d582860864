import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ChangeMessageVisibilityBatchCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createQueuePublisher,
  createVisibilityController,
  messageSize,
  queueUrlFromArn,
} from '../../src/adapters/sqs.js';
import { type RuleBackend, silentLogger, type TaskCallbacks } from '../../src/app/ports.js';
import { makeProcessBatch } from '../../src/app/process-batch.js';
import { type Outcome, outcomeSchema } from '../../src/domain/outcome-schema.js';
import { requestFields } from '../../src/domain/request.js';
import { acceptAllSends } from '../helpers/batch-harness.js';
import { sqsEventFactory, sqsRecordFactory } from '../helpers/factories.js';
import { unusedVpcBackend } from '../helpers/vpc-path.js';

const RESULTS_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/results';
/** SQS's limit on one message, body and attributes together. */
const SQS_MAX_MESSAGE_BYTES = 262_144;
const BATCH = 10;
/** 1,000 batches of 10: at least 10,000 generated bodies. */
const RUNS = 1_000;

const sqsMock = mockClient(SQSClient);
const apply = vi.fn<RuleBackend['apply']>(async () => ({ status: 'authorized' }));
const callbacks: TaskCallbacks = {
  succeed: vi.fn(async () => ({ delivered: true as const })),
  fail: vi.fn(async () => ({ delivered: true as const })),
};
const processBatch = makeProcessBatch({
  backends: { clusterSecurityGroup: { apply }, vpcSecurityGroup: unusedVpcBackend },
  callbacks,
  results: createQueuePublisher(new SQSClient({ region: 'us-east-1' }), RESULTS_URL, { retryDelayMs: 1 }),
  visibility: createVisibilityController(new SQSClient({ region: 'us-east-1' })),
  queueUrlOf: (arn) => queueUrlFromArn(arn),
  config: {
    policy: { allowedGroups: ['analytics-*'], minCidrPrefix: 16, requireApproval: false },
    maxReceiveCount: 5,
    concurrency: 4,
    retryBaseSeconds: 30,
    retryMaxSeconds: 900,
  },
  logger: silentLogger,
});

/** A hostile body and the field its rejection must name. */
interface Hostile {
  readonly body: string;
  readonly field: string;
}

// The request's fields, read from its schema.
const KNOWN_FIELDS = requestFields();

/** How a rejection shows a field: plain names bare, anything else JSON-quoted and cut at 64 characters. */
function shownField(key: string): string {
  if (/^[A-Za-z_$][\w$-]{0,63}$/.test(key) || /^\d{1,9}$/.test(key)) return key;
  return JSON.stringify(key.length <= 64 ? key : `${key.slice(0, 64)}...`);
}

/** Whether a rejection message names `field` (the field itself, or one inside it). */
function names(message: string, field: string): boolean {
  const escaped = field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|; )${escaped}[.:]`).test(message);
}

/** Valid requests the mutations below start from; the sanity test shows they reach Redshift. */
const cidrBase = fc.record(
  {
    version: fc.constant(1),
    requestId: fc.stringMatching(/^[\w.:/@+=-]{1,40}$/),
    action: fc.constantFrom('authorize', 'revoke'),
    clusterSecurityGroupName: fc.stringMatching(/^analytics-[a-z0-9-]{1,20}$/),
    cidrIp: fc.constantFrom('10.0.0.0/16', '203.0.113.0/24', '198.51.100.7', '192.0.2.0/24'),
    requestedBy: fc.constantFrom('office-onboarding', 'approval-flow'),
    reason: fc.string({ minLength: 1, maxLength: 50 }),
  },
  { requiredKeys: ['version', 'clusterSecurityGroupName', 'cidrIp'] },
);
const ec2Base = cidrBase.map(({ cidrIp: _, ...rest }) => ({
  ...rest,
  ec2SecurityGroupName: 'bi-tools',
  ec2SecurityGroupOwnerId: '111122223333',
}));
const validBase = fc.oneof(cidrBase, ec2Base);

const withField = (field: string, value: unknown) =>
  validBase.map((base): Hostile => ({ body: JSON.stringify({ ...base, [field]: value }), field }));
/** Writes a key as raw JSON text, so `__proto__` stays an own key as JSON.parse reads it. */
const withRawKey = (key: string, valueJson: string) =>
  validBase.map((base): Hostile => {
    // A key given twice would let the valid value win, so the base loses the key first.
    const { [key]: _, ...rest } = base as Record<string, unknown>;
    return {
      body: `{${JSON.stringify(key)}:${valueJson},${JSON.stringify(rest).slice(1)}`,
      field: shownField(key),
    };
  });
const repeatChar = (min: number, max: number) =>
  fc
    .tuple(
      fc.constantFrom('a', '9', '.', '/', ':', 'é', '😀', '\u0000', '"', '\\', ' '),
      fc.integer({ min, max }),
    )
    .map(([char, count]) => char.repeat(count));

const notJson: fc.Arbitrary<Hostile> = fc
  .oneof(
    fc.string({ unit: 'binary', maxLength: 300 }),
    validBase.chain((base) => {
      const text = JSON.stringify(base);
      return fc.integer({ min: 0, max: text.length - 1 }).map((cut) => text.slice(0, cut));
    }),
    fc.constantFrom('', ' ', 'null x', '{', '{"version":1,}', "{'version':1}", '\uFEFF{}', 'NaN', '{"a":1}}'),
  )
  .filter((body) => {
    try {
      JSON.parse(body);
      return false;
    } catch {
      return true;
    }
  })
  .map((body) => ({ body, field: 'body' }));

const notAnObject: fc.Arbitrary<Hostile> = fc
  .oneof(fc.jsonValue(), fc.array(validBase))
  .filter((value) => typeof value !== 'object' || value === null || Array.isArray(value))
  .map((value) => ({ body: JSON.stringify(value), field: 'body' }));

const deepNesting: fc.Arbitrary<Hostile> = fc
  .tuple(
    fc.integer({ min: 100, max: 5_000 }),
    fc.constantFrom('array', 'object'),
    fc.constantFrom<string>(...KNOWN_FIELDS.filter((field) => field !== 'version'), 'nested', '__proto__'),
  )
  .chain(([depth, shape, key]) => {
    const deep =
      shape === 'array'
        ? `${'['.repeat(depth)}${']'.repeat(depth)}`
        : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    return fc.oneof(
      withRawKey(key, deep).map((hostile) => ({ ...hostile, field: shownField(key) })),
      // A deep array is not an object; a deep object is one that lacks every required field.
      fc.constant<Hostile>({ body: deep, field: shape === 'array' ? 'body' : 'version' }),
    );
  });

const hugeStrings: fc.Arbitrary<Hostile> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom(
        'requestId',
        'clusterSecurityGroupName',
        'cidrIp',
        'ec2SecurityGroupOwnerId',
        'requestedBy',
        'reason',
        'taskToken',
      ),
      repeatChar(5_000, 50_000),
    )
    .chain(([field, value]) => withField(field, value)),
  repeatChar(300, 3_000).chain((value) =>
    validBase.map(
      (base): Hostile => ({
        body: JSON.stringify({ ...base, approval: { ticket: value } }),
        field: 'approval.ticket',
      }),
    ),
  ),
  repeatChar(100, 50_000).chain((key) => withRawKey(`x${key}`, '1')),
  // Thousands of unknown keys: the rejection must still fit in one SQS message.
  fc.integer({ min: 1_000, max: 9_000 }).chain((count) =>
    validBase.map((base): Hostile => {
      const extra = Array.from({ length: count }, (_, i) => `"unknown${i}":${i}`).join(',');
      return { body: `${JSON.stringify(base).slice(0, -1)},${extra}}`, field: 'unknown0' };
    }),
  ),
);

const unicode: fc.Arbitrary<Hostile> = fc.oneof(
  fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 30 })
    .filter((text) => [...text].some((char) => (char.codePointAt(0) ?? 0) > 0x7f))
    .chain((text) =>
      fc.oneof(
        withField('clusterSecurityGroupName', `analytics-${text}`),
        withField('requestId', `chg-${text}`),
        withField('action', `authorize${text}`),
        withRawKey(text, '"x"'),
      ),
    ),
  fc
    .constantFrom('１０.0.0.0/16', '10.0.0.0/１６', '١٠.0.0.0/16', '10.0.0.0\u200B/16', '10.0.0.0/16\u0000')
    .chain((cidrIp) => withField('cidrIp', cidrIp)),
  fc.constantFrom('１１１１２２２２３３３３', '١١١١٢٢٢٢٣٣٣٣').chain((owner) =>
    ec2Base.map(
      (base): Hostile => ({
        body: JSON.stringify({ ...base, ec2SecurityGroupOwnerId: owner }),
        field: 'ec2SecurityGroupOwnerId',
      }),
    ),
  ),
);

const prototypeKeys: fc.Arbitrary<Hostile> = fc
  .tuple(
    fc.constantFrom(
      '__proto__',
      'constructor',
      'prototype',
      'toString',
      'hasOwnProperty',
      '__defineGetter__',
    ),
    fc.constantFrom('{"isAdmin":true}', '{"cidrIp":"0.0.0.0/0"}', 'null', '1', '"x"', '[]'),
    fc.boolean(),
  )
  .chain(([key, value, nested]) =>
    nested
      ? validBase.map(
          (base): Hostile => ({
            body: `${JSON.stringify(base).slice(0, -1)},"approval":{${JSON.stringify(key)}:${value}}}`,
            field: `approval.${key}`,
          }),
        )
      : withRawKey(key, value),
  );

const wrongTypes: fc.Arbitrary<Hostile> = fc
  .tuple(
    fc.constantFrom<string>(...KNOWN_FIELDS),
    fc.oneof(
      fc.integer(),
      fc.double({ noNaN: true }),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.string(), { maxLength: 3 }),
      fc.dictionary(fc.string(), fc.integer(), { maxKeys: 3 }),
    ),
  )
  .filter(([field, value]) => {
    // Only values that are wrong for the field: versions 1 and 2 (whose body v1 fields make valid too) and
    // plain objects as approval are fine.
    if (field === 'version') return value !== 1 && value !== 2;
    if (field === 'approval')
      return (
        value === null || typeof value !== 'object' || Array.isArray(value) || Object.keys(value).length > 0
      );
    return true;
  })
  .chain(([field, value]) => withField(field, value));

const cidrNearMisses: fc.Arbitrary<Hostile> = fc
  .oneof(
    fc.constantFrom(
      '300.1.1.1/8',
      '10.0.0.0/33',
      '10.0.0.0/8 ; x',
      '10.0.0.0/16; DROP TABLE',
      '10.0.0.0/16\n',
      ' 10.0.0.0/16',
      '010.0.0.0/16',
      '10.0.0.0/016',
      '10.0.0.0/',
      '10.0.0/16',
      '10.0.0.0.0/16',
      '0x0a.0.0.0/16',
      '10.0.0.0/-1',
      '10.0.0.0/16/16',
      '10.0.0.0/+16',
      '10.0.0.0/1e1',
      '2001:db8::/32',
      '::ffff:10.0.0.1',
      '::/0',
      '',
    ),
    fc.ipV6().map((ip) => `${ip}/64`),
    fc.tuple(fc.integer({ min: 256, max: 99_999 }), fc.integer({ min: 0, max: 3 })).map(([bad, at]) => {
      const octets = ['10', '1', '2', '0'];
      octets[at] = String(bad);
      return `${octets.join('.')}/24`;
    }),
    fc.integer({ min: 33, max: 10_000 }).map((prefix) => `10.0.0.0/${prefix}`),
    // Host bits set: the address is not the network of its prefix.
    fc
      .tuple(fc.ipV4(), fc.integer({ min: 16, max: 31 }))
      .filter(([ip, prefix]) => {
        const value = ip.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
        return value % 2 ** (32 - prefix) !== 0;
      })
      .map(([ip, prefix]) => `${ip}/${prefix}`),
  )
  .chain((cidrIp) =>
    cidrBase.map((base): Hostile => ({ body: JSON.stringify({ ...base, cidrIp }), field: 'cidrIp' })),
  );

const ownerIds: fc.Arbitrary<Hostile> = fc
  .oneof(
    fc.stringMatching(/^\d{1,11}$/),
    fc.stringMatching(/^\d{13,30}$/),
    fc.stringMatching(/^\d{4}-\d{4}-\d{4}$/),
    fc.stringMatching(/^[0-9a-f]{12}$/).filter((id) => /[a-f]/.test(id)),
    fc.constantFrom(' 111122223333', '111122223333 ', '11112222333\n', ''),
  )
  .chain((owner) =>
    ec2Base.map(
      (base): Hostile => ({
        body: JSON.stringify({ ...base, ec2SecurityGroupOwnerId: owner }),
        field: 'ec2SecurityGroupOwnerId',
      }),
    ),
  );

const badShapes: fc.Arbitrary<Hostile> = fc.oneof(
  cidrBase.map(
    (base): Hostile => ({
      body: JSON.stringify({
        ...base,
        ec2SecurityGroupName: 'bi-tools',
        ec2SecurityGroupOwnerId: '111122223333',
      }),
      field: 'cidrIp',
    }),
  ),
  cidrBase.map(({ cidrIp: _, ...base }): Hostile => ({ body: JSON.stringify(base), field: 'cidrIp' })),
  ec2Base.map(
    ({ ec2SecurityGroupOwnerId: _, ...base }): Hostile => ({
      body: JSON.stringify(base),
      field: 'ec2SecurityGroupOwnerId',
    }),
  ),
  ec2Base.map(
    ({ ec2SecurityGroupName: _, ...base }): Hostile => ({
      body: JSON.stringify(base),
      field: 'ec2SecurityGroupName',
    }),
  ),
  fc
    .string({ maxLength: 20 })
    .filter((action) => action !== 'authorize' && action !== 'revoke')
    .chain((action) => withField('action', action)),
  fc.constantFrom(0, 3, -1, 1.5, '1', '2', 'v1').chain((version) => withField('version', version)),
  validBase.map(({ version: _, ...base }): Hostile => ({ body: JSON.stringify(base), field: 'version' })),
  validBase.map(
    ({ clusterSecurityGroupName: _, ...base }): Hostile => ({
      body: JSON.stringify(base),
      field: 'clusterSecurityGroupName',
    }),
  ),
  fc
    .constantFrom('yesterday', '2026-13-01T00:00:00Z', '2026-11-26', '1764220800')
    .chain((approvedAt) => withField('approval', { ticket: 'CHG-1', approvedAt }))
    .map((hostile) => ({ ...hostile, field: 'approval.approvedAt' })),
);

/** Every kind of hostile body the issue names. */
const hostileBody: fc.Arbitrary<Hostile> = fc.oneof(
  notJson,
  notAnObject,
  deepNesting,
  hugeStrings,
  unicode,
  prototypeKeys,
  wrongTypes,
  cidrNearMisses,
  ownerIds,
  badShapes,
);

function publishedOutcomes(): { outcome: Outcome; bytes: number }[] {
  return sqsMock
    .commandCalls(SendMessageBatchCommand)
    .flatMap((call) => call.args[0].input.Entries ?? [])
    .map((entry) => ({
      outcome: outcomeSchema.parse(JSON.parse(entry.MessageBody as string)),
      bytes: messageSize({
        id: entry.Id ?? '',
        body: entry.MessageBody ?? '',
        attributes: Object.fromEntries(
          Object.entries(entry.MessageAttributes ?? {}).map(([name, value]) => [
            name,
            value.StringValue ?? '',
          ]),
        ),
      }),
    }));
}

async function processBodies(bodies: readonly string[]) {
  const records = bodies.map((body, index) => sqsRecordFactory(body, { messageId: `m${index}` }));
  return processBatch(sqsEventFactory(records));
}

describe('hostile request bodies', () => {
  beforeEach(() => {
    sqsMock.reset();
    apply.mockClear();
    acceptAllSends(sqsMock);
    sqsMock.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });
  });

  it('lets the valid bodies the mutations start from reach Redshift (the spy can see a call)', async () => {
    // Prepare
    const bodies = fc.sample(validBase, { numRuns: 50, seed: 7 }).map((body) => JSON.stringify(body));

    // Act
    const response = await processBodies(bodies.slice(0, BATCH));

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(apply).toHaveBeenCalled();
    expect(publishedOutcomes().map(({ outcome }) => outcome.status)).not.toContain('rejected');
  });

  it(`rejects ${RUNS * BATCH} generated hostile bodies naming the field, never reaching Redshift or throwing`, async () => {
    // Prepare
    let bodies = 0;

    // Act + Assess: each run is one batch of 10 hostile bodies.
    await fc.assert(
      fc.asyncProperty(fc.array(hostileBody, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
        sqsMock.resetHistory();
        apply.mockClear();
        const response = await processBodies(batch.map((hostile) => hostile.body));
        bodies += batch.length;

        expect(response.batchItemFailures).toEqual([]);
        expect(apply).not.toHaveBeenCalled();
        const published = publishedOutcomes();
        expect(published).toHaveLength(batch.length);
        for (const { outcome, bytes } of published) {
          const hostile = batch[Number(outcome.messageId.slice(1))] as Hostile;
          expect(outcome).toMatchObject({
            status: 'rejected',
            error: { code: 'InvalidRequest', retryable: false },
          });
          expect(outcome.rule).toBeUndefined();
          expect(
            names(outcome.error?.message ?? '', hostile.field),
            `${outcome.error?.message} names ${hostile.field}`,
          ).toBe(true);
          expect(bytes).toBeLessThanOrEqual(SQS_MAX_MESSAGE_BYTES);
          // Never zod's bare message: the zod schemas check, so their own messages must word every
          // problem (src/domain/messages.ts).
          expect(outcome.error?.message).not.toMatch(/Invalid input/);
        }
      }),
      { numRuns: RUNS, seed: 20261127 },
    );
    expect(bodies).toBeGreaterThanOrEqual(10_000);
  }, 120_000);

  it('keeps the rejection of a body with 25,000 unknown keys within one SQS message', async () => {
    // Prepare
    const extra = Object.fromEntries(Array.from({ length: 25_000 }, (_, i) => [`unknown${i}`, i]));
    const body = JSON.stringify({
      version: 1,
      clusterSecurityGroupName: 'analytics-prod',
      cidrIp: '10.0.0.0/16',
      ...extra,
    });

    // Act
    const response = await processBodies([body]);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const [published] = publishedOutcomes();
    expect(published?.bytes).toBeLessThanOrEqual(SQS_MAX_MESSAGE_BYTES);
    expect(published?.outcome.error?.message).toMatch(
      /^unknown0: is not a known field; unknown1: is not a known field; /,
    );
    expect(published?.outcome.error?.message).toMatch(/and 24990 more problems$/);
  });

  it('keeps memory bounded over many batches of hostile bodies', async () => {
    // Prepare: a warm-up round, then the heap after a full collection.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    let generatedChars = 0;
    const round = async (seed: number) => {
      // Fresh bodies each round: anything kept from one batch to the next would add up.
      const sample = fc.sample(hostileBody, { numRuns: 500, seed }).map((hostile) => hostile.body);
      for (const body of sample) generatedChars += body.length;
      for (let start = 0; start < sample.length; start += BATCH) {
        await processBodies(sample.slice(start, start + BATCH));
        sqsMock.resetHistory();
      }
    };
    await round(0);
    gc();
    const before = process.memoryUsage().heapUsed;
    generatedChars = 0;

    // Act: ten more rounds, 5,000 bodies.
    for (let seed = 1; seed <= 10; seed += 1) await round(seed);
    gc();
    const growth = process.memoryUsage().heapUsed - before;

    // Assess: keeping the bodies would grow the heap by at least their length; it grows by far less.
    expect(growth).toBeLessThan(generatedChars / 4);
    expect(apply).not.toHaveBeenCalled();
  }, 120_000);
});
