import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeClusterSecurityGroupsCommand, RedshiftClient } from '@aws-sdk/client-redshift';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// The reconcile entry point as Lambda runs it: configuration read at init, the desired state read and
// checked by the first run of a container and kept, an invalid document refused before any call.

const redshiftMock = mockClient(RedshiftClient);
const sqsMock = mockClient(SQSClient);
const context = { functionName: 'redshift-ingress-reconcile', awsRequestId: 'run-1' } as unknown as Context;
const REQUESTS = 'https://sqs.us-east-1.amazonaws.com/123456789012/requests';

describe('handlers/reconcile', () => {
  let dir: string;

  beforeEach(() => {
    vi.resetModules();
    redshiftMock.reset();
    sqsMock.reset();
    dir = mkdtempSync(join(tmpdir(), 'reconcile-handler-'));
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    vi.stubEnv('RESULTS_QUEUE_URL', 'https://sqs.us-east-1.amazonaws.com/123456789012/results');
    vi.stubEnv('REQUESTS_QUEUE_URL', REQUESTS);
    vi.stubEnv('ALLOWED_GROUPS', 'analytics-*');
  });

  afterEach(() => {
    vi.unstubAllEnvs();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Writes the document the function reads and points DESIRED_STATE_PATH at it. */
  function desiredState(document: unknown): void {
    const path = join(dir, 'desired-state.json');
    writeFileSync(path, JSON.stringify(document));
    vi.stubEnv('DESIRED_STATE_PATH', path);
  }

  it('refuses an invalid document at every run, naming each problem, before any call', async () => {
    // Prepare
    desiredState({ version: 1, groups: { 'analytics-prod': { cidrIps: ['203.0.113.7/24'] } } });
    const { handler } = await import('../../handlers/reconcile.js');

    // Act / Assess
    for (const _run of [1, 2]) {
      await expect(handler({}, context)).rejects.toThrow(
        /Invalid desired state .*desired-state\.json:\n.*groups\.analytics-prod\.cidrIps\.0: has host bits set.*203\.0\.113\.0\/24/,
      );
    }
    expect(redshiftMock.calls()).toHaveLength(0);
    expect(sqsMock.calls()).toHaveLength(0);
  });

  it('refuses a VPC source the policy refuses, naming the variable, before any call', async () => {
    // Prepare
    vi.stubEnv('ALLOWED_CLUSTERS', 'analytics-*');
    vi.stubEnv('MIN_CIDR_PREFIX', '16');
    desiredState({ version: 2, clusters: { 'analytics-prod': { cidrIps: ['10.0.0.0/8'] } } });
    const { handler } = await import('../../handlers/reconcile.js');

    // Act / Assess
    await expect(handler({}, context)).rejects.toThrow(
      /clusters\.analytics-prod\.cidrIps\.0: refused by MIN_CIDR_PREFIX/,
    );
    expect(redshiftMock.calls()).toHaveLength(0);
    expect(sqsMock.calls()).toHaveLength(0);
  });

  it('names DESIRED_STATE_PATH when the file is missing', async () => {
    // Prepare
    vi.stubEnv('DESIRED_STATE_PATH', join(dir, 'missing.json'));
    const { handler } = await import('../../handlers/reconcile.js');

    // Act / Assess
    await expect(handler({}, context)).rejects.toThrow(
      /DESIRED_STATE_PATH: cannot read ".*missing\.json" \(ENOENT\)/,
    );
  });

  it('reads a valid document once and enqueues the missing rule at each run', async () => {
    // Prepare
    desiredState({ version: 1, groups: { 'analytics-prod': { cidrIps: ['203.0.113.0/24'] } } });
    redshiftMock.on(DescribeClusterSecurityGroupsCommand).resolves({
      ClusterSecurityGroups: [
        { ClusterSecurityGroupName: 'analytics-prod', IPRanges: [], EC2SecurityGroups: [] },
      ],
    });
    sqsMock.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({
      Successful: input.Entries.map((entry) => ({
        Id: entry.Id,
        MessageId: `m-${entry.Id}`,
        MD5OfMessageBody: '',
      })),
    }));
    const { handler } = await import('../../handlers/reconcile.js');

    // Act
    const first = await handler({}, context);
    rmSync(join(dir, 'desired-state.json'));
    const second = await handler({}, context);

    // Assess
    for (const report of [first, second]) {
      expect(report).toMatchObject({
        version: 1,
        groups: [{ clusterSecurityGroupName: 'analytics-prod', missing: [{ cidrIp: '203.0.113.0/24' }] }],
      });
    }
    expect(sqsMock).toHaveReceivedCommandWith(SendMessageBatchCommand, { QueueUrl: REQUESTS });
  });
});
