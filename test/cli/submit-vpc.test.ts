import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureQueues, type LocalQueues } from '../../local/stack.js';
import { buildOutcome } from '../../src/domain/outcome.js';
import { outcomeRuleV2, type ResolvedVpcRule } from '../../src/domain/outcome-v2.js';
import { type OutcomeV2, outcomeV2Schema } from '../../src/domain/outcome-v2-schema.js';
import { isVpcRule, parseAnyRequest } from '../../src/domain/request-v2.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';
import { cliEnv, finished, queueCounts, receiveAll, runCli, startCli, waitForOutput } from './cli-process.js';

// submit and results on VPC targets, spawned as users run them, against the emulator. No service runs:
// where an outcome is needed, the test answers the request itself with an outcome v2 built by the
// domain's own functions, as the service does once it resolves the target's security group and port.

let emulator: TestEmulator;
let directory: string;

beforeAll(async () => {
  emulator = await startTestEmulator();
  directory = mkdtempSync(join(tmpdir(), 'cli-submit-vpc-'));
});

afterAll(async () => {
  await emulator.close();
  rmSync(directory, { recursive: true, force: true });
});

const envFor = (queues: LocalQueues) =>
  cliEnv(emulator.emulator.url, {
    REQUESTS_QUEUE_URL: queues.requests.url,
    RESULTS_QUEUE_URL: queues.results.url,
  });

const bodiesOf = async (queueUrl: string) =>
  (await receiveAll(emulator.sqs, queueUrl)).map(
    (message) => JSON.parse(message.Body ?? '{}') as Record<string, unknown>,
  );

/** An outcome v2 for a request v2 body, as the service publishes it. */
function outcomeV2For(
  body: string,
  messageId: string,
  answer: { status: OutcomeV2['status']; resolved?: ResolvedVpcRule; error?: OutcomeV2['error'] },
): OutcomeV2 {
  const parsed = parseAnyRequest(body, messageId);
  if (!parsed.ok || parsed.request.version !== 2) throw new Error(`not a valid request v2: ${body}`);
  const { request } = parsed;
  return outcomeV2Schema.parse({
    type: 'ingress-outcome',
    version: 2,
    requestId: request.requestId,
    messageId,
    action: request.action,
    status: answer.status,
    rule: isVpcRule(request.rule) ? outcomeRuleV2(request.rule, answer.resolved) : { ...request.rule },
    ...(answer.error !== undefined && { error: answer.error }),
    attempt: 1,
    processedAt: new Date().toISOString(),
  });
}

/**
 * Plays the service for `count` requests: receives them from the requests queue and publishes the
 * outcome `answer` gives for each (the message id is the one submit --wait matches on).
 */
async function answerRequests(
  queues: LocalQueues,
  count: number,
  answer: (body: Record<string, unknown>) => Parameters<typeof outcomeV2For>[2],
): Promise<void> {
  let answered = 0;
  const deadline = Date.now() + 30_000;
  while (answered < count) {
    if (Date.now() > deadline) throw new Error(`only ${answered} of ${count} requests arrived`);
    const { Messages = [] } = await emulator.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queues.requests.url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    for (const message of Messages) {
      const body = message.Body ?? '';
      const outcome = outcomeV2For(body, message.MessageId ?? '', answer(JSON.parse(body)));
      await emulator.sqs.send(
        new SendMessageCommand({ QueueUrl: queues.results.url, MessageBody: JSON.stringify(outcome) }),
      );
      await emulator.sqs.send(
        new DeleteMessageCommand({ QueueUrl: queues.requests.url, ReceiptHandle: message.ReceiptHandle }),
      );
      answered += 1;
    }
  }
}

/**
 * Every message of a FIFO queue with its group id, deleting as it goes: a group's next message is
 * delivered only once the one before it is gone.
 */
async function drainFifo(queueUrl: string): Promise<{ group?: string; body: Record<string, unknown> }[]> {
  const all: { group?: string; body: Record<string, unknown> }[] = [];
  while (true) {
    const { Messages = [] } = await emulator.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ['MessageGroupId'],
      }),
    );
    if (Messages.length === 0) return all;
    for (const message of Messages) {
      all.push({
        ...(message.Attributes?.MessageGroupId !== undefined && { group: message.Attributes.MessageGroupId }),
        body: JSON.parse(message.Body ?? '{}') as Record<string, unknown>,
      });
      await emulator.sqs.send(
        new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }),
      );
    }
  }
}

