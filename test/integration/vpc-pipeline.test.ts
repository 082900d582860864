import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalService } from '../../local/service.js';
import { createEc2Ingress, type Ec2Ingress } from '../../src/adapters/ec2.js';
import type { OutcomeV2 } from '../../src/domain/outcome-v2-schema.js';
import { requestBody, vpcRequestBody } from '../helpers/factories.js';
import { type ResultsSoFar, readResults, sendRequests, startTestService } from '../helpers/local-service.js';
import { describeWithMoto, type MotoServer, startMoto } from '../helpers/moto.js';
import { emulatorBackend, motoBackend, type VpcBackend } from '../helpers/vpc-backends.js';

// The VPC request path end to end over the local stack: the real authorize handler (its VPC chunk
// loaded by the first VPC request), its event source, SQS, and EC2 with DescribeClusters (and
// GetWorkgroup) on the embedded emulator, then on moto, an emulator this project did not write (it
// has no Redshift Serverless, so workgroups are checked on the embedded emulator only).

const MANAGED = { 'redshift-ingress:managed': 'true' };
const VPC_ENV = {
  ALLOWED_GROUPS: 'analytics-*',
  ALLOWED_CLUSTERS: 'vpc-*',
  ALLOWED_WORKGROUPS: 'bi-*',
  ALLOWED_SECURITY_GROUP_IDS: '*',
};

interface Stack {
  readonly service: LocalService;
  readonly backend: VpcBackend;
  readonly ec2: Ec2Ingress;
}

