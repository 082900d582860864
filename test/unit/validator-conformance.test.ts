import fc from 'fast-check';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type * as z from 'zod/mini';
import { networkOf, parseIpv4Cidr } from '../../src/domain/cidr.js';
import { type DesiredGroup, DesiredStateError, readDesiredState } from '../../src/domain/desired-state.js';
import { desiredStateSchema } from '../../src/domain/desired-state-schema.js';
import { describeIssues } from '../../src/domain/messages.js';
import {
  type Approval,
  type Problem,
  REQUEST_FIELDS,
  type RequestBody,
  validateRequest,
} from '../../src/domain/request.js';
import { type approvalSchema, ingressRequestSchema } from '../../src/domain/request-schema.js';

// The functions check requests and the desired state with code written out (request.ts, desired-state.ts);
// the contracts are the zod schemas the JSON Schemas are published from. These properties hold the two to
// the same answer for every document: accepted or not, the same value when accepted, the same problems, in
// the same order, when not.
//
// Two differences are intended:
// - Given a non-string where a string goes, zod also runs the string's length checks on anything with a
//   `length` (an array: `must be a string, got an array` then `must not be empty`); the written-out checks
//   stop at the first reason. zod's length issues at a path that already has a wrong-kind issue are left
//   out before comparing.
// - zod's record skips a key named `__proto__` without a word, so a desired state with a group named so
//   loses the group silently; the written-out checks refuse the name, as the published JSON Schema does
//   (a test below). The generators never name a group so.

type ZodIssue = z.core.$ZodIssue;

function zodProblems(issues: readonly ZodIssue[]): Problem[] {
  const wrongKindAt = new Set(
    issues.filter((issue) => issue.code === 'invalid_type').map((issue) => JSON.stringify(issue.path)),
  );
  const kept = issues.filter(
    (issue) =>
      !(
        (issue.code === 'too_small' || issue.code === 'too_big') &&
        wrongKindAt.has(JSON.stringify(issue.path))
      ),
  );
  return describeIssues(kept);
}

const RUNS = 3000;

// Values of every JSON kind, and strings near each check's edges.
const wrongKinds = fc.oneof(
  fc.constant(null),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant([]),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 2 }),
);
const lengths = [0, 1, 18, 19, 64, 65, 128, 129, 255, 256, 1024, 1025, 2048, 2049];
const edgeStrings = fc.oneof(
  fc.constantFrom(...lengths).map((length) => 'a'.repeat(length)),
  fc.constantFrom(...lengths).map((length) => 'é'.repeat(length)),
  // Outside the Basic Multilingual Plane: two UTF-16 code units, one character (code point) each, as
  // JSON Schema, zod and the checks count them; half as many, for strings just over a limit in units only.
  fc.constantFrom(...lengths).map((length) => '😀'.repeat(length)),
  fc.constantFrom(...lengths).map((length) => '😀'.repeat(Math.ceil(length / 2))),
  fc.constantFrom(...lengths).map((length) => `${'a'.repeat(Math.max(0, length - 1))}\ud83d`),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.constantFrom(' ', 'a b', 'a_b', 'a.b', 'A-1', '-', 'x\n', '\u00a0', 'analytics-prod', 'ANALYTICS-PROD'),
);
const validCidrs = fc
  .tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255), fc.integer({ min: 8, max: 32 }))
  .map(([a, b, c, d, prefix]) => networkOf(`${a}.${b}.${c}.${d}/${prefix}`) as string);
