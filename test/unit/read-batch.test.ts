import { describe, expect, it } from 'vitest';
import { changeOf, logFieldsOf, makeRecordReader, planRecords } from '../../src/app/read-batch.js';
import { requestBody, sqsRecordFactory } from '../helpers/factories.js';

const readRecord = makeRecordReader({
  allowedGroups: ['analytics-*'],
  minCidrPrefix: 16,
  requireApproval: false,
});

describe('read-batch', () => {
  it('reads a valid, allowed request with its attempt and FIFO message group', () => {
    // Act
    const item = readRecord(
      sqsRecordFactory(requestBody({ requestId: 'chg-1', taskToken: 'token-of-a-task-0001' }), {
        messageId: 'm-1',
        receiveCount: 3,
        messageGroupId: 'g-1',
      }),
    );

    // Assess
    expect(item).toMatchObject({
      attempt: 3,
      messageGroupId: 'g-1',
      request: {
        requestId: 'chg-1',
        action: 'authorize',
        rule: { clusterSecurityGroupName: 'analytics-prod', cidrIp: '203.0.113.0/24' },
      },
      context: {
        requestId: 'chg-1',
        action: 'authorize',
        clusterSecurityGroupName: 'analytics-prod',
        taskToken: 'token-of-a-task-0001',
      },
    });
    expect(item.rejection).toBeUndefined();
    expect(changeOf(item)).toBe(item.request);
  });

  it('rejects an invalid body before any call, naming the field, and defaults requestId to the message id', () => {
    // Act
    const item = readRecord(sqsRecordFactory(requestBody({ cidrIp: '10.0.0.1/8' }), { messageId: 'm-2' }));

    // Assess
    expect(item.rejection).toEqual({
      code: 'InvalidRequest',
      message: 'cidrIp: has host bits set; the network is 10.0.0.0/8',
      retryable: false,
    });
    expect(item.context.requestId).toBe('m-2');
    expect(item.request).toBeUndefined();
    expect(changeOf(item)).toBeUndefined();
  });

  it('keeps the request a policy refuses, but asks no call for it', () => {
    // Act
    const item = readRecord(sqsRecordFactory(requestBody({ clusterSecurityGroupName: 'payments' })));

    // Assess
    expect(item.request?.rule).toMatchObject({ clusterSecurityGroupName: 'payments' });
    expect(item.rejection).toMatchObject({ code: 'PolicyRefused', retryable: false });
    expect(item.rejection?.message).toMatch(/^refused by ALLOWED_GROUPS: /);
    expect(changeOf(item)).toBeUndefined();
  });

  it('counts a missing or unreadable ApproximateReceiveCount as the first attempt', () => {
    // Prepare
    const record = sqsRecordFactory(requestBody());

    // Act
    const missing = readRecord({
      ...record,
      attributes: { ...record.attributes, ApproximateReceiveCount: '' },
    });
    const garbage = readRecord({
      ...record,
      attributes: { ...record.attributes, ApproximateReceiveCount: 'x' },
    });

    // Assess
    expect([missing.attempt, garbage.attempt]).toEqual([1, 1]);
  });

  it('plans calls only for records that need one, coalescing identical requests', () => {
    // Prepare
    const items = [
      readRecord(sqsRecordFactory(requestBody())),
      readRecord(sqsRecordFactory('not json')),
      readRecord(sqsRecordFactory(requestBody())),
      readRecord(sqsRecordFactory(requestBody({ clusterSecurityGroupName: 'analytics-dev' }))),
    ];

    // Act
    const plan = planRecords(items);

    // Assess
    expect(plan.callOf).toEqual([0, undefined, 0, 1]);
    expect(plan.callCount).toBe(2);
    expect(plan.partitions).toEqual([[0, 2], [1], [3]]);
  });

  it('logs a record by its correlation fields, never its task token', () => {
    // Prepare
    const item = readRecord(
      sqsRecordFactory(requestBody({ requestId: 'chg-9', taskToken: 'secret-token-value-0001' }), {
        messageId: 'm-9',
      }),
    );

    // Act
    const fields = logFieldsOf(item);

    // Assess
    expect(fields).toEqual({
      requestId: 'chg-9',
      messageId: 'm-9',
      action: 'authorize',
      attempt: 1,
      clusterSecurityGroupName: 'analytics-prod',
      target: expect.any(String),
      requestedBy: 'office-onboarding',
    });
    expect(JSON.stringify(fields)).not.toContain('secret-token');
  });
});
