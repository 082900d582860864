import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthorizeSecurityGroupIngressCommand, EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureQueues, type LocalQueues } from '../../local/stack.js';
import { reconciliationReportV2Schema } from '../../src/domain/reconciliation-report-schema.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { cliEnv, receiveAll, runCli } from './cli-process.js';

// `plan` and `reconcile --apply` on a desired state of version 2, spawned against the emulator (in its
// VPC-by-default mode, as every current account is: the run must not touch cluster security groups).

let emulator: TestEmulator;
let queues: LocalQueues;
let directory: string;
let env: Record<string, string>;
let ec2: EC2Client;
let prodGroup: string;
let devGroup: string;

const byHand = async (groupId: string, cidrIp: string, managed: boolean) => {
  await ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: groupId,
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5439, ToPort: 5439, IpRanges: [{ CidrIp: cidrIp }] }],
      ...(managed && {
        TagSpecifications: [
          { ResourceType: 'security-group-rule', Tags: [{ Key: 'redshift-ingress:managed', Value: 'true' }] },
        ],
      }),
    }),
  );
};

beforeAll(async () => {
  emulator = await startTestEmulator({ vpcByDefault: true });
  queues = await ensureQueues(emulator.sqs, { prefix: 'reconcile-v2-cli' });
  prodGroup = emulator.emulator.createSecurityGroup({ groupName: 'analytics-prod-ingress' }).groupId;
  devGroup = emulator.emulator.createSecurityGroup({ groupName: 'analytics-dev-ingress' }).groupId;
  emulator.emulator.createCluster({
    clusterIdentifier: 'analytics-prod',
    vpcSecurityGroupIds: [prodGroup],
    port: 5439,
  });
  emulator.emulator.createWorkgroup({
    workgroupName: 'analytics-dev',
    securityGroupIds: [devGroup],
    port: 5439,
  });
  ec2 = new EC2Client({
    endpoint: emulator.emulator.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  await byHand(prodGroup, '203.0.113.0/24', false);
  await byHand(prodGroup, '10.66.0.0/16', false);
  await byHand(devGroup, '203.0.113.0/24', false);
  await byHand(devGroup, '192.0.2.0/24', true);
  directory = mkdtempSync(join(tmpdir(), 'cli-reconcile-v2-'));
  writeFileSync(
    join(directory, 'drifted.yaml'),
    `version: 2
clusters:
  analytics-prod:
    cidrIps: [203.0.113.0/24, 198.51.100.7]
    cidrIpv6s: ["2001:db8::/48"]
workgroups:
  analytics-dev:
    prune: true
    cidrIps: [203.0.113.0/24]
`,
  );
  writeFileSync(
    join(directory, 'in-sync.yaml'),
    `version: 2\nsecurityGroups:\n  ${prodGroup}:\n    cidrIps: [203.0.113.0/24, 10.66.0.0/16]\n`,
  );
  writeFileSync(
    join(directory, 'refused.yaml'),
    'version: 2\nclusters:\n  analytics-prod:\n    cidrIps:\n      - 203.0.113.0/24\n      - 10.0.0.0/8\n',
  );
  env = cliEnv(emulator.emulator.url, {
    REQUESTS_QUEUE_URL: queues.requests.url,
    RESULTS_QUEUE_URL: queues.results.url,
  });
});

afterAll(async () => {
  ec2?.destroy();
  await emulator?.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('redshift-ingress plan and reconcile on a desired state v2 (spawned, against the emulator)', () => {
  it('plan shows per target the resolved group and port, missing, extra, managed or not, and exits 1 on drift', async () => {
    // Act
    const result = await runCli(['plan', '--desired-state', 'drifted.yaml'], env, { cwd: directory });

    // Assess
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^Plan for drifted\.yaml \(dry run: nothing is enqueued or revoked\)\n/);
    expect(result.stdout).toContain(`clusters.analytics-prod -> ${prodGroup}, port 5439 (prune: off)`);
    expect(result.stdout).toMatch(
      /\+ 198\.51\.100\.7\/32\s+missing: would be authorized \(reconcile-authorize-[0-9a-f]{16}\)/,
    );
    expect(result.stdout).toMatch(/\+ 2001:db8::\/48\s+missing: would be authorized/);
    expect(result.stdout).toMatch(
      /~ 10\.66\.0\.0\/16 tcp\/5439 sgr-[0-9a-f]+\s+extra, unmanaged: kept \(never pruned\)/,
    );
    expect(result.stdout).toContain(`workgroups.analytics-dev -> ${devGroup}, port 5439 (prune: on)`);
    expect(result.stdout).toMatch(
      /- 192\.0\.2\.0\/24 tcp\/5439 sgr-[0-9a-f]+\s+extra, managed: would be revoked/,
    );
    expect(result.stdout).toContain(
      'Drift: 2 missing and 2 extra rules in 2 VPC targets; 2 authorize requests would be enqueued, 1 managed rule would be pruned; 1 unmanaged rule kept (!).',
    );
    expect(await receiveAll(emulator.sqs, queues.requests.url)).toEqual([]);
  });

  it('plan exits 0 when the targets are as desired', async () => {
    const result = await runCli(['plan', '--desired-state', join(directory, 'in-sync.yaml')], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`securityGroups.${prodGroup} -> ${prodGroup}, port 5439 (in sync)`);
    expect(result.stdout).toContain('No drift: 1 VPC target as desired.');
  });

  it('plan refuses a document with a source the policy refuses, naming the entry and its line', async () => {
    const result = await runCli(['plan', '--desired-state', join(directory, 'refused.yaml')], {
      ...env,
      MIN_CIDR_PREFIX: '16',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /refused\.yaml:6:\d+: clusters\.analytics-prod\.cidrIps\.1: refused by MIN_CIDR_PREFIX: cidrIp: 10\.0\.0\.0\/8 is broader than MIN_CIDR_PREFIX \/16/,
    );
  });

  it('reconcile --apply enqueues v2 requests, prunes the managed extra by id and publishes the report v2', async () => {
    // Act
    const result = await runCli(
      ['reconcile', '--apply', '--json', '--desired-state', join(directory, 'drifted.yaml')],
      env,
    );

    // Assess
    expect(result.code).toBe(0);
    const report = reconciliationReportV2Schema.parse(JSON.parse(result.stdout));
    expect(report).toMatchObject({
      dryRun: false,
      counts: {
        targets: 2,
        missing: 2,
        extra: 2,
        unmanaged: 1,
        enqueued: 2,
        pruned: 1,
        refused: 0,
        overLimit: 0,
      },
    });
    expect(report.targets[1]?.pruned).toEqual([
      expect.objectContaining({ source: { cidrIp: '192.0.2.0/24' }, status: 'revoked' }),
    ]);
    const requests = (await receiveAll(emulator.sqs, queues.requests.url)).map(
      (message) => JSON.parse(message.Body ?? '{}') as Record<string, unknown>,
    );
    expect(requests).toEqual([
      expect.objectContaining({
        version: 2,
        action: 'authorize',
        clusterIdentifier: 'analytics-prod',
        securityGroupId: prodGroup,
        cidrIp: '198.51.100.7/32',
        requestedBy: 'reconciler',
      }),
      expect.objectContaining({ version: 2, clusterIdentifier: 'analytics-prod', cidrIpv6: '2001:db8::/48' }),
    ]);
    const published = (await receiveAll(emulator.sqs, queues.results.url)).map(
      (message) => JSON.parse(message.Body ?? '{}') as { type: string; action?: string; status?: string },
    );
    expect(published.map((body) => [body.type, body.action ?? '', body.status ?? ''])).toEqual([
      ['ingress-outcome', 'revoke', 'revoked'],
      ['reconciliation-report', '', ''],
    ]);
  });
});