const cidrs = fc.oneof(
  { weight: 3, arbitrary: validCidrs },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '198.51.100.7',
      '0.0.0.0/0',
      '255.255.255.255/32',
      '203.0.113.7/24',
      '10.00.0.0/8',
      '10.0.0.0/33',
      '10.0.0.0/08',
      '2001:db8::/32',
      '::ffff:192.0.2.1',
      ' 10.0.0.0/8',
      '',
      '1.2.3',
      '1'.repeat(70),
    ),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(32))
      .map(([a, b, c, d, prefix]) => `${a}.${b}.${c}.${d}/${prefix}`),
  },
);
const dateTimes = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '2026-11-27T13:00:00Z',
      '2026-11-27T13:00:00.123Z',
      '2026-11-27T13:00:00+01:00',
      '2026-11-27T13:00:00-23:59',
      '2026-11-27T13:00:00+24:00',
      '2026-11-27T13:00Z',
      '2026-11-27T13:00:00',
      '2026-11-27t13:00:00z',
      '2026-11-27 13:00:00Z',
      '2024-02-29T00:00:00Z',
      '2023-02-29T00:00:00Z',
      '2000-02-29T00:00:00Z',
      '1900-02-29T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-11-27T24:00:00Z',
      '2026-11-27T23:60:00Z',
      '2026-11-27',
    ),
  },
  {
    weight: 8,
    arbitrary: fc
      .date({ min: new Date('1900-01-01'), max: new Date('2100-12-31'), noInvalidDate: true })
      .map((date) => date.toISOString()),
  },
);
const accountIds = fc.oneof(
  { weight: 10, arbitrary: fc.stringMatching(/^\d{12}$/) },
  // One account often, so that EC2 security groups repeat.
  { weight: 10, arbitrary: fc.constant('111122223333') },
  { weight: 1, arbitrary: fc.constantFrom('11112222333', '1111222233334', '11112222333a', '') },
);

/**
 * A field: mostly a plausible value (valid or near the edge of valid), sometimes left out, an edge string or
 * a value of the wrong kind, so that about a third of the documents are valid and the rest have a problem
 * or two.
 */
const field = (plausible: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    { weight: 40, arbitrary: plausible },
    { weight: 1, arbitrary: edgeStrings },
    { weight: 1, arbitrary: wrongKinds },
  );

/** A document from the fields' values: undefined fields left out, extra keys added. */
const document = (fields: Record<string, fc.Arbitrary<unknown>>) =>
  fc
    .tuple(
      fc.record(fields),
      fc.array(
        fc.tuple(
          fc.constantFrom('extra', 'cidr', 'Version', 'ticket', 'z', '__proto__', 'constructor', '😀'),
          fc.string({ maxLength: 3 }),
        ),
        { minLength: 1, maxLength: 2 },
      ),
      fc.nat(19),
    )
    .map(([values, extraEntries, dice]) => {
      // A `target` field stands for the fields it holds (the request's either-or).
      const { target, ...rest } = values as { target?: Record<string, unknown> };
      const entries = Object.entries({ ...rest, ...target });
      // Mostly fields left out are absent; sometimes present with the value undefined (a draft of the CLI).
      const fields = dice === 1 ? entries : entries.filter(([, value]) => value !== undefined);
      // Unknown keys (own properties, `__proto__` included, as JSON.parse makes them) after or before the rest.
      if (dice === 2) return Object.fromEntries([...extraEntries, ...fields]);
      return Object.fromEntries(dice === 0 ? [...fields, ...extraEntries] : fields);
    });

const approvals = fc.oneof(
  {
    weight: 20,
    arbitrary: document({
      ticket: field(fc.constantFrom('CHG-1042', 'a'.repeat(128))),
      approvedBy: field(fc.constantFrom('alice@example.com', 'a'.repeat(256))),
      approvedAt: field(dateTimes),
    }),
  },
  { weight: 1, arbitrary: wrongKinds },
);

const requests = fc.oneof(
  {
    weight: 20,
    arbitrary: document({
      version: fc.oneof(
        { weight: 9, arbitrary: fc.constant(1) },
        { weight: 1, arbitrary: field(fc.constant(2)) },
      ),
      requestId: field(fc.constantFrom('chg-1042', 'arn:aws:states:1/x@y+z=w', 'a'.repeat(128))),
      action: field(
        fc.oneof(
          { weight: 10, arbitrary: fc.constantFrom('authorize', 'revoke') },
          { weight: 1, arbitrary: fc.constant('Authorize') },
        ),
      ),
      clusterSecurityGroupName: fc.oneof(
        { weight: 8, arbitrary: fc.constant('analytics-prod') },
        field(edgeStrings),
      ),
      target: fc.oneof(
        { weight: 4, arbitrary: fc.record({ cidrIp: field(cidrs) }) },
        {
          weight: 4,
          arbitrary: fc.record({
            ec2SecurityGroupName: field(fc.constantFrom('bi-tools', 'a'.repeat(255))),
            ec2SecurityGroupOwnerId: field(accountIds),
          }),
        },
        {
          weight: 1,
          arbitrary: fc.record({
            cidrIp: field(cidrs),
            ec2SecurityGroupName: field(fc.constantFrom('bi-tools')),
            ec2SecurityGroupOwnerId: field(accountIds),
          }),
        },
      ),
      requestedBy: field(fc.constantFrom('office-onboarding', 'a'.repeat(128))),
      reason: field(fc.constantFrom('new office', 'a'.repeat(1024))),
      approval: field(approvals),
      taskToken: field(fc.constantFrom('AQCEAAAAKgAAAAMAAAAA', 'a'.repeat(2048))),
    }),
  },
  { weight: 1, arbitrary: wrongKinds },
);

