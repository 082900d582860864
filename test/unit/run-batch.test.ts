import { describe, expect, it, vi } from 'vitest';
import { createBatchScope } from '../../src/app/batch-scope.js';
import type { AppliedChange, BatchScope, RuleBackend, RuleChange } from '../../src/app/ports.js';
import { makeRecordReader, planRecords } from '../../src/app/read-batch.js';
import { runBatch, targetKindOf } from '../../src/app/run-batch.js';
import { RejectedError, TransientError } from '../../src/domain/errors.js';
import type { VpcIngressRule } from '../../src/domain/request-v2.js';
import { requestBody, sqsRecordFactory, vpcRequestBody } from '../helpers/factories.js';
import { unusedVpcBackend } from '../helpers/vpc-path.js';

const readRecord = makeRecordReader({
  allowedGroups: ['analytics-*'],
  allowedClusters: ['analytics-*'],
  minCidrPrefix: 16,
  requireApproval: false,
});
const now = () => new Date('2026-11-27T05:00:00.000Z');

/** Runs records (bodies with options) through a backend. */
async function run(
  backend: RuleBackend,
  records: Parameters<typeof sqsRecordFactory>[],
  vpcBackend: RuleBackend<VpcIngressRule> = unusedVpcBackend,
) {
  const items = records.map((args) => readRecord(sqsRecordFactory(...args)));
  return runBatch(items, planRecords(items), {
    backends: { clusterSecurityGroup: backend, vpcSecurityGroup: vpcBackend },
    concurrency: 4,
    maxReceiveCount: 5,
    now,
  });
}

/** A cluster-security-group backend that records the changes it is given. */
function resolvingBackend() {
  const changes: RuleChange[] = [];
  const backend: RuleBackend = {
    async apply(change: RuleChange): Promise<AppliedChange> {
      changes.push(change);
      return { status: 'authorized' };
    },
  };
  return { backend, changes };
}

/**
 * A VPC backend as the real one resolves: the cluster's lookup goes through the batch scope, and what it
 * resolved is reported with each change.
 */
function resolvingVpcBackend() {
  const lookups: string[] = [];
  const changes: RuleChange<VpcIngressRule>[] = [];
  const backend: RuleBackend<VpcIngressRule> = {
    async apply(change, batch: BatchScope): Promise<AppliedChange> {
      changes.push(change);
      const { target } = change.rule;
      const cluster = 'clusterIdentifier' in target ? target.clusterIdentifier : 'none';
      const securityGroupId = await batch.once(`cluster:${cluster}`, async () => {
        lookups.push(cluster);
        return `sg-${cluster.length.toString(16).padStart(8, '0')}`;
      });
      return { status: 'authorized', resolved: { securityGroupId, port: 5439 } };
    },
  };
  return { backend, lookups, changes };
}

