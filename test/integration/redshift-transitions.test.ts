import { createServer } from 'node:net';
import {
  CreateClusterSecurityGroupCommand,
  DescribeClusterSecurityGroupsCommand,
  RedshiftClient,
} from '@aws-sdk/client-redshift';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRedshiftIngress } from '../../src/adapters/redshift.js';
import { createBatchScope } from '../../src/app/batch-scope.js';
import { TransientError } from '../../src/domain/errors.js';
import { rejectionOf, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

const GROUP = 'analytics-prod';
const rule = (cidrIp: string) => ({ clusterSecurityGroupName: GROUP, cidrIp });

describe('Redshift rules authorizing and revoking, through the real adapter', () => {
  let stack: TestEmulator;

  beforeAll(async () => {
    stack = await startTestEmulator({ maxAttempts: 1, redshiftTransitionMs: 60_000 });
  });

  afterAll(async () => {
    await stack.close();
  });

  afterEach(() => {
    vi.useRealTimers();
    stack.emulator.reset();
  });

  it('shows rules authorizing and revoking, refuses a change meanwhile as transient, and settles', async () => {
    // Prepare: only Date is faked, so the emulator's clock moves while sockets run as usual.
    vi.useFakeTimers({ toFake: ['Date'] });
    const ingress = createRedshiftIngress(stack.redshift);
    await stack.redshift.send(
      new CreateClusterSecurityGroupCommand({ ClusterSecurityGroupName: GROUP, Description: 'test' }),
    );
    await ingress.apply(
      { action: 'authorize', rule: rule('10.1.0.0/16'), requestId: 'chg-1' },
      createBatchScope(),
    );
    vi.setSystemTime(Date.now() + 61_000);
    await ingress.apply(
      { action: 'authorize', rule: rule('10.2.0.0/16'), requestId: 'chg-1' },
      createBatchScope(),
    );
    await ingress.apply(
      { action: 'revoke', rule: rule('10.1.0.0/16'), requestId: 'chg-1' },
      createBatchScope(),
    );

    // Act
    const described = await stack.redshift.send(
      new DescribeClusterSecurityGroupsCommand({ ClusterSecurityGroupName: GROUP }),
    );
    const listed = await ingress.listGroups();
    const meanwhile = await rejectionOf(
      ingress.apply({ action: 'revoke', rule: rule('10.2.0.0/16'), requestId: 'chg-1' }, createBatchScope()),
    );
    vi.setSystemTime(Date.now() + 61_000);
    const settled = await ingress.listGroups();
    const afterwards = await ingress.apply(
      { action: 'revoke', rule: rule('10.2.0.0/16'), requestId: 'chg-1' },
      createBatchScope(),
    );

    // Assess
    expect(described.ClusterSecurityGroups?.[0]?.IPRanges).toEqual([
      expect.objectContaining({ CIDRIP: '10.1.0.0/16', Status: 'revoking' }),
      expect.objectContaining({ CIDRIP: '10.2.0.0/16', Status: 'authorizing' }),
    ]);
    // A rule being revoked is on its way to absent: the reconciler does not count it.
    expect(listed).toEqual([{ name: GROUP, targets: [{ cidrIp: '10.2.0.0/16' }] }]);
    expect(meanwhile).toBeInstanceOf(TransientError);
    expect(meanwhile).toMatchObject({
      code: 'InvalidClusterSecurityGroupStateFault',
      message: expect.stringMatching(/being changed by another operation: .*10\.2\.0\.0\/16 is authorizing/),
    });
    expect(settled).toEqual([{ name: GROUP, targets: [{ cidrIp: '10.2.0.0/16' }] }]);
    expect(afterwards).toEqual({ status: 'revoked' });
  });

  it('injects InvalidClusterSecurityGroupState, which the adapter counts as transient', async () => {
    // Prepare
    const ingress = createRedshiftIngress(stack.redshift);
    await stack.redshift.send(
      new CreateClusterSecurityGroupCommand({ ClusterSecurityGroupName: GROUP, Description: 'test' }),
    );
    stack.emulator.faults.setRules([
      {
        service: 'redshift',
        operation: 'AuthorizeClusterSecurityGroupIngress',
        errorRate: 1,
        errors: ['InvalidClusterSecurityGroupState'],
        count: 1,
      },
    ]);

    // Act
    const injected = await rejectionOf(
      ingress.apply(
        { action: 'authorize', rule: rule('10.3.0.0/16'), requestId: 'chg-1' },
        createBatchScope(),
      ),
    );
    const next = await ingress.apply(
      { action: 'authorize', rule: rule('10.3.0.0/16'), requestId: 'chg-1' },
      createBatchScope(),
    );

    // Assess
    expect(injected).toBeInstanceOf(TransientError);
    expect(injected).toMatchObject({ code: 'InvalidClusterSecurityGroupStateFault' });
    expect(next).toEqual({ status: 'authorized' });
    expect(stack.emulator.faults.stats.InvalidClusterSecurityGroupState).toBe(1);
    expect(() =>
      stack.emulator.faults.setRules([
        { service: 'sqs', errorRate: 1, errors: ['InvalidClusterSecurityGroupState'] },
      ]),
    ).toThrow('faults[0].errors: InvalidClusterSecurityGroupState is a Redshift error');
  });
});

describe('a network failure through the real SDK', () => {
  it('is labelled NetworkError, although the SDK sets $metadata on the final error', async () => {
    // Prepare: a loopback port that was free a moment ago, so the connection is refused.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const client = new RedshiftClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 2,
    });

    // Act
    const error = await rejectionOf(
      createRedshiftIngress(client).apply(
        { action: 'authorize', rule: rule('10.4.0.0/16'), requestId: 'chg-1' },
        createBatchScope(),
      ),
    );
    client.destroy();

    // Assess
    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ code: 'NetworkError', cause: { $metadata: { attempts: 2 } } });
  });
});
