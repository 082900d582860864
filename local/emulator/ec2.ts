import ipaddr from 'ipaddr.js';
import { ApiError } from './errors.js';
import { element, textElement } from './xml.js';

/** Where an emulated rule lets traffic come from. */
export type Ec2RuleSource =
  | { readonly kind: 'cidrIp'; readonly value: string }
  | { readonly kind: 'cidrIpv6'; readonly value: string }
  | { readonly kind: 'group'; readonly value: string; readonly ownerId: string }
  | { readonly kind: 'prefixList'; readonly value: string };

/** An inbound or outbound rule of an emulated security group, as tests read it in-process. */
export interface Ec2RuleSnapshot {
  readonly securityGroupRuleId: string;
  readonly isEgress: boolean;
  readonly protocol: string;
  readonly fromPort: number;
  readonly toPort: number;
  readonly source: Ec2RuleSource;
  readonly description?: string;
  readonly tags: Record<string, string>;
}

/** An emulated VPC security group with its rules. */
export interface Ec2SecurityGroupSnapshot {
  readonly groupId: string;
  readonly groupName: string;
  readonly description: string;
  readonly vpcId: string;
  readonly defaultVpc: boolean;
  readonly tags: Record<string, string>;
  readonly rules: Ec2RuleSnapshot[];
}

/** What a new security group is made of; every field has a default. */
export interface Ec2SecurityGroupSeed {
  /** `sg-` and 8 or 17 hex digits; generated when omitted. */
  readonly groupId?: string;
  readonly groupName?: string;
  readonly description?: string;
  readonly vpcId?: string;
  /**
   * Whether the group is in the account's default VPC, where EC2 answers a revoke of a missing rule with
   * 200, `Return` false and `UnknownIpPermissions` instead of `InvalidPermission.NotFound`.
   */
  readonly defaultVpc?: boolean;
  readonly tags?: Readonly<Record<string, string>>;
}

interface Rule {
  readonly id: string;
  readonly isEgress: boolean;
  readonly protocol: string;
  readonly fromPort: number;
  readonly toPort: number;
  readonly source: Ec2RuleSource;
  readonly description: string | undefined;
  readonly tags: Map<string, string>;
}

interface SecurityGroup {
  readonly groupId: string;
  readonly groupName: string;
  readonly description: string;
  readonly vpcId: string;
  readonly defaultVpc: boolean;
  readonly tags: Map<string, string>;
  readonly rules: Rule[];
}

// EC2's default quota: 60 inbound rules per group, enforced apart for IPv4 and IPv6; a rule that
// references a group or a prefix list counts once for each.
// https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-security-groups
const MAX_INBOUND_RULES = 60;
const GROUP_ID = /^sg-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
const RULE_ID = /^sgr-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
const PREFIX_LIST_ID = /^pl-[0-9a-f]{1,17}$/;
const DESCRIPTION = /^[a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]{0,255}$/;
const PROTOCOLS: Readonly<Record<string, string>> = {
  tcp: 'tcp',
  '6': 'tcp',
  udp: 'udp',
  '17': 'udp',
  icmp: 'icmp',
  '1': 'icmp',
  '-1': '-1',
  all: '-1',
};
const MIN_PAGE = 5;
const MAX_PAGE = 1000;

function ec2Error(code: string, message: string, statusCode = 400): ApiError {
  return new ApiError(code, message, { statusCode });
}

function hex17(counter: number): string {
  return counter.toString(16).padStart(17, '0');
}