function pipelineSuite(
  start: () => Promise<Stack & { stop(): Promise<void> }>,
  kind: 'emulator' | 'moto',
): void {
  let stack: Stack & { stop(): Promise<void> };
  const results: ResultsSoFar = { outcomes: [], reports: [], outcomesV2: [] };
  let clusters = 0;

  beforeAll(async () => {
    stack = await start();
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
  });

  /** Sends one request and waits for its outcome v2. */
  async function apply(body: Record<string, unknown>): Promise<OutcomeV2> {
    await sendRequests(stack.service, [body]);
    const outcomeOf = () => results.outcomesV2?.find((outcome) => outcome.requestId === body.requestId);
    await readResults(stack.service, () => outcomeOf() !== undefined, 30_000, results);
    return outcomeOf() as OutcomeV2;
  }

  /** A new cluster with these groups, under a name ALLOWED_CLUSTERS allows. */
  async function cluster(groups: string[], port?: number): Promise<string> {
    clusters += 1;
    const id = `vpc-${kind}-${clusters}`;
    await stack.backend.createCluster(id, groups, port);
    return id;
  }

  it('authorizes on the cluster’s managed group and port, tagged, then already-authorized, revoked, already-revoked', async () => {
    // Prepare
    const managed = await stack.backend.createGroup({ tags: MANAGED });
    const other = await stack.backend.createGroup();
    const clusterIdentifier = await cluster([other, managed], 5440);
    const body = (requestId: string, action = 'authorize') =>
      vpcRequestBody({ requestId, action, clusterIdentifier, cidrIp: '198.51.100.0/24' });

    // Act
    const authorized = await apply(body(`${kind}-c-1`));
    const rules = await stack.ec2.listRules(managed);
    const again = await apply(body(`${kind}-c-2`));
    const revoked = await apply(body(`${kind}-c-3`, 'revoke'));
    const revokedAgain = await apply(body(`${kind}-c-4`, 'revoke'));

    // Assess
    expect(authorized).toMatchObject({
      version: 2,
      status: 'authorized',
      rule: {
        clusterIdentifier,
        cidrIp: '198.51.100.0/24',
        securityGroupId: managed,
        port: 5440,
        securityGroupRuleId: expect.stringMatching(/^sgr-/),
      },
    });
    expect(rules).toEqual([
      expect.objectContaining({
        securityGroupRuleId: authorized.rule?.securityGroupRuleId,
        protocol: 'tcp',
        fromPort: 5440,
        toPort: 5440,
        source: { cidrIp: '198.51.100.0/24' },
        description: `redshift-ingress ${kind}-c-1`,
        tags: { 'redshift-ingress:managed': 'true', 'redshift-ingress:request-id': `${kind}-c-1` },
      }),
    ]);
    expect(again).toMatchObject({
      status: 'already-authorized',
      rule: { securityGroupId: managed, port: 5440 },
    });
    expect(revoked).toMatchObject({ status: 'revoked', rule: { securityGroupId: managed } });
    expect(revokedAgain).toMatchObject({ status: 'already-revoked' });
    expect(await stack.ec2.listRules(managed)).toEqual([]);
    expect(await stack.ec2.listRules(other)).toEqual([]);
  }, 120_000);

  it('authorizes and revokes on a security group named directly, on port 5439', async () => {
    // Prepare
    const group = await stack.backend.createGroup();
    const body = (requestId: string, action = 'authorize') =>
      vpcRequestBody({
        requestId,
        action,
        clusterIdentifier: undefined,
        securityGroupId: group,
        cidrIp: undefined,
        cidrIpv6: '2001:db8:1234::/48',
      });

    // Act
    const authorized = await apply(body(`${kind}-sg-1`));
    const rules = await stack.ec2.listRules(group);
    const revoked = await apply(body(`${kind}-sg-2`, 'revoke'));
    const revokedAgain = await apply(body(`${kind}-sg-3`, 'revoke'));

    // Assess
    expect(authorized).toMatchObject({
      status: 'authorized',
      rule: { securityGroupId: group, cidrIpv6: '2001:db8:1234::/48', port: 5439 },
    });
    expect(rules.map((rule) => [rule.fromPort, rule.source])).toEqual([
      [5439, { cidrIpv6: '2001:db8:1234::/48' }],
    ]);
    expect(revoked.status).toBe('revoked');
    expect(revokedAgain.status).toBe('already-revoked');
  }, 120_000);

  it('rejects AmbiguousSecurityGroup for a cluster with two untagged groups, changing nothing', async () => {
    // Prepare
    const first = await stack.backend.createGroup();
    const second = await stack.backend.createGroup();
    const clusterIdentifier = await cluster([first, second]);

    // Act
    const outcome = await apply(vpcRequestBody({ requestId: `${kind}-ambiguous`, clusterIdentifier }));

    // Assess
    expect(outcome).toMatchObject({
      status: 'rejected',
      rule: { clusterIdentifier, cidrIp: '203.0.113.0/24' },
      error: { code: 'AmbiguousSecurityGroup', retryable: false },
    });
    expect(outcome.error?.message).toContain(`${first}, ${second}`);
    expect(outcome.error?.message).toContain('send securityGroupId with one of them');
    expect(await stack.ec2.listRules(first)).toEqual([]);
    expect(await stack.ec2.listRules(second)).toEqual([]);
  }, 120_000);

  it('rejects a cluster that does not exist', async () => {
    const outcome = await apply(vpcRequestBody({ requestId: `${kind}-gone`, clusterIdentifier: 'vpc-gone' }));
    expect(outcome).toMatchObject({
      status: 'rejected',
      error: { code: 'ClusterNotFoundFault', retryable: false },
    });
  }, 120_000);
}

