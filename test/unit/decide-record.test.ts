import { describe, expect, it } from 'vitest';
import { acknowledges, decideRecord, decideSkipped } from '../../src/app/decide-record.js';
import { makeRecordReader } from '../../src/app/read-batch.js';
import { RejectedError, TransientError } from '../../src/domain/errors.js';
import { requestBody, sqsRecordFactory, vpcRequestBody } from '../helpers/factories.js';

const readRecord = makeRecordReader({
  allowedGroups: ['analytics-*'],
  allowedClusters: ['analytics-*'],
  minCidrPrefix: 16,
  requireApproval: false,
});
const processedAt = new Date('2026-11-27T05:00:00.000Z');
const options = { maxReceiveCount: 5, processedAt };
const valid = (receiveCount = 1) =>
  readRecord(
    sqsRecordFactory(requestBody({ requestId: 'chg-1', reason: 'New office' }), {
      messageId: 'm-1',
      receiveCount,
      messageGroupId: 'g-1',
    }),
  );

describe('decideRecord', () => {
  it('publishes and acknowledges the status of an applied change, with the request correlated', () => {
    // Act
    const decision = decideRecord(valid(), { applied: { status: 'already-authorized' } }, options);

    // Assess
    expect(decision).toEqual({
      kind: 'outcome',
      acknowledge: true,
      outcome: {
        type: 'ingress-outcome',
        version: 1,
        requestId: 'chg-1',
        messageId: 'm-1',
        action: 'authorize',
        status: 'already-authorized',
        rule: { clusterSecurityGroupName: 'analytics-prod', cidrIp: '203.0.113.0/24' },
        attempt: 1,
        requestedBy: 'office-onboarding',
        reason: 'New office',
        processedAt: '2026-11-27T05:00:00.000Z',
      },
    });
    expect(acknowledges(decision)).toBe(true);
  });

  it("reports what the backend resolved in the outcome v2's rule, beside what the request named", () => {
    // Prepare
    const item = readRecord(sqsRecordFactory(vpcRequestBody({ requestId: 'chg-2' }), { messageId: 'm-2' }));

    // Act
    const decision = decideRecord(
      item,
      {
        applied: {
          status: 'authorized',
          resolved: { securityGroupId: 'sg-0123456789abcdef0', port: 5439, securityGroupRuleId: 'sgr-0abc' },
        },
      },
      options,
    );

    // Assess
    expect(decision).toEqual({
      kind: 'outcome',
      acknowledge: true,
      outcome: {
        type: 'ingress-outcome',
        version: 2,
        requestId: 'chg-2',
        messageId: 'm-2',
        action: 'authorize',
        status: 'authorized',
        rule: {
          clusterIdentifier: 'analytics-prod',
          cidrIp: '203.0.113.0/24',
          securityGroupId: 'sg-0123456789abcdef0',
          port: 5439,
          securityGroupRuleId: 'sgr-0abc',
        },
        attempt: 1,
        requestedBy: 'office-onboarding',
        processedAt: '2026-11-27T05:00:00.000Z',
      },
    });
  });

  it('gives a rejected request v2 an outcome v2 whose rule is as asked, and an invalid v2 body one without a rule', () => {
    // Prepare
    const refused = readRecord(sqsRecordFactory(vpcRequestBody({ port: 5440 }), { messageId: 'm-3' }));
    const invalid = readRecord(sqsRecordFactory({ version: 2, clusterIdentifier: 'Bad_Name' }));

    // Act
    const decision = decideRecord(
      refused,
      {
        error: new RejectedError('AmbiguousSecurityGroup', 'cluster "analytics-prod" has 2 security groups'),
      },
      options,
    );
    const invalidDecision = decideRecord(invalid, undefined, options);

    // Assess
    expect(decision).toMatchObject({
      kind: 'outcome',
      outcome: {
        version: 2,
        status: 'rejected',
        rule: { clusterIdentifier: 'analytics-prod', cidrIp: '203.0.113.0/24', port: 5440 },
        error: { code: 'AmbiguousSecurityGroup', retryable: false },
      },
    });
    expect(invalidDecision).toMatchObject({
      kind: 'outcome',
      outcome: { version: 2, status: 'rejected', error: { code: 'InvalidRequest' } },
    });
    expect(invalidDecision.kind === 'outcome' && invalidDecision.outcome.rule).toBe(undefined);
  });

  it('keeps a request v1 on v1: a resolved group is not added to its rule', () => {
    const decision = decideRecord(
      valid(),
      {
        applied: { status: 'authorized', resolved: { securityGroupId: 'sg-0123456789abcdef0', port: 5439 } },
      },
      options,
    );
    expect(decision).toMatchObject({
      outcome: { version: 1, rule: { clusterSecurityGroupName: 'analytics-prod', cidrIp: '203.0.113.0/24' } },
    });
    expect(decision.kind === 'outcome' && decision.outcome.rule).toEqual({
      clusterSecurityGroupName: 'analytics-prod',
      cidrIp: '203.0.113.0/24',
    });
  });

  it('rejects a record read as invalid without a call, and acknowledges it', () => {
    // Prepare
    const item = readRecord(sqsRecordFactory('{', { messageId: 'm-2' }));

    // Act
    const decision = decideRecord(item, undefined, options);

    // Assess
    expect(decision).toMatchObject({
      kind: 'outcome',
      acknowledge: true,
      outcome: { status: 'rejected', requestId: 'm-2', error: { code: 'InvalidRequest', retryable: false } },
    });
    expect(decision.kind === 'outcome' && 'rule' in decision.outcome).toBe(false);
  });

  it('rejects and acknowledges on a RejectedError, with its code and message', () => {
    // Act
    const decision = decideRecord(
      valid(),
      { error: new RejectedError('AuthorizationQuotaExceededFault', 'this group already has 20 rules') },
      options,
    );

    // Assess
    expect(decision).toMatchObject({
      kind: 'outcome',
      acknowledge: true,
      outcome: {
        status: 'rejected',
        error: {
          code: 'AuthorizationQuotaExceededFault',
          message: 'this group already has 20 rules',
          retryable: false,
        },
      },
    });
  });

  it('retries a TransientError before the last attempt, publishing nothing', () => {
    // Act
    const decision = decideRecord(
      valid(4),
      { error: new TransientError('Throttling', 'slow down') },
      options,
    );

    // Assess
    expect(decision).toEqual({
      kind: 'retry',
      error: { code: 'Throttling', message: 'slow down', retryable: true },
    });
    expect(acknowledges(decision)).toBe(false);
  });

  it('reports failed on the last attempt, and leaves the record failing so SQS moves it to the DLQ', () => {
    // Act
    const decision = decideRecord(
      valid(5),
      { error: new TransientError('Throttling', 'slow down') },
      options,
    );

    // Assess
    expect(decision).toMatchObject({
      kind: 'outcome',
      acknowledge: false,
      outcome: { status: 'failed', attempt: 5, error: { code: 'Throttling', retryable: true } },
    });
    expect(acknowledges(decision)).toBe(false);
  });
});