const ec2Groups = fc.oneof(
  {
    weight: 20,
    arbitrary: document({ name: field(fc.constantFrom('bi-tools', 'etl')), ownerId: field(accountIds) }),
  },
  { weight: 1, arbitrary: wrongKinds },
);
const groups = fc.oneof(
  {
    weight: 20,
    arbitrary: document({
      prune: field(fc.boolean()),
      cidrIps: field(
        fc.oneof(
          fc.array(
            fc.oneof(
              { weight: 30, arbitrary: validCidrs },
              { weight: 1, arbitrary: cidrs },
              { weight: 1, arbitrary: wrongKinds },
            ),
            { maxLength: 4 },
          ),
          fc.array(validCidrs, { minLength: 18, maxLength: 24 }),
        ),
      ),
      ec2SecurityGroups: field(fc.array(ec2Groups, { maxLength: 4 })),
    }),
  },
  { weight: 1, arbitrary: wrongKinds },
);
const groupNames = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom('analytics-prod', 'bi', 'etl-7', '0', 'a'.repeat(255)) },
  { weight: 1, arbitrary: fc.constantFrom('Analytics-Prod', 'a_b', '', 'a'.repeat(256), '__proto__x') },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
);
const desiredStates = fc.oneof(
  {
    weight: 20,
    arbitrary: document({
      version: fc.oneof(
        { weight: 9, arbitrary: fc.constant(1) },
        { weight: 1, arbitrary: field(fc.constant('1')) },
      ),
      groups: fc.oneof(
        { weight: 9, arbitrary: fc.dictionary(groupNames, groups, { minKeys: 1, maxKeys: 4 }) },
        { weight: 1, arbitrary: fc.constant({}) },
        { weight: 1, arbitrary: field(wrongKinds) },
      ),
    }),
  },
  { weight: 1, arbitrary: wrongKinds },
);

describe('the written-out request checks agree with the request schema', () => {
  it('declare the same fields, in the same order, and the same types', () => {
    expect(REQUEST_FIELDS).toEqual(Object.keys(ingressRequestSchema.shape));
    expectTypeOf<RequestBody>().toEqualTypeOf<z.output<typeof ingressRequestSchema>>();
    expectTypeOf<Approval>().toEqualTypeOf<z.output<typeof approvalSchema>>();
  });

  it('accept and refuse the same bodies, with the same value or the same problems', () => {
    fc.assert(
      fc.property(requests, (body) => {
        const ours = validateRequest(body);
        const schema = ingressRequestSchema.safeParse(body);
        if (schema.success) {
          expect(ours).toEqual({ ok: true, value: schema.data });
          // The same keys in the same order: the CLI hashes the body's JSON into the FIFO deduplication id.
          expect(JSON.stringify(ours.ok && ours.value)).toBe(JSON.stringify(schema.data));
        } else expect(ours).toEqual({ ok: false, problems: zodProblems(schema.error.issues) });
      }),
      { numRuns: RUNS },
    );
  });

  it('find valid bodies and each kind of problem often enough to mean something', () => {
    // The generators' mix, checked so that a change to them cannot quietly test only rejections.
    const samples = fc.sample(requests, { numRuns: 2000, seed: 42 });
    const results = samples.map((body) => validateRequest(body));
    const reasons = new Set(
      results.flatMap((result) => (result.ok ? [] : result.problems.map((p) => p.reason))),
    );
    // 467 of 2000 valid with this seed.
    expect(results.filter((result) => result.ok).length).toBeGreaterThan(300);
    for (const reason of [
      'is required',
      'must not be empty',
      'is not a known field',
      'must be an ISO 8601 date-time',
      'is required together with ec2SecurityGroupName',
      'give either cidrIp or ec2SecurityGroupName with ec2SecurityGroupOwnerId, not both',
      'a target is required: cidrIp, or ec2SecurityGroupName with ec2SecurityGroupOwnerId',
      'must be 1 (the request contract version)',
      'must be "authorize" or "revoke"',
      'must contain only letters, digits and hyphens',
      'must be a 12-digit AWS account id',
      'must be at most 255 characters',
      'must be at most 64 characters',
      'must be a string, got an array',
      'must be an object with ticket, approvedBy and approvedAt, got null',
    ]) {
      expect(reasons).toContain(reason);
    }
    expect([...reasons].some((reason) => reason.startsWith('has host bits set'))).toBe(true);
  });
});

