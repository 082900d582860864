import { describe, expect, it } from 'vitest';
import { describeWorkload, GROUP_PREFIX, generateBatches, toSqsEvent } from '../../bench/workload.js';

const options = { requests: 2000, groups: 20, duplicateRate: 0.1, batchSize: 10, seed: 42 };

interface Body {
  readonly requestId: string;
  readonly action: 'authorize' | 'revoke';
  readonly clusterSecurityGroupName: string;
  readonly cidrIp: string;
}

describe('benchmark workload', () => {
  it('holds the requested number of requests and exactly the duplicates it reports', () => {
    // Act
    const batches = [...generateBatches(options)];
    const shape = describeWorkload(options);

    // Assess
    expect(batches).toHaveLength(200);
    expect(batches.every((batch) => batch.length === 10)).toBe(true);
    const bodies = batches.flat();
    expect(bodies).toHaveLength(2000);
    expect(new Set(bodies).size).toBe(shape.uniqueRequests);
    expect(shape.uniqueRequests).toBe(1800);
  });

  it('repeats a request only within its own batch, after the original', () => {
    // Act
    const batches = [...generateBatches(options)];

    // Assess
    const seenInEarlierBatches = new Set<string>();
    for (const batch of batches) {
      batch.forEach((body, index) => {
        expect(seenInEarlierBatches.has(body)).toBe(false);
        if (batch.indexOf(body) !== index) expect(batch.indexOf(body)).toBeLessThan(index);
      });
      for (const body of batch) seenInEarlierBatches.add(body);
    }
  });

  it('never leaves a group with more than 10 rules, far under the 20-rule quota', () => {
    // Act
    const bodies = [...new Set([...generateBatches({ ...options, requests: 5000 })].flat())].map(
      (body) => JSON.parse(body) as Body,
    );

    // Assess
    const live = new Map<string, Set<string>>();
    let most = 0;
    for (const body of bodies) {
      expect(body.clusterSecurityGroupName.startsWith(GROUP_PREFIX)).toBe(true);
      const rules = live.get(body.clusterSecurityGroupName) ?? new Set<string>();
      if (body.action === 'authorize') {
        expect(rules.has(body.cidrIp)).toBe(false);
        rules.add(body.cidrIp);
      } else {
        expect(rules.delete(body.cidrIp)).toBe(true);
      }
      live.set(body.clusterSecurityGroupName, rules);
      most = Math.max(most, rules.size);
    }
    expect(most).toBe(10);
  });

  it('gives every handler the same stream for the same seed', () => {
    // Act
    const first = [...generateBatches(options)];
    const second = [...generateBatches(options)];

    // Assess
    expect(second).toEqual(first);
  });

  it('refuses a duplicate rate it cannot honour, naming it', () => {
    // Act
    const act = () => describeWorkload({ ...options, duplicateRate: 1 });

    // Assess
    expect(act).toThrow('duplicateRate: must be from 0 to 0.9, got 1');
  });

  it('wraps bodies in an SQS event of first attempts with stable, distinct message ids', () => {
    // Act
    const event = toSqsEvent(['{"a":1}', '{"a":2}'], 3, 'arn:aws:sqs:us-east-1:000000000000:requests');

    // Assess
    expect(event.Records.map((record) => record.messageId)).toEqual([
      '00000000-0000-4000-8000-000000000bb8',
      '00000000-0000-4000-8000-000000000bb9',
    ]);
    expect(event.Records[0]).toMatchObject({
      body: '{"a":1}',
      attributes: { ApproximateReceiveCount: '1' },
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:requests',
    });
  });
});
