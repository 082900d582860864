import {
  AuthorizeClusterSecurityGroupIngressCommand,
  CreateClusterSecurityGroupCommand,
  DescribeClusterSecurityGroupsCommand,
} from '@aws-sdk/client-redshift';
import { SendTaskHeartbeatCommand } from '@aws-sdk/client-sfn';
import { CreateQueueCommand, GetQueueUrlCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FaultInjector, type FaultRule, mulberry32 } from '../../local/emulator/faults.js';
import {
  type EmulatorClients,
  rejectionOf,
  startTestEmulator,
  type TestEmulator,
} from '../helpers/emulator.js';

let stack: TestEmulator;
let once: EmulatorClients;

beforeAll(async () => {
  stack = await startTestEmulator({ maxAttempts: 3 });
  once = stack.clients(1);
});

afterAll(async () => {
  await stack.close();
});

beforeEach(() => {
  stack.emulator.reset();
});

async function admin(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${stack.emulator.url}/_emulator/${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
}

/** Runs `count` GetQueueUrl calls without retries and returns which failed, and how. */
async function outcomes(count: number): Promise<string[]> {
  const results: string[] = [];
  for (let i = 0; i < count; i += 1) {
    try {
      await once.sqs.send(new GetQueueUrlCommand({ QueueName: 'requests' }));
      results.push('ok');
    } catch (error) {
      results.push((error as Error).name);
    }
  }
  return results;
}

describe('seeded fault injection', () => {
  it('replays the same faults for the same seed and differs for another', async () => {
    // Prepare
    await once.sqs.send(new CreateQueueCommand({ QueueName: 'requests' }));
    const rules: FaultRule[] = [
      {
        service: 'sqs',
        operation: 'GetQueueUrl',
        errorRate: 0.5,
        errors: ['Throttling', 'InternalError500'],
      },
    ];

    // Act
    stack.emulator.faults.setRules(rules, 42);
    const first = await outcomes(24);
    const firstHistory = stack.emulator.faults.history;
    stack.emulator.faults.setRules(rules, 42);
    const replay = await outcomes(24);
    stack.emulator.faults.setRules(rules, 7);
    const otherSeed = await outcomes(24);

    // Assess
    expect(replay).toEqual(first);
    expect(stack.emulator.faults.seed).toBe(7);
    expect(otherSeed).not.toEqual(first);
    expect(new Set(first)).toEqual(new Set(['ok', 'RequestThrottled', 'InternalFailure']));
    expect(firstHistory.length).toBe(first.filter((outcome) => outcome !== 'ok').length);
  });

  it('draws from mulberry32, so the sequence is fixed by the seed alone', () => {
    // Prepare
    const a = mulberry32(123);
    const b = mulberry32(123);

    // Act
    const first = Array.from({ length: 5 }, () => a());
    const second = Array.from({ length: 5 }, () => b());

    // Assess
    expect(second).toEqual(first);
    expect(first.every((value) => value >= 0 && value < 1)).toBe(true);
  });

  it('refuses malformed rules, naming the field', () => {
    // Prepare
    const injector = new FaultInjector(1);

    // Act
    const unknownKey = () => injector.setRules([{ service: 'sqs', errorRat: 1 } as unknown as FaultRule]);
    const badRate = () => injector.setRules([{ service: 'sqs', errorRate: 2 }]);
    const badKind = () => injector.setRules([{ service: 'sfn', errors: ['Boom' as never] }]);

    // Assess
    expect(unknownKey).toThrow('faults[0] has unknown key "errorRat"');
    expect(badRate).toThrow('faults[0].errorRate must be a number from 0 to 1');
    expect(badKind).toThrow('faults[0].errors');
  });
});

describe('injected errors through the SDK', () => {
  it('lets the SDK retry through injected Throttling and succeed', async () => {
    // Prepare
    stack.emulator.faults.setRules([
      {
        service: 'redshift',
        operation: 'DescribeClusterSecurityGroups',
        errorRate: 1,
        errors: ['Throttling'],
        count: 1,
      },
    ]);

    // Act
    const result = await stack.redshift.send(new DescribeClusterSecurityGroupsCommand({}));

    // Assess
    expect(result.$metadata.attempts).toBe(2);
    expect(stack.emulator.faults.stats.Throttling).toBe(1);
    expect(stack.emulator.stats.calls['redshift.DescribeClusterSecurityGroups']).toBe(2);
  });

  it('shapes each fault as the service does, with the error names the SDK raises', async () => {
    // Prepare
    stack.emulator.faults.setRules([
      { service: 'redshift', errorRate: 1, errors: ['Throttling'], count: 1 },
      { service: 'redshift', errorRate: 1, errors: ['InternalError500'], count: 1 },
      { service: 'redshift', errorRate: 1, errors: ['ServiceUnavailable503'], count: 1 },
      { service: 'sqs', errorRate: 1, errors: ['Throttling'], count: 1 },
      { service: 'sqs', errorRate: 1, errors: ['ServiceUnavailable503'], count: 1 },
      { service: 'sfn', errorRate: 1, errors: ['Throttling'], count: 1 },
    ]);
    const describeGroups = () => once.redshift.send(new DescribeClusterSecurityGroupsCommand({}));
    const getUrl = () => once.sqs.send(new GetQueueUrlCommand({ QueueName: 'q' }));

    // Act
    const redshiftThrottled = await rejectionOf(describeGroups());
    const redshift500 = await rejectionOf(describeGroups());
    const redshift503 = await rejectionOf(describeGroups());
    const sqsThrottled = await rejectionOf(getUrl());
    const sqs503 = await rejectionOf(getUrl());
    const sfnThrottled = await rejectionOf(once.sfn.send(new SendTaskHeartbeatCommand({ taskToken: 't' })));

    // Assess
    expect(redshiftThrottled).toMatchObject({ name: 'Throttling', $metadata: { httpStatusCode: 400 } });
    expect(redshift500).toMatchObject({
      name: 'InternalFailure',
      $fault: 'server',
      $metadata: { httpStatusCode: 500 },
    });
    expect(redshift503).toMatchObject({ name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });
    expect(sqsThrottled).toMatchObject({ name: 'RequestThrottled', $metadata: { httpStatusCode: 403 } });
    expect(sqs503).toMatchObject({ name: 'ServiceUnavailable', $fault: 'server' });
    expect(sfnThrottled).toMatchObject({ name: 'ThrottlingException' });
    expect(stack.emulator.faults.stats).toMatchObject({
      Throttling: 3,
      InternalError500: 1,
      ServiceUnavailable503: 2,
    });
  });

  it('surfaces DropConnection as a network error', async () => {
    // Prepare
    stack.emulator.faults.setRules([{ service: 'sqs', errorRate: 1, errors: ['DropConnection'], count: 1 }]);

    // Act
    const error = await rejectionOf(once.sqs.send(new GetQueueUrlCommand({ QueueName: 'q' })));

    // Assess
    expect(error).toMatchObject({ code: 'ECONNRESET' });
    expect(stack.emulator.faults.stats.DropConnection).toBe(1);
  });

  it('fails SendMessageBatch entries one by one with InternalError', async () => {
    // Prepare
    const { QueueUrl } = await once.sqs.send(new CreateQueueCommand({ QueueName: 'results' }));
    stack.emulator.faults.setRules([
      { service: 'sqs', operation: 'SendMessageBatch', entryFailureRate: 1, count: 1 },
    ]);
    const entries = [
      { Id: 'a', MessageBody: 'one' },
      { Id: 'b', MessageBody: 'two' },
    ];

    // Act
    const failing = await once.sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: entries }));
    const next = await once.sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: entries }));

    // Assess
    expect(failing.Successful).toEqual([]);
    expect(failing.Failed).toEqual([
      { Id: 'a', SenderFault: false, Code: 'InternalError', Message: expect.any(String) },
      { Id: 'b', SenderFault: false, Code: 'InternalError', Message: expect.any(String) },
    ]);
    expect(next.Failed).toEqual([]);
    expect(stack.emulator.faults.stats.EntryFailure).toBe(2);
  });

  it('adds latency to matching requests only', async () => {
    // Prepare
    stack.emulator.faults.setRules([{ service: 'sqs', operation: 'GetQueueUrl', latencyMs: 250 }]);
    await once.sqs.send(new CreateQueueCommand({ QueueName: 'q' }));

    // Act
    const started = Date.now();
    await once.sqs.send(new GetQueueUrlCommand({ QueueName: 'q' }));
    const elapsed = Date.now() - started;

    // Assess
    expect(elapsed).toBeGreaterThanOrEqual(240);
    expect(stack.emulator.faults.stats.Latency).toBe(1);
  });

  it('applies the change and then loses the answer with afterProcessing, so a retry sees it done', async () => {
    // Prepare
    await once.redshift.send(
      new CreateClusterSecurityGroupCommand({ ClusterSecurityGroupName: 'analytics-prod', Description: 'd' }),
    );
    stack.emulator.faults.setRules([
      {
        service: 'redshift',
        operation: 'AuthorizeClusterSecurityGroupIngress',
        errorRate: 1,
        errors: ['InternalError500'],
        afterProcessing: true,
        count: 1,
      },
    ]);
    const input = { ClusterSecurityGroupName: 'analytics-prod', CIDRIP: '203.0.113.0/24' };

    // Act
    const retried = await rejectionOf(
      stack.redshift.send(new AuthorizeClusterSecurityGroupIngressCommand(input)),
    );

    // Assess
    expect(retried).toMatchObject({ name: 'AuthorizationAlreadyExistsFault', $metadata: { attempts: 2 } });
    expect(stack.emulator.redshiftGroups()[0]?.cidrIps).toEqual(['203.0.113.0/24']);
  });
});