describe('the VPC path over the local stack, on the embedded emulator', () => {
  let workgroupGroup: string;
  let stack: Stack & { stop(): Promise<void> };
  const results: ResultsSoFar = { outcomes: [], reports: [], outcomesV2: [] };

  pipelineSuite(async () => {
    const service = await startTestService({ env: VPC_ENV });
    const emulator = service.emulator;
    if (emulator === undefined) throw new Error('the test service runs the embedded emulator');
    const backend = emulatorBackend(emulator);
    stack = {
      service,
      backend,
      ec2: createEc2Ingress(backend.ec2),
      stop: async () => {
        backend.destroy();
        await service.stop();
      },
    };
    return stack;
  }, 'emulator');

  async function apply(body: Record<string, unknown>): Promise<OutcomeV2> {
    await sendRequests(stack.service, [body]);
    const outcomeOf = () => results.outcomesV2?.find((outcome) => outcome.requestId === body.requestId);
    await readResults(stack.service, () => outcomeOf() !== undefined, 30_000, results);
    return outcomeOf() as OutcomeV2;
  }

  it('authorizes on a workgroup’s group and port, then already-authorized, revoked, already-revoked', async () => {
    // Prepare
    workgroupGroup = await stack.backend.createGroup({ tags: MANAGED });
    const other = await stack.backend.createGroup();
    stack.service.emulator?.createWorkgroup({
      workgroupName: 'bi-reports',
      securityGroupIds: [workgroupGroup, other],
      port: 5431,
    });
    const body = (requestId: string, action = 'authorize') =>
      vpcRequestBody({
        requestId,
        action,
        clusterIdentifier: undefined,
        workgroupName: 'bi-reports',
        cidrIp: undefined,
        prefixListId: 'pl-0a1b2c3d',
      });

    // Act
    const authorized = await apply(body('wg-1'));
    const rules = await stack.ec2.listRules(workgroupGroup);
    const again = await apply(body('wg-2'));
    const revoked = await apply(body('wg-3', 'revoke'));
    const revokedAgain = await apply(body('wg-4', 'revoke'));

    // Assess
    expect(authorized).toMatchObject({
      status: 'authorized',
      rule: {
        workgroupName: 'bi-reports',
        prefixListId: 'pl-0a1b2c3d',
        securityGroupId: workgroupGroup,
        port: 5431,
      },
    });
    expect(
      rules.map((rule) => [rule.fromPort, rule.source, rule.tags['redshift-ingress:request-id']]),
    ).toEqual([[5431, { prefixListId: 'pl-0a1b2c3d' }, 'wg-1']]);
    expect(again.status).toBe('already-authorized');
    expect(revoked.status).toBe('revoked');
    expect(revokedAgain.status).toBe('already-revoked');
    expect(await stack.ec2.listRules(workgroupGroup)).toEqual([]);
  }, 120_000);

  it('rejects a workgroup that does not exist', async () => {
    const outcome = await apply(
      vpcRequestBody({ requestId: 'wg-gone', clusterIdentifier: undefined, workgroupName: 'bi-gone' }),
    );
    expect(outcome).toMatchObject({ status: 'rejected', error: { code: 'ResourceNotFoundException' } });
  }, 120_000);

  it('answers a v1 request on a VPC-by-default account with ClusterSecurityGroupsUnavailable, in a v1 outcome', async () => {
    // Prepare
    const v1: ResultsSoFar = { outcomes: [], reports: [], outcomesV2: [] };
    stack.service.emulator?.setVpcByDefault(true);
    try {
      // Act
      await sendRequests(stack.service, [requestBody({ requestId: 'classic' })]);
      await readResults(
        stack.service,
        (read) => read.outcomes.some((o) => o.requestId === 'classic'),
        30_000,
        v1,
      );
    } finally {
      stack.service.emulator?.setVpcByDefault(false);
    }

    // Assess
    const [outcome] = v1.outcomes;
    expect(outcome).toMatchObject({
      version: 1,
      requestId: 'classic',
      status: 'rejected',
      error: { code: 'ClusterSecurityGroupsUnavailable', retryable: false },
    });
    expect(outcome?.error?.message).toContain('send a clusterIdentifier or workgroupName request instead');
  }, 120_000);
});

describeWithMoto('the VPC path over the local stack, EC2 and DescribeClusters on moto', () => {
  let moto: MotoServer;
  const before = {
    ec2: process.env.AWS_ENDPOINT_URL_EC2,
    redshift: process.env.AWS_ENDPOINT_URL_REDSHIFT,
  };
  const restore = (name: string, value: string | undefined) => {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  };

  pipelineSuite(async () => {
    moto = await startMoto();
    // SQS on the embedded emulator; the handler's EC2 and Redshift clients on moto, as the SDK reads
    // service-specific endpoints.
    const service = await startTestService({
      env: { ...VPC_ENV, AWS_ENDPOINT_URL_EC2: moto.url, AWS_ENDPOINT_URL_REDSHIFT: moto.url },
    });
    const backend = motoBackend(moto);
    return {
      service,
      backend,
      ec2: createEc2Ingress(backend.ec2),
      stop: async () => {
        backend.destroy();
        await service.stop();
        await moto.close();
        restore('AWS_ENDPOINT_URL_EC2', before.ec2);
        restore('AWS_ENDPOINT_URL_REDSHIFT', before.redshift);
      },
    };
  }, 'moto');
});
