import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalService } from '../../local/service.js';
import { requestBody } from '../helpers/factories.js';
import { queueDepth, readOutcomes, sendRequests, startTestService } from '../helpers/local-service.js';

let service: LocalService | undefined;

afterEach(async () => {
  await service?.stop();
  service = undefined;
});

const statusesById = (outcomes: { requestId: string; status: string }[]) =>
  Object.fromEntries(outcomes.map((outcome) => [outcome.requestId, outcome.status]));

describe('authorize pipeline over the local stack (real SDK, real handler, emulated event source)', () => {
  it('authorizes, reports already-authorized, rejects a missing group and an invalid body', async () => {
    // Prepare
    service = await startTestService({ groups: { 'analytics-prod': ['192.0.2.0/24'] } });

    // Act
    await sendRequests(service, [
      requestBody({ requestId: 'new', cidrIp: '203.0.113.0/24' }),
      requestBody({ requestId: 'existing', cidrIp: '192.0.2.0/24' }),
      requestBody({ requestId: 'no-group', clusterSecurityGroupName: 'analytics-missing' }),
      '{"version":1,"clusterSecurityGroupName":"analytics-prod","cidrIp":"203.0.113.9/24"}',
      requestBody({
        requestId: 'ec2',
        cidrIp: undefined,
        ec2SecurityGroupName: 'bi-tools',
        ec2SecurityGroupOwnerId: '111122223333',
      }),
    ]);
    const outcomes = await readOutcomes(service, 5);

    // Assess
    expect(statusesById(outcomes)).toMatchObject({
      new: 'authorized',
      existing: 'already-authorized',
      'no-group': 'rejected',
      ec2: 'authorized',
    });
    const invalid = outcomes.find((outcome) => outcome.error?.code === 'InvalidRequest');
    expect(invalid?.error?.message).toBe('cidrIp: has host bits set; the network is 203.0.113.0/24');
    expect(outcomes.find((o) => o.requestId === 'no-group')?.error?.code).toBe(
      'ClusterSecurityGroupNotFoundFault',
    );
    expect(service.emulator?.redshiftGroups()).toEqual([
      expect.objectContaining({
        name: 'analytics-prod',
        cidrIps: ['192.0.2.0/24', '203.0.113.0/24'],
        ec2SecurityGroups: [{ name: 'bi-tools', ownerId: '111122223333' }],
      }),
    ]);
    expect(await queueDepth(service, service.queues.requests.url)).toBe(0);
  });

  it('rejects the 21st rule of a group with the quota message', async () => {
    // Prepare: 19 rules exist.
    const existing = Array.from({ length: 19 }, (_, i) => `10.0.${i}.0/24`);
    service = await startTestService({ groups: { 'analytics-prod': existing } });

    // Act: two more; exactly one fits. They share a group, so they run in arrival order.
    await sendRequests(service, [
      requestBody({ requestId: 'twentieth', cidrIp: '10.1.0.0/24' }),
      requestBody({ requestId: 'twenty-first', cidrIp: '10.1.1.0/24' }),
    ]);
    const outcomes = await readOutcomes(service, 2);

    // Assess
    const statuses = outcomes.map((o) => o.status).sort();
    expect(statuses).toEqual(['authorized', 'rejected']);
    const rejected = outcomes.find((o) => o.status === 'rejected');
    expect(rejected?.error).toMatchObject({ code: 'AuthorizationQuotaExceededFault', retryable: false });
    expect(rejected?.error?.message).toContain('this group already has 20 rules');
    expect(service.emulator?.redshiftGroups()[0]?.cidrIps).toHaveLength(20);
  });

  it('retries through throttling (SDK retries, then SQS redelivery) and succeeds', async () => {
    // Prepare: the first 4 Authorize calls are throttled; the SDK makes 3 attempts, so one redelivery is
    // needed. The visibility timeout outlasts the SDK's backoff, as AWS advises (6x the function timeout);
    // the retry delay is 0 here, so the redelivery comes at once.
    service = await startTestService({
      groups: { 'analytics-prod': [] },
      queues: { visibilityTimeoutSeconds: 30 },
    });
    service.emulator?.faults.setRules([
      {
        service: 'redshift',
        operation: 'AuthorizeClusterSecurityGroupIngress',
        errorRate: 1,
        errors: ['Throttling'],
        count: 4,
      },
    ]);

    // Act
    await sendRequests(service, [requestBody({ requestId: 'throttled' })]);
    const [outcome] = await readOutcomes(service, 1);

    // Assess
    expect(outcome).toMatchObject({ requestId: 'throttled', status: 'authorized', attempt: 2 });
    expect(service.emulator?.stats.calls['redshift.AuthorizeClusterSecurityGroupIngress']).toBe(5);
  });

  it('ends in the DLQ with a failed outcome when a transient fault outlasts MAX_RECEIVE_COUNT', async () => {
    // Prepare
    service = await startTestService({
      groups: { 'analytics-prod': [] },
      queues: { maxReceiveCount: 2, visibilityTimeoutSeconds: 1 },
      env: { AWS_MAX_ATTEMPTS: '1' },
    });
    service.emulator?.faults.setRules([
      {
        service: 'redshift',
        operation: 'AuthorizeClusterSecurityGroupIngress',
        errorRate: 1,
        errors: ['ServiceUnavailable503'],
      },
    ]);

    // Act
    await sendRequests(service, [requestBody({ requestId: 'doomed' })]);
    const outcomes = await readOutcomes(service, 1);

    // Assess: one outcome only (the first attempt published nothing), then the message sits in the DLQ.
    expect(outcomes).toEqual([
      expect.objectContaining({
        requestId: 'doomed',
        status: 'failed',
        attempt: 2,
        error: expect.objectContaining({ retryable: true }),
      }),
    ]);
    const deadline = Date.now() + 10_000;
    let dlq: { Messages?: { Body?: string }[] } = {};
    while (Date.now() < deadline && (dlq.Messages ?? []).length === 0) {
      dlq = await service.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: service.queues.requestsDlq.url,
          WaitTimeSeconds: 1,
          MaxNumberOfMessages: 10,
        }),
      );
    }
    expect((dlq.Messages ?? []).map((m) => JSON.parse(m.Body ?? '{}').requestId)).toEqual(['doomed']);
  });
});