/** The desired state the reconciler read from a document before the checks were written out. */
function readWithSchema(value: unknown): { groups: DesiredGroup[] } | { problems: Problem[] } {
  const result = desiredStateSchema.safeParse(value);
  if (!result.success) return { problems: zodProblems(result.error.issues) };
  return {
    groups: Object.entries(result.data.groups).map(([name, group]) => ({
      name,
      prune: group.prune,
      targets: [
        ...group.cidrIps.map((cidr) => ({
          cidrIp: (parseIpv4Cidr(cidr) as { ok: true; network: { cidr: string } }).network.cidr,
        })),
        ...group.ec2SecurityGroups.map((ec2) => ({
          ec2SecurityGroupName: ec2.name,
          ec2SecurityGroupOwnerId: ec2.ownerId,
        })),
      ],
    })),
  };
}

function readWritten(value: unknown): { groups: readonly DesiredGroup[] } | { problems: Problem[] } {
  try {
    return readDesiredState(value);
  } catch (error) {
    if (!(error instanceof DesiredStateError)) throw error;
    return { problems: error.problems.map(({ field, reason }) => ({ field, reason })) };
  }
}

describe('the written-out desired-state checks agree with the desired-state schema', () => {
  it('accept and refuse the same documents, with the same groups or the same problems', () => {
    fc.assert(
      fc.property(desiredStates, (document) => {
        expect(readWritten(document)).toEqual(readWithSchema(document));
      }),
      { numRuns: RUNS },
    );
  });

  it('find valid documents and each kind of problem often enough to mean something', () => {
    const results = fc.sample(desiredStates, { numRuns: 2000, seed: 42 }).map(readWritten);
    const reasons = new Set(
      results.flatMap((result) => ('problems' in result ? result.problems : [])).map((p) => p.reason),
    );
    // 107 of 2000 valid with this seed: a document holds many fields, each may go wrong.
    expect(results.filter((result) => 'groups' in result).length).toBeGreaterThan(80);
    for (const reason of [
      'must name at least one group',
      'must be a 12-digit AWS account id, quoted so YAML keeps it a string',
      'must be a 12-digit AWS account id',
      'is not a known field',
      'must contain only letters, digits and hyphens',
      'must be at most 255 characters',
      'must be 1 (the desired-state contract version)',
      'must be a list of CIDRs, got a string',
      'must be true or false, got null',
      'must be a mapping with prune, cidrIps and ec2SecurityGroups, got an array',
    ]) {
      expect(reasons).toContain(reason);
    }
    for (const start of [
      'names the same group as',
      'duplicates cidrIps.',
      'duplicates ec2SecurityGroups.',
      'has 2',
    ]) {
      expect(
        [...reasons].some((reason) => reason.startsWith(start)),
        start,
      ).toBe(true);
    }
  });
});

describe('where the written-out desired-state checks and zod differ on purpose', () => {
  it('refuse a group named __proto__, which zod skips without a word', () => {
    // Prepare: JSON.parse (and the YAML reader) make `__proto__` an own key of the mapping.
    const document = JSON.parse('{"version":1,"groups":{"__proto__":{"prune":true},"bi":{}}}');

    // Act
    const written = readWritten(document);
    const schema = readWithSchema(document);

    // Assess
    expect(written).toEqual({
      problems: [{ field: 'groups.__proto__', reason: 'must contain only letters, digits and hyphens' }],
    });
    expect(schema).toEqual({ groups: [{ name: 'bi', prune: false, targets: [] }] });
  });

  it('check a hole in a list as a missing item, as zod does', () => {
    // Prepare: never from JSON or YAML; possible from code.
    const cidrIps = ['10.0.0.0/8', '10.0.0.0/8'];
    delete cidrIps[0];
    const document = { version: 1, groups: { bi: { cidrIps } } };

    // Act and assess
    expect(readWritten(document)).toEqual(readWithSchema(document));
    expect(readWritten(document)).toEqual({
      problems: [{ field: 'groups.bi.cidrIps.0', reason: 'is required' }],
    });
  });
});