describe('admin endpoints', () => {
  it('reports health, stats and state, and resets everything', async () => {
    // Prepare
    await once.sqs.send(new CreateQueueCommand({ QueueName: 'requests' }));
    await once.redshift.send(
      new CreateClusterSecurityGroupCommand({ ClusterSecurityGroupName: 'g', Description: 'd' }),
    );

    // Act
    const health = await admin('GET', 'health');
    const stats = await admin('GET', 'stats');
    const state = await admin('GET', 'state');
    const reset = await admin('POST', 'reset');
    const afterReset = await admin('GET', 'state');

    // Assess
    expect(health).toEqual({
      status: 200,
      body: { status: 'ok', url: stack.emulator.url, region: 'us-east-1', accountId: '000000000000' },
    });
    expect(stats.body).toEqual({
      calls: { 'sqs.CreateQueue': 1, 'redshift.CreateClusterSecurityGroup': 1 },
    });
    expect(state.body).toMatchObject({
      queues: [{ name: 'requests', fifo: false, visible: 0, inFlight: 0, delayed: 0 }],
      clusterSecurityGroups: [{ name: 'g', description: 'd', cidrIps: [], ec2SecurityGroups: [] }],
    });
    expect(reset.status).toBe(200);
    expect(afterReset.body).toEqual({
      queues: [],
      clusterSecurityGroups: [],
      securityGroups: [],
      clusters: [],
      workgroups: [],
      vpcByDefault: false,
    });
    expect(stack.emulator.stats.calls).toEqual({});
  });

  it('reads and replaces fault rules over HTTP, refusing bad ones with 400', async () => {
    // Prepare
    const rules = [
      { service: 'redshift', operation: 'AuthorizeClusterSecurityGroupIngress', errorRate: 0.2 },
    ];

    // Act
    const put = await admin('PUT', 'faults', { seed: 99, rules });
    const get = await admin('GET', 'faults');
    const bad = await admin('PUT', 'faults', { rules: [{ service: 'dynamodb' }] });

    // Assess
    expect(put.status).toBe(200);
    expect(get.body).toMatchObject({ seed: 99, rules });
    expect(stack.emulator.faults.seed).toBe(99);
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({
      message: 'faults[0].service must be one of sqs, redshift, sfn, ec2, redshift-serverless',
    });
  });
});