describe('decideSkipped', () => {
  it('skips a record blocked by an earlier failure of its FIFO group before its last delivery', () => {
    expect(decideSkipped(valid(4), 'chg-0', options)).toEqual({ kind: 'skip' });
  });

  it('on its last delivery, reports failed naming the request that blocked it', () => {
    // Act
    const decision = decideSkipped(valid(5), 'chg-0', options);

    // Assess
    expect(decision).toMatchObject({
      kind: 'outcome',
      acknowledge: false,
      outcome: {
        status: 'failed',
        error: {
          code: 'PrecedingRequestFailed',
          message:
            'not attempted: request chg-0 before it in FIFO message group g-1 failed, and this was its last delivery (MAX_RECEIVE_COUNT 5)',
          retryable: true,
        },
      },
    });
  });

  it('on its last delivery, rejects a record that needs no call, acknowledged whatever its group did', () => {
    // Prepare
    const item = readRecord(sqsRecordFactory('{', { receiveCount: 5, messageGroupId: 'g-1' }));

    // Act
    const decision = decideSkipped(item, 'chg-0', options);

    // Assess
    expect(decision).toMatchObject({
      kind: 'outcome',
      acknowledge: true,
      unordered: true,
      outcome: { status: 'rejected', error: { code: 'InvalidRequest' } },
    });
  });
});
