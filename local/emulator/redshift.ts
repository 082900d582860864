import { ApiError } from './errors.js';
import { element, textElement } from './xml.js';

/** An EC2 security group authorized in a cluster security group. */
export interface Ec2SecurityGroupRef {
  readonly name: string;
  readonly ownerId: string;
}

/** A cluster security group and its ingress rules, as tests and tools read them in-process. */
export interface ClusterSecurityGroupSnapshot {
  readonly name: string;
  readonly description: string;
  readonly cidrIps: string[];
  readonly ec2SecurityGroups: Ec2SecurityGroupRef[];
}

interface ClusterSecurityGroup {
  readonly name: string;
  readonly description: string;
  readonly tags: ReadonlyArray<readonly [string, string]>;
  readonly cidrIps: string[];
  readonly ec2SecurityGroups: Ec2SecurityGroupRef[];
  /** Rules still being authorized or revoked, by {@link ruleKey}; a revoking rule stays listed until it settles. */
  readonly transitions: Map<
    string,
    { readonly status: 'authorizing' | 'revoking'; readonly settlesAt: number }
  >;
}

/** Options of {@link RedshiftService}. */
export interface RedshiftServiceOptions {
  /**
   * How long a rule shows `authorizing` after an authorize, and `revoking` after a revoke, before it is
   * `authorized` or gone, in milliseconds; a change to a rule meanwhile is refused with
   * InvalidClusterSecurityGroupState. 0 (the default) applies every change at once.
   */
  readonly transitionMs?: number;
  /** The clock, in epoch milliseconds. */
  readonly now?: () => number;
  /** Answer every cluster security group call as AWS does on a VPC-by-default account (every current one). */
  readonly vpcByDefault?: boolean;
  /** Region in the clusters' endpoint addresses. Default us-east-1. */
  readonly region?: string;
}

type IngressTarget = { readonly cidrIp: string } | { readonly ec2: Ec2SecurityGroupRef };

/** A provisioned cluster in a VPC: its identifier, VPC security groups and endpoint port. */
export interface ClusterSnapshot {
  readonly clusterIdentifier: string;
  readonly vpcSecurityGroupIds: string[];
  readonly port: number;
  readonly vpcId: string;
}

/** What a new cluster is made of. */
export interface ClusterSeed {
  readonly clusterIdentifier: string;
  readonly vpcSecurityGroupIds: readonly string[];
  /** The endpoint's port. Default 5439. */
  readonly port?: number;
  readonly vpcId?: string;
}

/** Options of the Redshift model. */
// AWS's answer to cluster security group calls on an account without EC2-Classic.
const VPC_BY_DEFAULT_MESSAGE = 'VPC-by-Default customers cannot use cluster security groups';
const CLUSTER_SECURITY_GROUP_ACTIONS = new Set([
  'CreateClusterSecurityGroup',
  'DescribeClusterSecurityGroups',
  'AuthorizeClusterSecurityGroupIngress',
  'RevokeClusterSecurityGroupIngress',
]);
// Cluster identifiers: 1-63 lowercase letters, digits and hyphens, starting with a letter.
const CLUSTER_IDENTIFIER = /^[a-z](?:[a-z0-9]|-(?!-)){0,62}$/;
const DEFAULT_CLUSTER_PORT = 5439;

// Status codes of the SDK model's httpError traits: not-found faults are 404, the rest 400.
const NOT_FOUND_CODES = new Set(['ClusterSecurityGroupNotFound', 'AuthorizationNotFound', 'ClusterNotFound']);
// A cluster security group holds at most 20 ingress rules, IP ranges and EC2 groups together.
// https://docs.aws.amazon.com/redshift/latest/APIReference/API_AuthorizeClusterSecurityGroupIngress.html
const MAX_RULES_PER_GROUP = 20;
const GROUP_NAME = /^[A-Za-z0-9-]{1,255}$/;
const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