/** The members `Prefix.1`, `Prefix.2`, … present in a form body, as their index prefixes. */
function indexed(params: URLSearchParams, prefix: string): string[] {
  const found = new Set<number>();
  const pattern = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d+)(?:\\.|$)`);
  for (const key of params.keys()) {
    const match = pattern.exec(key);
    if (match?.[1] !== undefined) found.add(Number(match[1]));
  }
  return [...found].sort((a, b) => a - b).map((index) => `${prefix}.${index}`);
}

function values(params: URLSearchParams, prefix: string): string[] {
  return indexed(params, prefix).map((key) => params.get(key) ?? '');
}

function canonicalCidr(value: string, family: 'ipv4' | 'ipv6', parameter: string): string {
  const invalid = ec2Error(
    'InvalidParameterValue',
    `Value (${value}) for parameter ${parameter} is invalid. This is not a valid CIDR block.`,
  );
  try {
    const [address, prefix] = ipaddr.parseCIDR(value);
    if (address.kind() !== family) throw invalid;
    if (family === 'ipv4' && !ipaddr.IPv4.isValidFourPartDecimal(value.split('/')[0] ?? '')) throw invalid;
    // EC2 keeps the network address: 100.68.0.18/18 is stored as 100.68.0.0/18.
    const network =
      family === 'ipv4'
        ? ipaddr.IPv4.networkAddressFromCIDR(value)
        : ipaddr.IPv6.networkAddressFromCIDR(value);
    return `${network.toString()}/${prefix}`;
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw invalid;
  }
}

function sameIdentity(
  a: Pick<Rule, 'protocol' | 'fromPort' | 'toPort' | 'source'>,
  protocol: string,
  fromPort: number,
  toPort: number,
  source: Ec2RuleSource,
): boolean {
  // A description is not part of a rule's identity.
  return (
    a.protocol === protocol &&
    a.fromPort === fromPort &&
    a.toPort === toPort &&
    a.source.kind === source.kind &&
    a.source.value === source.value
  );
}

function describePeer(rule: Pick<Rule, 'protocol' | 'fromPort' | 'toPort' | 'source'>): string {
  return `peer: ${rule.source.value}, ${rule.protocol.toUpperCase()}, from port: ${rule.fromPort}, to port: ${rule.toPort}, ALLOW`;
}

function tagSet(tags: ReadonlyMap<string, string>): string {
  return element(
    'tagSet',
    [...tags]
      .map(([key, value]) => element('item', textElement('key', key) + textElement('value', value)))
      .join(''),
  );
}

function sourceMembers(
  source: Ec2RuleSource,
  referencedName: 'referencedGroupInfo' | 'referencedGroupId',
): string {
  switch (source.kind) {
    case 'cidrIp':
      return textElement('cidrIpv4', source.value);
    case 'cidrIpv6':
      return textElement('cidrIpv6', source.value);
    case 'prefixList':
      return textElement('prefixListId', source.value);
    default:
      return referencedName === 'referencedGroupId'
        ? textElement('referencedGroupId', source.value)
        : element(
            'referencedGroupInfo',
            textElement('groupId', source.value) + textElement('userId', source.ownerId),
          );
  }
}

interface PageToken {
  readonly after: string;
}

function readToken(token: string | null): PageToken | undefined {
  if (token === null || token === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as PageToken).after === 'string') {
      return parsed as PageToken;
    }
  } catch {
    // fall through
  }
  throw ec2Error('InvalidPaginationToken', `The pagination token ${token} is invalid.`);
}

function pageSize(params: URLSearchParams): number | undefined {
  const text = params.get('MaxResults');
  if (text === null || text === '') return undefined;
  const size = Number(text);
  if (!Number.isInteger(size) || size < MIN_PAGE || size > MAX_PAGE) {
    throw ec2Error(
      'InvalidParameterValue',
      `Value ( ${text} ) for parameter maxResults is invalid. Parameter must be between ${MIN_PAGE} and ${MAX_PAGE}.`,
    );
  }
  return size;
}

/** Pages items sorted by key, `after` naming the last key of the previous page. */
function paginate<T>(
  items: readonly T[],
  key: (item: T) => string,
  params: URLSearchParams,
): { page: T[]; next?: string } {
  const size = pageSize(params);
  const token = readToken(params.get('NextToken'));
  const start = token === undefined ? 0 : items.findIndex((item) => key(item) > token.after);
  const from = start < 0 ? items.length : start;
  if (size === undefined) return { page: items.slice(from) };
  const page = items.slice(from, from + size);
  const last = page.at(-1);
  return from + size < items.length && last !== undefined
    ? { page, next: Buffer.from(JSON.stringify({ after: key(last) }), 'utf8').toString('base64url') }
    : { page };
}

/** EC2 VPC security groups and their ingress rules, answering the `ec2` query protocol's actions. */
export class Ec2Service {
  readonly #groups = new Map<string, SecurityGroup>();
  readonly #accountId: string;
  readonly #region: string;
  #counter = 0;

  constructor(options: { readonly accountId: string; readonly region: string }) {
    this.#accountId = options.accountId;
    this.#region = options.region;
  }

  /** Answers one action with the XML inside `<ActionResponse>` after its requestId, or throws an {@link ApiError}. */
  handle(action: string, params: URLSearchParams): string {
    switch (action) {
      case 'AuthorizeSecurityGroupIngress':
        return this.#authorize(params);
      case 'RevokeSecurityGroupIngress':
        return this.#revoke(params);
      case 'DescribeSecurityGroups':
        return this.#describeGroups(params);
      case 'DescribeSecurityGroupRules':
        return this.#describeRules(params);
      default:
        throw ec2Error('InvalidAction', `The action ${action} is not valid for this web service.`);
    }
  }

  /** Creates a security group (with the all-traffic egress rule EC2 gives every new group) and returns its id. */
  createGroup(seed: Ec2SecurityGroupSeed = {}): Ec2SecurityGroupSnapshot {
    this.#counter += 1;
    const groupId = seed.groupId ?? `sg-${hex17(this.#counter)}`;
    if (!GROUP_ID.test(groupId))
      throw new TypeError(`groupId must be sg- and 8 or 17 hex digits, got "${groupId}"`);
    if (this.#groups.has(groupId)) throw new TypeError(`security group ${groupId} already exists`);
    const tags = new Map(Object.entries(seed.tags ?? {}));
    for (const [key, value] of tags) {
      if (typeof value !== 'string') throw new TypeError(`tags.${key} must be a string`);
    }
    const group: SecurityGroup = {
      groupId,
      groupName: seed.groupName ?? groupId,
      description: seed.description ?? `${seed.groupName ?? groupId} (emulated)`,
      vpcId: seed.vpcId ?? 'vpc-0000000000000000a',
      defaultVpc: seed.defaultVpc ?? false,
      tags,
      rules: [],
    };
    group.rules.push({
      id: this.#ruleId(),
      isEgress: true,
      protocol: '-1',
      fromPort: -1,
      toPort: -1,
      source: { kind: 'cidrIp', value: '0.0.0.0/0' },
      description: undefined,
      tags: new Map(),
    });
    this.#groups.set(groupId, group);
    return this.#snapshot(group);
  }

  /** Whether a group exists. */
  hasGroup(groupId: string): boolean {
    return this.#groups.has(groupId);
  }

  /** A copy of every group with its rules, in creation order. */
  groups(): Ec2SecurityGroupSnapshot[] {
    return [...this.#groups.values()].map((group) => this.#snapshot(group));
  }

  /** Deletes every group. */
  reset(): void {
    this.#groups.clear();
    this.#counter = 0;
  }

  #snapshot(group: SecurityGroup): Ec2SecurityGroupSnapshot {
    return {
      groupId: group.groupId,
      groupName: group.groupName,
      description: group.description,
      vpcId: group.vpcId,
      defaultVpc: group.defaultVpc,
      tags: Object.fromEntries(group.tags),
      rules: group.rules.map((rule) => ({
        securityGroupRuleId: rule.id,
        isEgress: rule.isEgress,
        protocol: rule.protocol,
        fromPort: rule.fromPort,
        toPort: rule.toPort,
        source: { ...rule.source },
        ...(rule.description !== undefined && { description: rule.description }),
        tags: Object.fromEntries(rule.tags),
      })),
    };
  }

  #ruleId(): string {
    this.#counter += 1;
    return `sgr-${hex17(this.#counter)}`;
  }

  #checkGroupId(groupId: string): void {
    if (!GROUP_ID.test(groupId)) {
      throw ec2Error('InvalidGroupId.Malformed', `Invalid id: "${groupId}" (expecting "sg-...")`);
    }
  }

  #group(params: URLSearchParams): SecurityGroup {
    const groupId = params.get('GroupId');
    if (groupId === null || groupId === '') {
      throw ec2Error('MissingParameter', 'The request must contain the parameter groupId');
    }
    this.#checkGroupId(groupId);
    const group = this.#groups.get(groupId);
    if (group === undefined) {
      throw ec2Error('InvalidGroup.NotFound', `The security group '${groupId}' does not exist`);
    }
    return group;
  }

  /** Reads `IpPermissions.N` into one candidate rule per (permission, source), checked as EC2 checks them. */
  #permissions(params: URLSearchParams): Array<Omit<Rule, 'id' | 'isEgress' | 'tags'>> {
    const rules: Array<Omit<Rule, 'id' | 'isEgress' | 'tags'>> = [];
    for (const prefix of indexed(params, 'IpPermissions')) {
      const protocolText = (params.get(`${prefix}.IpProtocol`) ?? '').toLowerCase();
      const protocol = PROTOCOLS[protocolText];
      if (protocol === undefined) {
        throw ec2Error(
          'InvalidParameterValue',
          `Invalid value '${protocolText}' for IP protocol. Unknown protocol.`,
        );
      }
      let fromPort = -1;
      let toPort = -1;
      if (protocol === 'tcp' || protocol === 'udp') {
        fromPort = Number(params.get(`${prefix}.FromPort`) ?? Number.NaN);
        toPort = Number(params.get(`${prefix}.ToPort`) ?? Number.NaN);
        if (
          ![fromPort, toPort].every((port) => Number.isInteger(port) && port >= 0 && port <= 65_535) ||
          fromPort > toPort
        ) {
          throw ec2Error(
            'InvalidParameterValue',
            `Invalid value for portRange. Must specify both from and to ports with TCP/UDP (from ${params.get(`${prefix}.FromPort`)}, to ${params.get(`${prefix}.ToPort`)}).`,
          );
        }
      }
      const add = (source: Ec2RuleSource, description: string | null): void => {
        if (description !== null && !DESCRIPTION.test(description)) {
          throw ec2Error(
            'InvalidParameterValue',
            'Invalid rule description. Valid descriptions are strings less than 256 characters from the following set:  a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*',
          );
        }
        rules.push({ protocol, fromPort, toPort, source, description: description ?? undefined });
      };
      for (const range of indexed(params, `${prefix}.IpRanges`)) {
        const value = canonicalCidr(params.get(`${range}.CidrIp`) ?? '', 'ipv4', 'cidrIp');
        add({ kind: 'cidrIp', value }, params.get(`${range}.Description`));
      }
      for (const range of indexed(params, `${prefix}.Ipv6Ranges`)) {
        const value = canonicalCidr(params.get(`${range}.CidrIpv6`) ?? '', 'ipv6', 'cidrIpv6');
        add({ kind: 'cidrIpv6', value }, params.get(`${range}.Description`));
      }
      for (const pair of indexed(params, `${prefix}.Groups`)) {
        const groupId = params.get(`${pair}.GroupId`) ?? '';
        this.#checkGroupId(groupId);
        const ownerId = params.get(`${pair}.UserId`) || this.#accountId;
        // Only groups of this account can be checked; another account's are taken on trust.
        if (ownerId === this.#accountId && !this.#groups.has(groupId)) {
          throw ec2Error('InvalidGroup.NotFound', `The security group '${groupId}' does not exist`);
        }
        add({ kind: 'group', value: groupId, ownerId }, params.get(`${pair}.Description`));
      }
      for (const entry of indexed(params, `${prefix}.PrefixListIds`)) {
        const id = params.get(`${entry}.PrefixListId`) ?? '';
        if (!PREFIX_LIST_ID.test(id)) {
          throw ec2Error('InvalidPrefixListId.Malformed', `Invalid id: "${id}" (expecting "pl-...")`);
        }
        add({ kind: 'prefixList', value: id }, params.get(`${entry}.Description`));
      }
    }
    if (rules.length === 0) {
      throw ec2Error('MissingParameter', 'The request must contain the parameter ipPermissions');
    }
    return rules;
  }

  #ruleTags(params: URLSearchParams): Map<string, string> {
    const tags = new Map<string, string>();
    for (const spec of indexed(params, 'TagSpecification')) {
      const type = params.get(`${spec}.ResourceType`);
      if (type !== 'security-group-rule') {
        throw ec2Error(
          'InvalidParameterValue',
          `'${type ?? ''}' is not a valid taggable resource type for this operation.`,
        );
      }
      for (const tag of indexed(params, `${spec}.Tag`)) {
        const key = params.get(`${tag}.Key`) ?? '';
        if (key === '' || key.length > 128 || key.toLowerCase().startsWith('aws:')) {
          throw ec2Error('InvalidParameterValue', `Tag key '${key}' is not valid.`);
        }
        tags.set(key, (params.get(`${tag}.Value`) ?? '').slice(0, 256));
      }
    }
    return tags;
  }

  #ruleXml(group: SecurityGroup, rule: Rule): string {
    return element(
      'item',
      textElement('securityGroupRuleId', rule.id) +
        textElement('groupId', group.groupId) +
        textElement('groupOwnerId', this.#accountId) +
        textElement('isEgress', rule.isEgress) +
        textElement('ipProtocol', rule.protocol) +
        textElement('fromPort', rule.fromPort) +
        textElement('toPort', rule.toPort) +
        sourceMembers(rule.source, 'referencedGroupInfo') +
        textElement('description', rule.description) +
        tagSet(rule.tags) +
        textElement(
          'securityGroupRuleArn',
          `arn:aws:ec2:${this.#region}:${this.#accountId}:security-group-rule/${rule.id}`,
        ),
    );
  }

  #authorize(params: URLSearchParams): string {
    const group = this.#group(params);
    const candidates = this.#permissions(params);
    const tags = this.#ruleTags(params);
    const inbound = group.rules.filter((rule) => !rule.isEgress);
    // All or nothing, as EC2: one duplicate (with any description) refuses the whole call.
    candidates.forEach((candidate, index) => {
      const { protocol, fromPort, toPort, source } = candidate;
      const clash =
        inbound.some((rule) => sameIdentity(rule, protocol, fromPort, toPort, source)) ||
        candidates
          .slice(0, index)
          .some((earlier) => sameIdentity(earlier, protocol, fromPort, toPort, source));
      if (clash) {
        throw ec2Error(
          'InvalidPermission.Duplicate',
          `the specified rule "${describePeer(candidate)}" already exists`,
        );
      }
    });
    const counts = (rules: ReadonlyArray<Pick<Rule, 'source'>>) => ({
      ipv4: rules.filter((rule) => rule.source.kind !== 'cidrIpv6').length,
      ipv6: rules.filter((rule) => rule.source.kind !== 'cidrIp').length,
    });
    const after = counts([...inbound, ...candidates]);
    if (after.ipv4 > MAX_INBOUND_RULES || after.ipv6 > MAX_INBOUND_RULES) {
      throw ec2Error(
        'RulesPerSecurityGroupLimitExceeded',
        'The maximum number of rules per security group has been reached.',
      );
    }
    const created = candidates.map((candidate) => ({
      ...candidate,
      id: this.#ruleId(),
      isEgress: false,
      tags: new Map(tags),
    }));
    group.rules.push(...created);
    return (
      textElement('return', true) +
      element('securityGroupRuleSet', created.map((rule) => this.#ruleXml(group, rule)).join(''))
    );
  }

  #revoke(params: URLSearchParams): string {
    const group = this.#group(params);
    const ruleIds = values(params, 'SecurityGroupRuleId');
    const hasPermissions = indexed(params, 'IpPermissions').length > 0;
    if (ruleIds.length > 0 && hasPermissions) {
      throw ec2Error(
        'InvalidParameterCombination',
        'The parameter SecurityGroupRuleIds cannot be used together with the parameter IpPermissions.',
      );
    }
    let revoked: Rule[];
    const unknown: Array<Omit<Rule, 'id' | 'isEgress' | 'tags'>> = [];
    if (ruleIds.length > 0) {
      revoked = ruleIds.map((id) => {
        if (!RULE_ID.test(id)) {
          throw ec2Error('InvalidSecurityGroupRuleId.Malformed', `Invalid id: "${id}" (expecting "sgr-...")`);
        }
        const rule = group.rules.find((candidate) => candidate.id === id && !candidate.isEgress);
        if (rule === undefined) {
          throw ec2Error(
            'InvalidSecurityGroupRuleId.NotFound',
            `The security group rule ID '${id}' does not exist`,
          );
        }
        return rule;
      });
    } else {
      const candidates = this.#permissions(params);
      revoked = [];
      for (const candidate of candidates) {
        const rule = group.rules.find(
          (existing) =>
            !existing.isEgress &&
            sameIdentity(
              existing,
              candidate.protocol,
              candidate.fromPort,
              candidate.toPort,
              candidate.source,
            ),
        );
        if (rule !== undefined) revoked.push(rule);
        else unknown.push(candidate);
      }
      if (unknown.length > 0 && !group.defaultVpc) {
        // Outside a default VPC a missing rule fails the whole call, and nothing is revoked.
        throw ec2Error(
          'InvalidPermission.NotFound',
          'The specified rule does not exist in this security group.',
        );
      }
    }
    const gone = new Set(revoked.map((rule) => rule.id));
    const kept = group.rules.filter((rule) => !gone.has(rule.id));
    group.rules.splice(0, group.rules.length, ...kept);
    const unknownXml = unknown
      .map((rule) => element('item', this.#permissionXml(rule.protocol, rule.fromPort, rule.toPort, [rule])))
      .join('');
    return (
      textElement('return', unknown.length === 0) +
      (unknown.length > 0 ? element('unknownIpPermissionSet', unknownXml) : '') +
      element(
        'revokedSecurityGroupRuleSet',
        revoked
          .map((rule) =>
            element(
              'item',
              textElement('securityGroupRuleId', rule.id) +
                textElement('groupId', group.groupId) +
                textElement('isEgress', false) +
                textElement('ipProtocol', rule.protocol) +
                textElement('fromPort', rule.fromPort) +
                textElement('toPort', rule.toPort) +
                sourceMembers(rule.source, 'referencedGroupId') +
                textElement('description', rule.description),
            ),
          )
          .join(''),
      )
    );
  }

  /** One IpPermission element's members for rules sharing protocol and ports, as DescribeSecurityGroups groups them. */
  #permissionXml(
    protocol: string,
    fromPort: number,
    toPort: number,
    rules: ReadonlyArray<Pick<Rule, 'source' | 'description'>>,
  ): string {
    const items = (
      kind: Ec2RuleSource['kind'],
      render: (rule: Pick<Rule, 'source' | 'description'>) => string,
    ) =>
      rules
        .filter((rule) => rule.source.kind === kind)
        .map((rule) => element('item', render(rule) + textElement('description', rule.description)))
        .join('');
    return (
      textElement('ipProtocol', protocol) +
      (protocol === '-1' ? '' : textElement('fromPort', fromPort) + textElement('toPort', toPort)) +
      element(
        'groups',
        items('group', (rule) =>
          rule.source.kind === 'group'
            ? textElement('userId', rule.source.ownerId) + textElement('groupId', rule.source.value)
            : '',
        ),
      ) +
      element(
        'ipRanges',
        items('cidrIp', (rule) => textElement('cidrIp', rule.source.value)),
      ) +
      element(
        'ipv6Ranges',
        items('cidrIpv6', (rule) => textElement('cidrIpv6', rule.source.value)),
      ) +
      element(
        'prefixListIds',
        items('prefixList', (rule) => textElement('prefixListId', rule.source.value)),
      )
    );
  }

  #permissionsXml(rules: readonly Rule[]): string {
    const byPorts = new Map<string, Rule[]>();
    for (const rule of rules) {
      const key = `${rule.protocol}|${rule.fromPort}|${rule.toPort}`;
      byPorts.set(key, [...(byPorts.get(key) ?? []), rule]);
    }
    return [...byPorts.values()]
      .map((group) => {
        const [first] = group;
        return first === undefined
          ? ''
          : element('item', this.#permissionXml(first.protocol, first.fromPort, first.toPort, group));
      })
      .join('');
  }

  #filters(params: URLSearchParams, allowed: ReadonlySet<string>): Array<{ name: string; values: string[] }> {
    return indexed(params, 'Filter').map((prefix) => {
      const name = params.get(`${prefix}.Name`) ?? '';
      if (!allowed.has(name) && !name.startsWith('tag:')) {
        throw ec2Error('InvalidParameterValue', `The filter '${name}' is invalid`);
      }
      return { name, values: values(params, `${prefix}.Value`) };
    });
  }

  #describeGroups(params: URLSearchParams): string {
    const ids = values(params, 'GroupId');
    for (const id of ids) this.#checkGroupId(id);
    const missing = ids.filter((id) => !this.#groups.has(id));
    if (missing.length > 0) {
      throw ec2Error('InvalidGroup.NotFound', `The security group '${missing.join(', ')}' does not exist`);
    }
    const filters = this.#filters(params, new Set(['group-id', 'vpc-id', 'group-name']));
    const matches = (group: SecurityGroup): boolean =>
      filters.every(({ name, values: wanted }) => {
        if (name === 'group-id') return wanted.includes(group.groupId);
        if (name === 'vpc-id') return wanted.includes(group.vpcId);
        if (name === 'group-name') return wanted.includes(group.groupName);
        return wanted.includes(group.tags.get(name.slice('tag:'.length)) ?? '\u0000');
      });
    const chosen = [...this.#groups.values()]
      .filter((group) => (ids.length === 0 || ids.includes(group.groupId)) && matches(group))
      .sort((a, b) => (a.groupId < b.groupId ? -1 : 1));
    const { page, next } = paginate(chosen, (group) => group.groupId, params);
    const items = page
      .map((group) =>
        element(
          'item',
          textElement('ownerId', this.#accountId) +
            textElement('groupId', group.groupId) +
            textElement('groupName', group.groupName) +
            textElement('groupDescription', group.description) +
            element('ipPermissions', this.#permissionsXml(group.rules.filter((rule) => !rule.isEgress))) +
            element(
              'ipPermissionsEgress',
              this.#permissionsXml(group.rules.filter((rule) => rule.isEgress)),
            ) +
            textElement('vpcId', group.vpcId) +
            textElement(
              'securityGroupArn',
              `arn:aws:ec2:${this.#region}:${this.#accountId}:security-group/${group.groupId}`,
            ) +
            tagSet(group.tags),
        ),
      )
      .join('');
    return element('securityGroupInfo', items) + textElement('nextToken', next);
  }

  #describeRules(params: URLSearchParams): string {
    const ids = values(params, 'SecurityGroupRuleId');
    const filters = this.#filters(params, new Set(['group-id', 'security-group-rule-id']));
    const rules = [...this.#groups.values()]
      .flatMap((group) => group.rules.map((rule) => ({ group, rule })))
      .filter(
        ({ group, rule }) =>
          (ids.length === 0 || ids.includes(rule.id)) &&
          filters.every(({ name, values: wanted }) => {
            if (name === 'group-id') return wanted.includes(group.groupId);
            if (name === 'security-group-rule-id') return wanted.includes(rule.id);
            return wanted.includes(rule.tags.get(name.slice('tag:'.length)) ?? '\u0000');
          }),
      )
      .sort((a, b) => (a.rule.id < b.rule.id ? -1 : 1));
    const { page, next } = paginate(rules, ({ rule }) => rule.id, params);
    return (
      element('securityGroupRuleSet', page.map(({ group, rule }) => this.#ruleXml(group, rule)).join('')) +
      textElement('nextToken', next)
    );
  }
}