describe('runBatch', () => {
  it('sends every v1 rule to the cluster-security-group backend, and every VPC rule to the VPC backend', () => {
    expect(targetKindOf({ clusterSecurityGroupName: 'analytics-prod', cidrIp: '10.0.0.0/16' })).toBe(
      'clusterSecurityGroup',
    );
    expect(
      targetKindOf({ target: { clusterIdentifier: 'analytics-prod' }, source: { cidrIp: '10.0.0.0/16' } }),
    ).toBe('vpcSecurityGroup');
    expect(
      targetKindOf({ target: { securityGroupId: 'sg-0aaa1111' }, source: { prefixListId: 'pl-0a1b' } }),
    ).toBe('vpcSecurityGroup');
  });

  it('gives the backend the change with its request id, once for identical requests, and decides each record', async () => {
    // Prepare
    const { backend, changes } = resolvingBackend();

    // Act
    const { decisions, calls } = await run(backend, [
      [requestBody({ requestId: 'chg-1' })],
      [requestBody({ requestId: 'chg-2' })],
      ['not json'],
    ]);

    // Assess
    expect(calls).toBe(1);
    expect(changes).toEqual([
      {
        action: 'authorize',
        rule: { clusterSecurityGroupName: 'analytics-prod', cidrIp: '203.0.113.0/24' },
        requestId: 'chg-1',
      },
    ]);
    expect(
      decisions.map((d) => (d.kind === 'outcome' ? [d.outcome.requestId, d.outcome.status] : d.kind)),
    ).toEqual([
      ['chg-1', 'authorized'],
      ['chg-2', 'authorized'],
      [expect.any(String), 'rejected'],
    ]);
  });

  it("resolves each cluster once per batch, reports what it resolved in the outcome v2's rule, and resolves again in the next batch", async () => {
    // Prepare
    const { backend: vpcBackend, lookups } = resolvingVpcBackend();
    const { backend } = resolvingBackend();
    const batch: Parameters<typeof sqsRecordFactory>[] = [
      [vpcRequestBody({ cidrIp: '10.1.0.0/16' })],
      [vpcRequestBody({ cidrIp: '10.2.0.0/16' })],
      [vpcRequestBody({ clusterIdentifier: 'analytics-dev', cidrIp: '10.3.0.0/16' })],
      [requestBody({ cidrIp: '10.4.0.0/16' })],
    ];

    // Act
    const first = await run(backend, batch, vpcBackend);
    await run(backend, batch, vpcBackend);

    // Assess: no state survives the batch, so a warm container looks again.
    expect(lookups).toEqual(['analytics-prod', 'analytics-dev', 'analytics-prod', 'analytics-dev']);
    expect(first.decisions[0]).toMatchObject({
      kind: 'outcome',
      outcome: {
        version: 2,
        rule: {
          clusterIdentifier: 'analytics-prod',
          cidrIp: '10.1.0.0/16',
          securityGroupId: 'sg-0000000e',
          port: 5439,
        },
      },
    });
    // A request v1 keeps its v1 outcome, whose rule is as the request named it.
    expect(first.decisions[3]).toMatchObject({
      kind: 'outcome',
      outcome: { version: 1, rule: { clusterSecurityGroupName: 'analytics-prod', cidrIp: '10.4.0.0/16' } },
    });
  });

  it('orders the records of one VPC target and coalesces identical ones, but not those picking other groups', async () => {
    // Prepare
    const { backend: vpcBackend, changes } = resolvingVpcBackend();
    const { backend } = resolvingBackend();

    // Act
    const { calls } = await run(
      backend,
      [
        [vpcRequestBody({ requestId: 'a' })],
        [vpcRequestBody({ requestId: 'b' })],
        [vpcRequestBody({ requestId: 'c', securityGroupId: 'sg-0bbb2222' })],
        [vpcRequestBody({ requestId: 'd', action: 'revoke' })],
        [vpcRequestBody({ requestId: 'e' })],
      ],
      vpcBackend,
    );

    // Assess: a and b share a call; the pick is another change; the revoke between splits e from a.
    expect(calls).toBe(4);
    expect(changes.map((change) => [change.requestId, change.action])).toEqual([
      ['a', 'authorize'],
      ['c', 'authorize'],
      ['d', 'revoke'],
      ['e', 'authorize'],
    ]);
  });

  it('FIFO: stops a message group at its first failure without calling for the rest', async () => {
    // Prepare
    const apply = vi
      .fn<RuleBackend['apply']>()
      .mockRejectedValueOnce(new TransientError('Throttling', 'slow down'))
      .mockResolvedValue({ status: 'authorized' });

    // Act
    const { decisions, calls } = await run({ apply }, [
      [requestBody({ requestId: 'chg-1', cidrIp: '10.1.0.0/16' }), { messageGroupId: 'g' }],
      [requestBody({ requestId: 'chg-2', cidrIp: '10.2.0.0/16' }), { messageGroupId: 'g' }],
      [requestBody({ requestId: 'chg-3', cidrIp: '10.3.0.0/16' }), { messageGroupId: 'other' }],
    ]);

    // Assess
    expect(decisions.map((d) => d.kind)).toEqual(['retry', 'skip', 'outcome']);
    expect(calls).toBe(2);
    expect(apply).toHaveBeenCalledTimes(2);
  });

  it('treats an error no adapter classified as a transient InternalError, and a RejectedError as final', async () => {
    // Prepare
    const apply = vi
      .fn<RuleBackend['apply']>()
      .mockRejectedValueOnce(new Error('boom'))
      .mockRejectedValueOnce(new RejectedError('ClusterSecurityGroupNotFoundFault', 'no such group'));

    // Act
    const { decisions } = await run({ apply }, [
      [requestBody({ cidrIp: '10.1.0.0/16' })],
      [requestBody({ clusterSecurityGroupName: 'analytics-gone' })],
    ]);

    // Assess
    expect(decisions).toEqual([
      { kind: 'retry', error: { code: 'InternalError', message: 'unexpected error: boom', retryable: true } },
      expect.objectContaining({
        kind: 'outcome',
        outcome: expect.objectContaining({ status: 'rejected' }),
      }),
    ]);
  });
});

describe('createBatchScope', () => {
  it('resolves a key once, sharing the result (fulfilled or rejected) with every caller', async () => {
    // Prepare
    const scope = createBatchScope();
    const resolve = vi.fn(async () => 'sg-1');
    const refuse = vi.fn(async () => {
      throw new RejectedError('ClusterNotFound', 'no such cluster');
    });

    // Act
    const values = await Promise.all([scope.once('a', resolve), scope.once('a', resolve)]);
    const errors = await Promise.all(
      [scope.once('b', refuse), scope.once('b', refuse)].map((promise) => promise.catch((error) => error)),
    );

    // Assess
    expect(values).toEqual(['sg-1', 'sg-1']);
    expect(resolve).toHaveBeenCalledTimes(1);
    expect(refuse).toHaveBeenCalledTimes(1);
    expect(errors[0]).toBeInstanceOf(RejectedError);
    expect(errors[1]).toBe(errors[0]);
  });

  it('turns a resolver that throws at once into a shared rejection', async () => {
    // Prepare
    const scope = createBatchScope();
    const resolve = vi.fn((): Promise<string> => {
      throw new Error('synchronous');
    });

    // Act
    const results = await Promise.allSettled([scope.once('a', resolve), scope.once('a', resolve)]);

    // Assess
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    expect(resolve).toHaveBeenCalledTimes(1);
  });
});