describe('redshift-ingress submit on VPC targets (spawned, against the emulator)', () => {
  it('builds a request v2 from each new flag, grouped on a FIFO queue by the VPC target', async () => {
    // Prepare
    const fifo = await ensureQueues(emulator.sqs, { prefix: 'vpc-flags', fifo: true });
    const submits = [
      ['--cluster', 'analytics-prod', '--cidr', '203.0.113.0/24', '--request-id', 'f-cluster'],
      [
        '--cluster',
        'analytics-prod',
        '--security-group',
        'sg-0a1b2c3d',
        '--cidr',
        '2001:db8:1234::/48',
        '--port',
        '5440',
        '--request-id',
        'f-pick-v6',
      ],
      [
        '--workgroup',
        'bi-serverless',
        '--source-group',
        'sg-0fedcba987654321f',
        '--source-owner',
        '111122223333',
        '--request-id',
        'f-workgroup',
      ],
      [
        '--security-group',
        'sg-0123456789abcdef0',
        '--prefix-list',
        'pl-0a1b2c3d4e5f60718',
        '--revoke',
        '--request-id',
        'f-group',
      ],
      [
        '--workgroup',
        'bi-serverless',
        '--source-group',
        'sg-0fedcba987654321f',
        '--request-id',
        'f-same-account',
      ],
    ];

    // Act
    const results = [];
    for (const flags of submits) {
      results.push(
        await runCli(['submit', ...flags, '--queue-url', fifo.requests.url], cliEnv(emulator.emulator.url)),
      );
    }

    // Assess: every submit sent its one request; each body is the contract's version 2, IPv6 as cidrIpv6.
    for (const result of results) {
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    }
    expect(results[0]?.stdout).toContain(`Sent request f-cluster to ${fifo.requests.url}`);
    const sent = await drainFifo(fifo.requests.url);
    const common = { version: 2, action: 'authorize', requestedBy: expect.stringMatching(/^cli:/) };
    expect(sent.sort((a, b) => String(a.body.requestId).localeCompare(String(b.body.requestId)))).toEqual([
      {
        group: 'cluster:analytics-prod',
        body: {
          ...common,
          requestId: 'f-cluster',
          clusterIdentifier: 'analytics-prod',
          cidrIp: '203.0.113.0/24',
        },
      },
      {
        group: 'security-group:sg-0123456789abcdef0',
        body: {
          ...common,
          requestId: 'f-group',
          action: 'revoke',
          securityGroupId: 'sg-0123456789abcdef0',
          prefixListId: 'pl-0a1b2c3d4e5f60718',
        },
      },
      {
        group: 'cluster:analytics-prod',
        body: {
          ...common,
          requestId: 'f-pick-v6',
          clusterIdentifier: 'analytics-prod',
          securityGroupId: 'sg-0a1b2c3d',
          cidrIpv6: '2001:db8:1234::/48',
          port: 5440,
        },
      },
      {
        group: 'workgroup:bi-serverless',
        body: {
          ...common,
          requestId: 'f-same-account',
          workgroupName: 'bi-serverless',
          sourceSecurityGroupId: 'sg-0fedcba987654321f',
        },
      },
      {
        group: 'workgroup:bi-serverless',
        body: {
          ...common,
          requestId: 'f-workgroup',
          workgroupName: 'bi-serverless',
          sourceSecurityGroupId: 'sg-0fedcba987654321f',
          sourceSecurityGroupOwnerId: '111122223333',
        },
      },
    ]);
  });

  it('--group still builds the version 1 body of today', async () => {
    // Prepare
    const queues = await ensureQueues(emulator.sqs, { prefix: 'vpc-v1-kept' });

    // Act
    const result = await runCli(
      ['submit', '--group', 'analytics-prod', '--cidr', '203.0.113.7', '--request-id', 'v1-kept'],
      envFor(queues),
    );

    // Assess
    expect(result.code).toBe(0);
    expect(await bodiesOf(queues.requests.url)).toEqual([
      {
        version: 1,
        requestId: 'v1-kept',
        action: 'authorize',
        clusterSecurityGroupName: 'analytics-prod',
        cidrIp: '203.0.113.7',
        requestedBy: expect.stringMatching(/^cli:/),
      },
    ]);
  });

  it.each([
    [
      '--group with --port',
      ['--group', 'analytics-prod', '--cidr', '203.0.113.0/24', '--port', '5439'],
      '--port: applies to VPC targets only (--cluster, --workgroup or --security-group); a cluster security group takes --cidr, or --ec2-group with --owner',
    ],
    [
      '--cidr IPv6 with --group',
      ['--group', 'analytics-prod', '--cidr', '2001:db8::/32'],
      '--cidr: is IPv6; Redshift cluster security groups accept IPv4 CIDRs only',
    ],
    [
      '--cidr IPv6 with --group and --port',
      ['--group', 'analytics-prod', '--cidr', '2001:db8::/32', '--port', '5439'],
      '--cidr (IPv6): applies to VPC targets only (--cluster, --workgroup or --security-group); a cluster security group takes --cidr, or --ec2-group with --owner\n--port: applies to VPC targets only (--cluster, --workgroup or --security-group); a cluster security group takes --cidr, or --ec2-group with --owner',
    ],
    [
      'two targets',
      ['--cluster', 'analytics-prod', '--workgroup', 'bi-serverless', '--cidr', '203.0.113.0/24'],
      '--workgroup: give one target of --cluster, --workgroup, --security-group or --group; got --cluster, --workgroup',
    ],
    [
      '--security-group with --group',
      ['--group', 'analytics-prod', '--security-group', 'sg-0a1b2c3d', '--cidr', '203.0.113.0/24'],
      '--security-group: picks a VPC security group of a --cluster or --workgroup, or is the target itself; it does not go with --group',
    ],
    [
      'two sources',
      ['--cluster', 'analytics-prod', '--cidr', '203.0.113.0/24', '--prefix-list', 'pl-0a1b2c3d'],
      '--prefix-list: give one source of --cidr, --source-group, --prefix-list, or --ec2-group with --owner; got --cidr, --prefix-list',
    ],
    [
      '--source-owner without --source-group',
      ['--cluster', 'analytics-prod', '--source-owner', '111122223333'],
      '--source-group: is required together with --source-owner',
    ],
    [
      '--ec2-group with --owner on a VPC target',
      ['--cluster', 'analytics-prod', '--ec2-group', 'bi-tools', '--owner', '111122223333'],
      '--ec2-group: applies to a --group target only; for a VPC target give the group as --source-group (with --source-owner)\n--owner: applies to a --group target only; for a VPC target give the group as --source-group (with --source-owner)',
    ],
    [
      'a port that is not one',
      ['--workgroup', 'bi-serverless', '--cidr', '203.0.113.0/24', '--port', '65536'],
      '--port: must be a whole number from 1 to 65535',
    ],
    [
      'an IPv6 network with host bits set',
      ['--security-group', 'sg-0a1b2c3d', '--cidr', '2001:db8:1234::1/48'],
      '--cidr (IPv6): has host bits set; the network is 2001:db8:1234::/48',
    ],
    [
      'a source flag with a file',
      ['offices.txt', '--cluster', 'analytics-prod', '--prefix-list', 'pl-0a1b2c3d'],
      '--prefix-list: applies to a single request; the lines of offices.txt name their own (see --help)',
    ],
    [
      '--group with --port for the lines of a file',
      ['offices.txt', '--group', 'analytics-prod', '--port', '5439'],
      '--port: applies to VPC targets only (--cluster, --workgroup or --security-group); a cluster security group takes --cidr, or --ec2-group with --owner',
    ],
    [
      'two target flags for the lines of a file',
      ['offices.txt', '--group', 'analytics-prod', '--cluster', 'analytics-prod'],
      '--group: give one target of --cluster, --workgroup, --security-group or --group; got --cluster, --group',
    ],
  ])(
    'refuses %s, naming the flag and the reason, and sends nothing (exit 2)',
    async (_name, flags, message) => {
      // Prepare
      const queues = await ensureQueues(emulator.sqs, { prefix: 'vpc-refused' });
      writeFileSync(join(directory, 'offices.txt'), '203.0.113.0/24\n');

      // Act
      const result = await runCli(['submit', ...flags], envFor(queues), { cwd: directory });

      // Assess
      expect(result.stderr).toBe(`error: ${message}\n`);
      expect(result.code).toBe(2);
      expect(await queueCounts(emulator.sqs, queues.requests.url)).toEqual({ visible: 0, inFlight: 0 });
    },
  );

  it('reads the VPC columns of a CSV file: v2 rows, v1 rows for a group, each invalid line named with its field', async () => {
    // Prepare
    const queues = await ensureQueues(emulator.sqs, { prefix: 'vpc-csv' });
    const csv = join(directory, 'changes.csv');
    writeFileSync(
      csv,
      [
        'cluster,workgroup,security-group,cidr,source-group,source-owner,prefix-list,port,group,request-id',
        'analytics-prod,,,203.0.113.0/24,,,,,,c-cluster',
        'analytics-prod,,sg-0a1b2c3d,2001:db8:1234::/48,,,,5440,,c-pick',
        ',bi-serverless,,,sg-0fedcba987654321f,111122223333,,,,c-workgroup',
        ',,sg-0123456789abcdef0,,,,pl-0a1b2c3d,,,c-group',
        ',,,198.51.100.0/24,,,,,analytics-classic,c-classic',
        ',,,198.51.100.0/24,,,,5439,analytics-classic,c-classic-port',
        ',,,198.51.100.0/24,,,,,,c-no-target',
        'analytics-prod,,,203.0.113.0/24,,,,5439x,,c-bad-port',
      ].join('\n'),
    );

    // Act
    const result = await runCli(['submit', csv, '--ticket', 'CHG-9'], envFor(queues));

    // Assess: exit 3; the invalid lines named with the contract's field and reason.
    expect(result.code).toBe(3);
    expect(result.stderr.trim().split('\n')).toEqual([
      `${csv}:7: port: applies to VPC targets only (clusterIdentifier, workgroupName or securityGroupId); a cluster security group takes cidrIp, or ec2SecurityGroupName with ec2SecurityGroupOwnerId`,
      `${csv}:8: clusterIdentifier: a target is required: clusterIdentifier, workgroupName, securityGroupId or clusterSecurityGroupName`,
      `${csv}:9: port: must be a whole number from 1 to 65535`,
    ]);
    expect(result.stdout).toContain('Sent 5 requests');
    const bodies = await bodiesOf(queues.requests.url);
    const byId = new Map(bodies.map((body) => [body.requestId, body]));
    const common = {
      action: 'authorize',
      requestedBy: expect.stringMatching(/^cli:/),
      approval: { ticket: 'CHG-9' },
    };
    expect(byId.get('c-cluster')).toEqual({
      ...common,
      version: 2,
      requestId: 'c-cluster',
      clusterIdentifier: 'analytics-prod',
      cidrIp: '203.0.113.0/24',
    });
    expect(byId.get('c-pick')).toEqual({
      ...common,
      version: 2,
      requestId: 'c-pick',
      clusterIdentifier: 'analytics-prod',
      securityGroupId: 'sg-0a1b2c3d',
      cidrIpv6: '2001:db8:1234::/48',
      port: 5440,
    });
    expect(byId.get('c-workgroup')).toEqual({
      ...common,
      version: 2,
      requestId: 'c-workgroup',
      workgroupName: 'bi-serverless',
      sourceSecurityGroupId: 'sg-0fedcba987654321f',
      sourceSecurityGroupOwnerId: '111122223333',
    });
    expect(byId.get('c-group')).toEqual({
      ...common,
      version: 2,
      requestId: 'c-group',
      securityGroupId: 'sg-0123456789abcdef0',
      prefixListId: 'pl-0a1b2c3d',
    });
    expect(byId.get('c-classic')).toEqual({
      ...common,
      version: 1,
      requestId: 'c-classic',
      clusterSecurityGroupName: 'analytics-classic',
      cidrIp: '198.51.100.0/24',
    });
    expect(bodies).toHaveLength(5);
  });

  it('--dry-run shows the v2 requests of a list for a workgroup: target, source, the group picked and the port', async () => {
    // Prepare
    const list = join(directory, 'v6-offices.txt');
    writeFileSync(list, '203.0.113.0/24 # NYC\n2001:db8:1234::/48 # NYC, IPv6\n2001:db8:1234::1/48\n');
    const queues = await ensureQueues(emulator.sqs, { prefix: 'vpc-dry-run' });

    // Act
    const table = await runCli(
      [
        'submit',
        list,
        '--workgroup',
        'bi-serverless',
        '--security-group',
        'sg-0a1b2c3d',
        '--port',
        '5440',
        '--request-id-prefix',
        'd',
        '--dry-run',
      ],
      envFor(queues),
    );
    const json = await runCli(
      ['submit', list, '--workgroup', 'bi-serverless', '--request-id-prefix', 'd', '--dry-run', '--json'],
      envFor(queues),
    );

    // Assess
    expect(table.code).toBe(3);
    expect(table.stderr).toBe(`${list}:3: cidrIpv6: has host bits set; the network is 2001:db8:1234::/48\n`);
    expect(table.stdout).toMatch(/^REQUEST-ID\s+LINE\s+ACTION\s+TARGET\s+SOURCE\s+SECURITY-GROUP\s+PORT\n/);
    expect(table.stdout).toMatch(
      /\nd-1\s+1\s+authorize\s+workgroup bi-serverless\s+203\.0\.113\.0\/24\s+sg-0a1b2c3d\s+5440\n/,
    );
    expect(table.stdout).toMatch(
      /\nd-2\s+2\s+authorize\s+workgroup bi-serverless\s+2001:db8:1234::\/48\s+sg-0a1b2c3d\s+5440\n/,
    );
    expect(table.stdout).toContain('Dry run: 2 valid requests; 1 invalid line reported above; nothing sent');
    const summary = JSON.parse(json.stdout) as { valid: { line: number; body: unknown }[] };
    expect(summary.valid.map((entry) => entry.body)).toEqual([
      expect.objectContaining({
        version: 2,
        workgroupName: 'bi-serverless',
        cidrIp: '203.0.113.0/24',
        reason: 'NYC',
      }),
      expect.objectContaining({ version: 2, workgroupName: 'bi-serverless', cidrIpv6: '2001:db8:1234::/48' }),
    ]);
    expect(await queueCounts(emulator.sqs, queues.requests.url)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('--wait shows the security group and port each outcome v2 resolved, and the rule id', async () => {
    // Prepare
    const queues = await ensureQueues(emulator.sqs, { prefix: 'vpc-wait' });
    const ndjson = [
      { version: 2, requestId: 'w-cluster', clusterIdentifier: 'analytics-prod', cidrIp: '203.0.113.0/24' },
      {
        version: 2,
        requestId: 'w-ambiguous',
        workgroupName: 'bi-serverless',
        sourceSecurityGroupId: 'sg-0fedcba987654321f',
        sourceSecurityGroupOwnerId: '111122223333',
      },
    ]
      .map((line) => JSON.stringify(line))
      .join('\n');
    const responder = answerRequests(queues, 2, (body) =>
      body.clusterIdentifier !== undefined
        ? {
            status: 'authorized',
            resolved: {
              securityGroupId: 'sg-0a1b2c3d',
              port: 5439,
              securityGroupRuleId: 'sgr-0123456789abcdef0',
            },
          }
        : {
            status: 'rejected',
            error: {
              code: 'AmbiguousSecurityGroup',
              message:
                'workgroup bi-serverless has security groups sg-0a1b2c3d, sg-0e1f2a3b and none is tagged',
              retryable: false,
            },
          },
    );

    // Act
    const result = await runCli(['submit', '-', '--wait', '--timeout', '60s'], envFor(queues), {
      input: ndjson,
    });
    await responder;

    // Assess: exit 1 (one rejected); the resolved group and port beside the authorized one, none beside the
    // one refused before it was resolved.
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /REQUEST-ID\s+LINE\s+STATUS\s+TARGET\s+SOURCE\s+SECURITY-GROUP\s+PORT\s+DETAIL\n/,
    );
    expect(result.stdout).toMatch(
      /w-cluster\s+1\s+authorized\s+cluster analytics-prod\s+203\.0\.113\.0\/24\s+sg-0a1b2c3d\s+5439\s+rule sgr-0123456789abcdef0\n/,
    );
    expect(result.stdout).toMatch(
      /w-ambiguous\s+2\s+rejected\s+workgroup bi-serverless\s+sg-0fedcba987654321f \(111122223333\)\s+AmbiguousSecurityGroup: workgroup bi-serverless has/,
    );
    expect(result.stdout).toContain('2 requests: 1 authorized, 1 rejected');
    expect(await queueCounts(emulator.sqs, queues.results.url)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('--wait without an outcome shows the VPC target as asked: the picked group and port, blank where the service resolves them', async () => {
    // Prepare: no one answers.
    const queues = await ensureQueues(emulator.sqs, { prefix: 'vpc-no-outcome' });
    const csv =
      'cluster,security-group,cidr,port,request-id\nanalytics-prod,sg-0a1b2c3d,2001:db8::/32,5440,n-1\nanalytics-prod,,203.0.113.0/24,,n-2\n';

    // Act
    const result = await runCli(
      ['submit', '-', '--format', 'csv', '--wait', '--timeout', '1s'],
      envFor(queues),
      {
        input: csv,
      },
    );

    // Assess
    expect(result.code).toBe(4);
    expect(result.stdout).toMatch(
      /n-1\s+2\s+\(no outcome\)\s+cluster analytics-prod\s+2001:db8::\/32\s+sg-0a1b2c3d\s+5440\n/,
    );
    expect(result.stdout).toMatch(/n-2\s+3\s+\(no outcome\)\s+cluster analytics-prod\s+203\.0\.113\.0\/24\n/);
  });
});

describe('redshift-ingress results with outcomes v1 and v2 (spawned, against the emulator)', () => {
  it('shows both versions in the table and with --json, and a v2 line with its group and port under --follow', async () => {
    // Prepare: an outcome v1, an authorized v2 and a v2 refused before resolution on the results queue.
    const queues = await ensureQueues(emulator.sqs, { prefix: 'vpc-results' });
    const v1 = buildOutcome({
      requestId: 'r-v1',
      messageId: 'm-v1',
      action: 'authorize',
      status: 'authorized',
      rule: { clusterSecurityGroupName: 'analytics-classic', cidrIp: '198.51.100.0/24' },
      attempt: 1,
      processedAt: new Date(),
    });
    const authorized = outcomeV2For(
      JSON.stringify({
        version: 2,
        requestId: 'r-v2',
        securityGroupId: 'sg-0123456789abcdef0',
        cidrIpv6: '2001:db8::/32',
      }),
      'm-v2',
      { status: 'authorized', resolved: { securityGroupId: 'sg-0123456789abcdef0', port: 5439 } },
    );
    const refused = outcomeV2For(
      JSON.stringify({
        version: 2,
        requestId: 'r-v2-refused',
        clusterIdentifier: 'finance-prod',
        prefixListId: 'pl-0a1b2c3d',
      }),
      'm-v2-refused',
      {
        status: 'rejected',
        error: {
          code: 'PolicyRefused',
          message: 'clusterIdentifier finance-prod is not in ALLOWED_CLUSTERS',
          retryable: false,
        },
      },
    );
    await emulator.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queues.results.url,
        Entries: [v1, authorized, refused].map((outcome, index) => ({
          Id: String(index),
          MessageBody: JSON.stringify(outcome),
        })),
      }),
    );
    const env = envFor(queues);

    // Act
    const table = await runCli(['results'], env);
    const json = await runCli(['results', '--json'], env);
    const follower = startCli(['results', '--follow', '--status', 'authorized'], env);
    const done = finished(follower);
    await Promise.all([waitForOutput(follower, 'r-v1'), waitForOutput(follower, 'r-v2')]);
    follower.kill('SIGINT');
    const followed = await done;

    // Assess: nothing skipped, nothing consumed.
    expect(table.code).toBe(0);
    expect(table.stderr).toBe('3 results shown, left on the queue (--ack deletes them)\n');
    expect(table.stdout).toMatch(
      /^STATUS\s+REQUEST-ID\s+TARGET\s+SOURCE\s+SECURITY-GROUP\s+PORT\s+PROCESSED-AT\s+DETAIL\n/,
    );
    expect(table.stdout).toMatch(/authorized\s+r-v1\s+analytics-classic\s+198\.51\.100\.0\/24\s+\S+Z\n/);
    expect(table.stdout).toMatch(
      /authorized\s+r-v2\s+sg-0123456789abcdef0\s+2001:db8::\/32\s+sg-0123456789abcdef0\s+5439\s+\S+Z\n/,
    );
    expect(table.stdout).toMatch(
      /rejected\s+r-v2-refused\s+cluster finance-prod\s+pl-0a1b2c3d\s+\S+Z\s+PolicyRefused: clusterIdentifier finance-prod/,
    );
    const lines = json.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { requestId: string });
    expect(lines.find((line) => line.requestId === 'r-v2')).toEqual(authorized);
    expect(lines.find((line) => line.requestId === 'r-v2-refused')).toEqual(refused);
    expect(lines).toHaveLength(3);
    expect(followed.code).toBe(0);
    expect(followed.stdout).toMatch(/\+ authorized\s+r-v1\s+analytics-classic 198\.51\.100\.0\/24\n/);
    expect(followed.stdout).toMatch(/\+ authorized\s+r-v2\s+sg-0123456789abcdef0 tcp\/5439 2001:db8::\/32\n/);
    expect(await queueCounts(emulator.sqs, queues.results.url)).toEqual({ visible: 3, inFlight: 0 });
  });
});