// Code-unit order, independent of locale, so markers mean the same everywhere.
function compareNames(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

function redshiftError(code: string, message: string): ApiError {
  return new ApiError(code, message, { statusCode: NOT_FOUND_CODES.has(code) ? 404 : 400 });
}

function isIpv4Cidr(value: string): boolean {
  const match = CIDR.exec(value);
  if (match === null) return false;
  const parts = match.slice(1).map((part) => ({ text: part, number: Number(part) }));
  const prefix = parts.pop();
  const octetsValid = parts.every(
    ({ text, number }) => number <= 255 && (text === '0' || !text.startsWith('0')),
  );
  return octetsValid && prefix !== undefined && prefix.number <= 32 && !/^0\d/.test(prefix.text);
}

function required(params: URLSearchParams, name: string): string {
  const value = params.get(name);
  if (value === null || value === '') {
    throw redshiftError('MissingParameter', `The request must contain the parameter ${name}.`);
  }
  return value;
}

function ruleKey(target: IngressTarget): string {
  return 'cidrIp' in target ? `cidr:${target.cidrIp}` : `ec2:${target.ec2.ownerId}/${target.ec2.name}`;
}

function statusOf(group: ClusterSecurityGroup, target: IngressTarget): string {
  return group.transitions.get(ruleKey(target))?.status ?? 'authorized';
}

function renderGroup(group: ClusterSecurityGroup): string {
  // Members in the order of the API's ClusterSecurityGroup shape.
  const ec2 = group.ec2SecurityGroups
    .map((ref) =>
      element(
        'EC2SecurityGroup',
        textElement('Status', statusOf(group, { ec2: ref })) +
          textElement('EC2SecurityGroupName', ref.name) +
          textElement('EC2SecurityGroupOwnerId', ref.ownerId) +
          element('Tags'),
      ),
    )
    .join('');
  const ranges = group.cidrIps
    .map((cidrIp) =>
      element(
        'IPRange',
        textElement('Status', statusOf(group, { cidrIp })) + textElement('CIDRIP', cidrIp) + element('Tags'),
      ),
    )
    .join('');
  const tags = group.tags
    .map(([key, value]) => element('Tag', textElement('Key', key) + textElement('Value', value)))
    .join('');
  return element(
    'ClusterSecurityGroup',
    textElement('ClusterSecurityGroupName', group.name) +
      textElement('Description', group.description) +
      element('EC2SecurityGroups', ec2) +
      element('IPRanges', ranges) +
      element('Tags', tags),
  );
}

function describeTarget(target: IngressTarget): string {
  return 'cidrIp' in target ? target.cidrIp : `${target.ec2.ownerId}/${target.ec2.name}`;
}

/** The Redshift cluster security group model and its awsQuery actions, answered as XML results. */
export class RedshiftService {
  readonly #groups = new Map<string, ClusterSecurityGroup>();
  readonly #transitionMs: number;
  readonly #now: () => number;
  readonly #clusters = new Map<string, ClusterSnapshot>();
  readonly #region: string;
  #vpcByDefault: boolean;

  constructor(options: RedshiftServiceOptions = {}) {
    const transitionMs = options.transitionMs ?? 0;
    if (!(Number.isInteger(transitionMs) && transitionMs >= 0)) {
      throw new TypeError(`transitionMs must be a non-negative integer, got ${transitionMs}`);
    }
    this.#transitionMs = transitionMs;
    // Read at each call, so a test that fakes Date moves this clock too.
    this.#now = options.now ?? (() => Date.now());
    this.#vpcByDefault = options.vpcByDefault ?? false;
    this.#region = options.region ?? 'us-east-1';
  }

  /** Whether cluster security group calls are refused as on a VPC-by-default account. */
  get vpcByDefault(): boolean {
    return this.#vpcByDefault;
  }

  /** Switches the account between VPC-by-default (cluster security groups refused) and EC2-Classic. */
  setVpcByDefault(vpcByDefault: boolean): void {
    this.#vpcByDefault = vpcByDefault;
  }

  /** Answers one action with the XML inside `<ActionResult>` (undefined when it has none), or throws an {@link ApiError}. */
  handle(action: string, params: URLSearchParams): string | undefined {
    if (this.#vpcByDefault && CLUSTER_SECURITY_GROUP_ACTIONS.has(action)) {
      throw redshiftError('InvalidParameterValue', VPC_BY_DEFAULT_MESSAGE);
    }
    this.#settle();
    switch (action) {
      case 'DescribeClusters':
        return this.#describeClusters(params);
      case 'CreateClusterSecurityGroup':
        return this.#create(params);
      case 'DeleteClusterSecurityGroup':
        this.#groups.delete(this.#group(required(params, 'ClusterSecurityGroupName')).name);
        return undefined;
      case 'DescribeClusterSecurityGroups':
        return this.#describe(params);
      case 'AuthorizeClusterSecurityGroupIngress':
        return this.#changeIngress(params, 'authorize');
      case 'RevokeClusterSecurityGroupIngress':
        return this.#changeIngress(params, 'revoke');
      default:
        throw redshiftError('InvalidAction', `The action ${action} is not valid for this web service.`);
    }
  }

  /** A copy of every group with its rules (those still authorizing or revoking too), sorted by name. */
  groups(): ClusterSecurityGroupSnapshot[] {
    this.#settle();
    return [...this.#groups.values()]
      .sort((a, b) => compareNames(a.name, b.name))
      .map((group) => ({
        name: group.name,
        description: group.description,
        cidrIps: [...group.cidrIps],
        ec2SecurityGroups: group.ec2SecurityGroups.map((ref) => ({ ...ref })),
      }));
  }

  /** Creates a cluster in a VPC; the caller checks that its security groups exist. */
  createCluster(seed: ClusterSeed): ClusterSnapshot {
    if (typeof seed.clusterIdentifier !== 'string' || !CLUSTER_IDENTIFIER.test(seed.clusterIdentifier)) {
      throw new TypeError(
        'clusterIdentifier must be 1-63 lowercase letters, digits or single hyphens, starting with a letter',
      );
    }
    if (this.#clusters.has(seed.clusterIdentifier)) {
      throw new TypeError(`cluster ${seed.clusterIdentifier} already exists`);
    }
    const port = seed.port ?? DEFAULT_CLUSTER_PORT;
    // Redshift accepts ports 1150-65535 for a provisioned cluster.
    if (!Number.isInteger(port) || port < 1150 || port > 65_535)
      throw new TypeError('port must be 1150-65535');
    const cluster: ClusterSnapshot = {
      clusterIdentifier: seed.clusterIdentifier,
      vpcSecurityGroupIds: [...seed.vpcSecurityGroupIds],
      port,
      vpcId: seed.vpcId ?? 'vpc-0000000000000000a',
    };
    this.#clusters.set(cluster.clusterIdentifier, cluster);
    return { ...cluster, vpcSecurityGroupIds: [...cluster.vpcSecurityGroupIds] };
  }

  /** A copy of every cluster, sorted by identifier. */
  clusters(): ClusterSnapshot[] {
    return [...this.#clusters.values()]
      .sort((a, b) => compareNames(a.clusterIdentifier, b.clusterIdentifier))
      .map((cluster) => ({ ...cluster, vpcSecurityGroupIds: [...cluster.vpcSecurityGroupIds] }));
  }

  /** Deletes every group and cluster; the account mode stays as set. */
  reset(): void {
    this.#groups.clear();
    this.#clusters.clear();
  }

  #describeClusters(params: URLSearchParams): string {
    const identifier = params.get('ClusterIdentifier');
    let clusters: ClusterSnapshot[];
    if (identifier !== null && identifier !== '') {
      const cluster = this.#clusters.get(identifier.toLowerCase());
      if (cluster === undefined) throw redshiftError('ClusterNotFound', `Cluster ${identifier} not found.`);
      clusters = [cluster];
    } else {
      clusters = this.clusters();
    }
    const rendered = clusters
      .map((cluster) =>
        element(
          'Cluster',
          textElement('ClusterIdentifier', cluster.clusterIdentifier) +
            textElement('NodeType', 'ra3.xlplus') +
            textElement('ClusterStatus', 'available') +
            element(
              'Endpoint',
              textElement(
                'Address',
                `${cluster.clusterIdentifier}.emulated.${this.#region}.redshift.amazonaws.com`,
              ) + textElement('Port', cluster.port),
            ) +
            element('ClusterSecurityGroups') +
            element(
              'VpcSecurityGroups',
              cluster.vpcSecurityGroupIds
                .map((id) =>
                  element(
                    'VpcSecurityGroup',
                    textElement('VpcSecurityGroupId', id) + textElement('Status', 'active'),
                  ),
                )
                .join(''),
            ) +
            textElement('VpcId', cluster.vpcId) +
            textElement('PubliclyAccessible', false),
        ),
      )
      .join('');
    return element('Clusters', rendered);
  }

  #group(name: string): ClusterSecurityGroup {
    const group = this.#groups.get(name);
    if (group === undefined) {
      throw redshiftError('ClusterSecurityGroupNotFound', `Cluster security group ${name} not found.`);
    }
    return group;
  }

  #create(params: URLSearchParams): string {
    const name = required(params, 'ClusterSecurityGroupName');
    const description = required(params, 'Description');
    if (!GROUP_NAME.test(name) || name.toLowerCase() === 'default') {
      throw redshiftError(
        'InvalidParameterValue',
        'ClusterSecurityGroupName must contain no more than 255 alphanumeric characters or hyphens, and must not be "Default".',
      );
    }
    if (this.#groups.has(name)) {
      throw redshiftError(
        'ClusterSecurityGroupAlreadyExists',
        `Cluster security group ${name} already exists.`,
      );
    }
    const tags: Array<readonly [string, string]> = [];
    for (let index = 1; params.has(`Tags.Tag.${index}.Key`); index += 1) {
      tags.push([params.get(`Tags.Tag.${index}.Key`) ?? '', params.get(`Tags.Tag.${index}.Value`) ?? '']);
    }
    const group: ClusterSecurityGroup = {
      name,
      description,
      tags,
      cidrIps: [],
      ec2SecurityGroups: [],
      transitions: new Map(),
    };
    this.#groups.set(name, group);
    return renderGroup(group);
  }

  #describe(params: URLSearchParams): string {
    const maxRecordsText = params.get('MaxRecords');
    const maxRecords = maxRecordsText === null ? 100 : Number(maxRecordsText);
    if (!Number.isInteger(maxRecords) || maxRecords < 20 || maxRecords > 100) {
      throw redshiftError('InvalidParameterValue', 'MaxRecords must be between 20 and 100.');
    }
    const name = params.get('ClusterSecurityGroupName');
    const all =
      name === null || name === ''
        ? [...this.#groups.values()].sort((a, b) => compareNames(a.name, b.name))
        : [this.#group(name)];
    const marker = params.get('Marker');
    let start = 0;
    if (marker !== null && marker !== '') {
      // Markers are opaque to callers; here one names the last group of the previous page.
      let after: unknown;
      try {
        after = JSON.parse(Buffer.from(marker, 'base64url').toString('utf8')).after;
      } catch {
        after = undefined;
      }
      if (typeof after !== 'string') throw redshiftError('InvalidParameterValue', 'Invalid marker.');
      start = all.findIndex((group) => compareNames(group.name, after) > 0);
      if (start < 0) start = all.length;
    }
    const page = all.slice(start, start + maxRecords);
    const last = page.at(-1);
    const nextMarker =
      start + maxRecords < all.length && last !== undefined
        ? Buffer.from(JSON.stringify({ after: last.name }), 'utf8').toString('base64url')
        : undefined;
    return (
      textElement('Marker', nextMarker) + element('ClusterSecurityGroups', page.map(renderGroup).join(''))
    );
  }

  #target(params: URLSearchParams): IngressTarget {
    const cidrIp = params.get('CIDRIP');
    const ec2Name = params.get('EC2SecurityGroupName');
    const ec2Owner = params.get('EC2SecurityGroupOwnerId');
    const hasEc2 = ec2Name !== null || ec2Owner !== null;
    if (cidrIp !== null && hasEc2) {
      throw redshiftError(
        'InvalidParameterCombination',
        'Specify either CIDRIP, or EC2SecurityGroupName and EC2SecurityGroupOwnerId, not both.',
      );
    }
    if (cidrIp !== null) {
      if (!isIpv4Cidr(cidrIp)) throw redshiftError('InvalidParameterValue', `Invalid CIDRIP: ${cidrIp}.`);
      return { cidrIp };
    }
    if (!hasEc2) {
      throw redshiftError(
        'InvalidParameterCombination',
        'Specify CIDRIP, or EC2SecurityGroupName and EC2SecurityGroupOwnerId.',
      );
    }
    if (ec2Name === null || ec2Name === '' || ec2Owner === null || ec2Owner === '') {
      throw redshiftError(
        'InvalidParameterCombination',
        'EC2SecurityGroupName and EC2SecurityGroupOwnerId must be specified together.',
      );
    }
    return { ec2: { name: ec2Name, ownerId: ec2Owner } };
  }

  /** Completes every transition whose time has come: authorizing rules become authorized, revoking ones go. */
  #settle(): void {
    const now = this.#now();
    for (const group of this.#groups.values()) {
      for (const [key, transition] of group.transitions) {
        if (transition.settlesAt > now) continue;
        group.transitions.delete(key);
        if (transition.status !== 'revoking') continue;
        const cidr = group.cidrIps.findIndex((cidrIp) => ruleKey({ cidrIp }) === key);
        if (cidr >= 0) group.cidrIps.splice(cidr, 1);
        const ec2 = group.ec2SecurityGroups.findIndex((ref) => ruleKey({ ec2: ref }) === key);
        if (ec2 >= 0) group.ec2SecurityGroups.splice(ec2, 1);
      }
    }
  }

  #changeIngress(params: URLSearchParams, change: 'authorize' | 'revoke'): string {
    const name = required(params, 'ClusterSecurityGroupName');
    const target = this.#target(params);
    const group = this.#group(name);
    const transition = group.transitions.get(ruleKey(target));
    if (transition !== undefined) {
      throw redshiftError(
        'InvalidClusterSecurityGroupState',
        `The state of cluster security group ${name} is not available: authorization ${describeTarget(target)} is ${transition.status}.`,
      );
    }
    const index =
      'cidrIp' in target
        ? group.cidrIps.indexOf(target.cidrIp)
        : group.ec2SecurityGroups.findIndex(
            (ref) => ref.name === target.ec2.name && ref.ownerId === target.ec2.ownerId,
          );
    if (change === 'authorize') {
      if (index >= 0) {
        throw redshiftError(
          'AuthorizationAlreadyExists',
          `Authorization ${describeTarget(target)} already exists for cluster security group ${name}.`,
        );
      }
      if (group.cidrIps.length + group.ec2SecurityGroups.length >= MAX_RULES_PER_GROUP) {
        throw redshiftError(
          'AuthorizationQuotaExceeded',
          `The authorization quota of ${MAX_RULES_PER_GROUP} rules for cluster security group ${name} has been reached.`,
        );
      }
      if ('cidrIp' in target) group.cidrIps.push(target.cidrIp);
      else group.ec2SecurityGroups.push({ ...target.ec2 });
      this.#startTransition(group, target, 'authorizing');
    } else {
      if (index < 0) {
        throw redshiftError(
          'AuthorizationNotFound',
          `Authorization ${describeTarget(target)} not found for cluster security group ${name}.`,
        );
      }
      if (this.#transitionMs > 0) {
        // The rule stays listed as revoking until it settles.
        this.#startTransition(group, target, 'revoking');
      } else if ('cidrIp' in target) group.cidrIps.splice(index, 1);
      else group.ec2SecurityGroups.splice(index, 1);
    }
    return renderGroup(group);
  }

  #startTransition(
    group: ClusterSecurityGroup,
    target: IngressTarget,
    status: 'authorizing' | 'revoking',
  ): void {
    if (this.#transitionMs === 0) return;
    group.transitions.set(ruleKey(target), { status, settlesAt: this.#now() + this.#transitionMs });
  }
}
