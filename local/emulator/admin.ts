import type { Ec2SecurityGroupSeed } from './ec2.js';
import type { FaultInjector } from './faults.js';
import { parseFaultRules } from './faults.js';
import type { ClusterSeed } from './redshift.js';
import type { WorkgroupSeed } from './redshift-serverless.js';
import type { SfnService, TaskTokenState } from './sfn.js';

/** The prefix of every admin path. */
export const ADMIN_PREFIX = '/_emulator/';

/** What the admin endpoints read and change. */
export interface AdminTarget {
  readonly url: string;
  readonly region: string;
  readonly accountId: string;
  readonly faults: FaultInjector;
  readonly sfn: SfnService;
  reset(): void;
  stats(): { calls: Record<string, number> };
  state(): unknown;
  /** Creates a VPC security group; throws TypeError naming a bad field. */
  createSecurityGroup(seed: Ec2SecurityGroupSeed): unknown;
  /** Creates a provisioned cluster in a VPC; throws TypeError naming a bad field or a missing group. */
  createCluster(seed: ClusterSeed): unknown;
  /** Creates a Serverless workgroup; throws TypeError naming a bad field or a missing group. */
  createWorkgroup(seed: WorkgroupSeed): unknown;
  /** Switches the account between VPC-by-default and EC2-Classic. */
  setVpcByDefault(vpcByDefault: boolean): void;
  readonly vpcByDefault: boolean;
}

/** One admin request: method, path and raw body. */
export interface AdminRequest {
  readonly method: string;
  readonly path: string;
  readonly body: string;
}

/** An admin answer, written as JSON. */
export interface AdminResponse {
  readonly status: number;
  readonly body: unknown;
}

const TOKEN_STATES = new Set<string>(['open', 'timed-out', 'invalid']);

class AdminRequestError extends Error {
  override readonly name = 'AdminRequestError';
}

function parseJson(body: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body === '' ? '{}' : body);
  } catch {
    throw new AdminRequestError('body must be JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AdminRequestError('body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

const SECURITY_GROUP_KEYS = new Set(['groupId', 'groupName', 'description', 'vpcId', 'defaultVpc', 'tags']);
const CLUSTER_KEYS = new Set(['clusterIdentifier', 'vpcSecurityGroupIds', 'port', 'vpcId']);
const WORKGROUP_KEYS = new Set(['workgroupName', 'securityGroupIds', 'port', 'namespaceName']);

/** Refuses unknown keys and values of the wrong type, naming the field. */
function checkFields(
  body: Record<string, unknown>,
  allowed: ReadonlySet<string>,
  types: Readonly<Record<string, 'string' | 'number' | 'boolean' | 'string[]' | 'map'>>,
): void {
  for (const key of Object.keys(body)) {
    if (!allowed.has(key)) throw new AdminRequestError(`unknown field "${key}"`);
  }
  for (const [key, type] of Object.entries(types)) {
    const value = body[key];
    if (value === undefined) continue;
    const ok =
      type === 'string[]'
        ? Array.isArray(value) && value.every((item) => typeof item === 'string')
        : type === 'map'
          ? typeof value === 'object' &&
            value !== null &&
            !Array.isArray(value) &&
            Object.values(value).every((item) => typeof item === 'string')
          : typeof value === type;
    if (!ok) {
      throw new AdminRequestError(
        `${key} must be ${type === 'string[]' ? 'an array of strings' : type === 'map' ? 'an object of strings' : `a ${type}`}`,
      );
    }
  }
}

function faultsView(faults: FaultInjector): unknown {
  return { seed: faults.seed, rules: faults.rules, stats: faults.stats, history: faults.history };
}

function route(request: AdminRequest, target: AdminTarget): AdminResponse {
  const key = `${request.method} ${request.path.slice(ADMIN_PREFIX.length).replace(/\/$/, '')}`;
  switch (key) {
    case 'GET health':
      return {
        status: 200,
        body: { status: 'ok', url: target.url, region: target.region, accountId: target.accountId },
      };
    case 'POST reset':
      target.reset();
      return { status: 200, body: { status: 'reset' } };
    case 'GET faults':
      return { status: 200, body: faultsView(target.faults) };
    case 'PUT faults': {
      const body = parseJson(request.body);
      const seed = body.seed ?? target.faults.seed;
      if (typeof seed !== 'number' || !Number.isInteger(seed))
        throw new AdminRequestError('seed must be an integer');
      target.faults.setRules(parseFaultRules(body.rules ?? []), seed);
      return { status: 200, body: faultsView(target.faults) };
    }
    case 'GET sfn/calls':
      return { status: 200, body: { calls: target.sfn.calls } };
    case 'POST sfn/tokens': {
      const body = parseJson(request.body);
      if (typeof body.token !== 'string' || body.token === '')
        throw new AdminRequestError('token must be a string');
      if (typeof body.state !== 'string' || !TOKEN_STATES.has(body.state)) {
        throw new AdminRequestError('state must be one of open, timed-out, invalid');
      }
      target.sfn.setTokenState(body.token, body.state as TaskTokenState);
      return { status: 200, body: { token: body.token, state: body.state } };
    }
    case 'GET stats':
      return { status: 200, body: target.stats() };
    case 'GET state':
      return { status: 200, body: target.state() };
    case 'POST ec2/security-groups': {
      const body = parseJson(request.body);
      checkFields(body, SECURITY_GROUP_KEYS, {
        groupId: 'string',
        groupName: 'string',
        description: 'string',
        vpcId: 'string',
        defaultVpc: 'boolean',
        tags: 'map',
      });
      return { status: 200, body: target.createSecurityGroup(body as Ec2SecurityGroupSeed) };
    }
    case 'POST redshift/clusters': {
      const body = parseJson(request.body);
      checkFields(body, CLUSTER_KEYS, {
        clusterIdentifier: 'string',
        vpcSecurityGroupIds: 'string[]',
        port: 'number',
        vpcId: 'string',
      });
      if (body.vpcSecurityGroupIds === undefined)
        throw new AdminRequestError('vpcSecurityGroupIds is required');
      return { status: 200, body: target.createCluster(body as unknown as ClusterSeed) };
    }
    case 'POST redshift-serverless/workgroups': {
      const body = parseJson(request.body);
      checkFields(body, WORKGROUP_KEYS, {
        workgroupName: 'string',
        securityGroupIds: 'string[]',
        port: 'number',
        namespaceName: 'string',
      });
      if (body.securityGroupIds === undefined) throw new AdminRequestError('securityGroupIds is required');
      return { status: 200, body: target.createWorkgroup(body as unknown as WorkgroupSeed) };
    }
    case 'GET account':
      return { status: 200, body: { vpcByDefault: target.vpcByDefault } };
    case 'PUT account': {
      const body = parseJson(request.body);
      checkFields(body, new Set(['vpcByDefault']), { vpcByDefault: 'boolean' });
      if (body.vpcByDefault === undefined) throw new AdminRequestError('vpcByDefault is required');
      target.setVpcByDefault(body.vpcByDefault as boolean);
      return { status: 200, body: { vpcByDefault: target.vpcByDefault } };
    }
    default:
      return { status: 404, body: { message: `No admin endpoint ${request.method} ${request.path}` } };
  }
}

/** Answers a request under `/_emulator/`; a bad body gets 400 with the reason. */
export function handleAdmin(request: AdminRequest, target: AdminTarget): AdminResponse {
  try {
    return route(request, target);
  } catch (error) {
    if (error instanceof AdminRequestError || error instanceof TypeError) {
      return { status: 400, body: { message: error.message } };
    }
    throw error;
  }
}
