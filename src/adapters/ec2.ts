import {
  AuthorizeSecurityGroupIngressCommand,
  DescribeSecurityGroupRulesCommand,
  type DescribeSecurityGroupRulesCommandOutput,
  DescribeSecurityGroupsCommand,
  type DescribeSecurityGroupsCommandOutput,
  type EC2Client,
  type IpPermission,
  RevokeSecurityGroupIngressCommand,
  type RevokeSecurityGroupIngressCommandOutput,
  type SecurityGroupRule,
  type Tag,
} from '@aws-sdk/client-ec2';
import { RejectedError, TransientError } from '../domain/errors.js';
import { Status } from '../domain/outcome.js';
import {
  describeVpcSource,
  MANAGED_TAG,
  MANAGED_TAG_VALUE,
  REQUEST_ID_TAG,
  type VpcApplyResult,
  type VpcPermission,
  type VpcRule,
  type VpcSecurityGroup,
  type VpcSource,
} from '../domain/vpc.js';
import { asAwsError, describeTransient } from './aws-error.js';

/** The EC2 security group operations the VPC path needs, with EC2's error codes already classified. */
export interface Ec2Ingress {
  /**
   * Authorizes one permission, described and tagged as managed by the service and by the request.
   *
   * @returns `authorized` with the new rule's id, or `already-authorized` when the rule exists
   * @throws RejectedError when the change can never succeed as asked
   * @throws TransientError when it may succeed later
   */
  authorize(permission: VpcPermission, requestId: string): Promise<VpcApplyResult>;
  /**
   * Revokes one permission; `revoked` only when EC2's answer says it removed a rule.
   *
   * @throws RejectedError when the change can never succeed as asked
   * @throws TransientError when it may succeed later
   */
  revoke(permission: VpcPermission): Promise<VpcApplyResult>;
  /**
   * Revokes one rule by its id, as pruning does: an id names exactly the rule that was listed.
   *
   * @throws RejectedError when the change can never succeed as asked
   * @throws TransientError when it may succeed later
   */
  revokeRule(securityGroupId: string, securityGroupRuleId: string): Promise<VpcApplyResult>;
  /**
   * Lists a group's inbound rules with their tags, following `NextToken`.
   *
   * @throws TransientError when the rules could not be read
   */
  listRules(securityGroupId: string): Promise<VpcRule[]>;
  /**
   * Describes groups with their tags, in the order asked.
   *
   * @throws RejectedError when a group does not exist or an id is malformed
   * @throws TransientError when the groups could not be read
   */
  describeGroups(securityGroupIds: readonly string[]): Promise<VpcSecurityGroup[]>;
}

/** Page size of DescribeSecurityGroupRules: the API's maximum, so few calls are needed. */
const RULES_PAGE_SIZE = 1000;
/** EC2's default quota of inbound rules per security group (IPv4 and IPv6 counted apart); it can be raised. */
const DEFAULT_RULES_LIMIT = 60;
// EC2 accepts these characters in a rule description, at most 255 of them.
// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IpRange.html
const DESCRIPTION_DISALLOWED = /[^a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]/g;
const MAX_DESCRIPTION_LENGTH = 255;
// EC2 tag values hold at most 256 characters.
const MAX_TAG_VALUE_LENGTH = 256;

/** Codes that mean the call can never succeed as asked, with the message a person needs. */
const REJECTIONS: Readonly<Record<string, (groupId: string) => string>> = {
  RulesPerSecurityGroupLimitExceeded: (groupId) =>
    `security group ${groupId} already holds the most inbound rules it may (${DEFAULT_RULES_LIMIT} by default, IPv4 and IPv6 counted apart, unless the account's quota was raised); revoke one, use a managed prefix list, or split the sources across groups`,
  'InvalidGroup.NotFound': (groupId) =>
    `security group ${groupId} (or the source group) does not exist in this account and region`,
  'InvalidGroupId.Malformed': (groupId) => `EC2 refused a malformed security group id (${groupId})`,
  'InvalidPermission.Malformed': () => 'EC2 refused the permission as malformed',
  'InvalidPrefixListId.NotFound': () => 'the prefix list does not exist in this account and region',
  'InvalidPrefixListID.NotFound': () => 'the prefix list does not exist in this account and region',
  'InvalidPrefixListId.Malformed': () => 'EC2 refused a malformed prefix list id',
  'InvalidSecurityGroupRuleId.Malformed': () => 'EC2 refused a malformed security group rule id',
  InvalidParameterValue: () => 'EC2 refused a parameter value',
  InvalidParameterCombination: () => 'EC2 refused the combination of parameters',
  InvalidParameter: () => 'EC2 refused a parameter',
  MissingParameter: () => 'EC2 is missing a parameter',
};

/** Makes a description EC2 accepts: disallowed characters become `_`, and it is cut to 255 characters. */
export function ruleDescription(requestId: string): string {
  return `redshift-ingress ${requestId}`
    .replace(DESCRIPTION_DISALLOWED, '_')
    .slice(0, MAX_DESCRIPTION_LENGTH);
}

function ipPermission(permission: VpcPermission, description?: string): IpPermission {
  const { source } = permission;
  const described = description === undefined ? {} : { Description: description };
  return {
    IpProtocol: 'tcp',
    FromPort: permission.port,
    ToPort: permission.port,
    ...('cidrIp' in source && { IpRanges: [{ CidrIp: source.cidrIp, ...described }] }),
    ...('cidrIpv6' in source && { Ipv6Ranges: [{ CidrIpv6: source.cidrIpv6, ...described }] }),
    ...('prefixListId' in source && {
      PrefixListIds: [{ PrefixListId: source.prefixListId, ...described }],
    }),
    ...('sourceSecurityGroupId' in source && {
      UserIdGroupPairs: [
        {
          GroupId: source.sourceSecurityGroupId,
          ...(source.sourceSecurityGroupOwnerId !== undefined && {
            UserId: source.sourceSecurityGroupOwnerId,
          }),
          ...described,
        },
      ],
    }),
  };
}

function tagMap(tags: readonly Tag[] | undefined): Record<string, string> {
  const map: Record<string, string> = {};
  for (const tag of tags ?? []) if (tag.Key !== undefined) map[tag.Key] = tag.Value ?? '';
  return map;
}

function sourceOf(rule: SecurityGroupRule): VpcSource | undefined {
  if (rule.CidrIpv4) return { cidrIp: rule.CidrIpv4 };
  if (rule.CidrIpv6) return { cidrIpv6: rule.CidrIpv6 };
  if (rule.PrefixListId) return { prefixListId: rule.PrefixListId };
  const referenced = rule.ReferencedGroupInfo;
  if (referenced?.GroupId) {
    return {
      sourceSecurityGroupId: referenced.GroupId,
      ...(referenced.UserId && { sourceSecurityGroupOwnerId: referenced.UserId }),
    };
  }
  return undefined;
}

/** Translates an SDK error: a known rejection, or transient (unknown errors too: redrive bounds their retries). */
function classify(
  thrown: unknown,
  groupId: string,
  what: string,
  { changes = true } = {},
): RejectedError | TransientError {
  // EC2 has no modelled exceptions: every error's name is its wire code.
  const error = asAwsError(thrown);
  const rejection = REJECTIONS[error.name];
  if (rejection !== undefined) {
    return new RejectedError(error.name, `${what}: ${rejection(groupId)}: ${error.message}`, {
      cause: thrown,
    });
  }
  const transient = describeTransient(error);
  // The deployed role may change only the groups tagged managed, or those named when deploying: the
  // likeliest cause of a denial, and the one a person can fix. Still transient: a tag or an IAM change
  // may be propagating.
  const hint =
    changes && error.name === 'UnauthorizedOperation'
      ? ` (the deployed role changes only security groups tagged ${MANAGED_TAG}=${MANAGED_TAG_VALUE}, or those named in changeableSecurityGroupIds when deploying: tag ${groupId} or deploy with it named)`
      : '';
  return new TransientError(transient.code, `${what}: ${transient.message}${hint}`, { cause: thrown });
}

function revokeAnswer(output: RevokeSecurityGroupIngressCommandOutput): VpcApplyResult {
  // In a default VPC EC2 answers a missing rule with 200, Return false and the rule in
  // UnknownIpPermissions, not an error: the rule was not there, so nothing was revoked.
  if (output.Return !== true || (output.UnknownIpPermissions?.length ?? 0) > 0) {
    return { status: Status.alreadyRevoked };
  }
  const ruleId = output.RevokedSecurityGroupRules?.[0]?.SecurityGroupRuleId;
  return { status: Status.revoked, ...(ruleId && { securityGroupRuleId: ruleId }) };
}

/** Creates the EC2 adapter over a client; the only code that reads EC2's error codes. */
export function createEc2Ingress(client: EC2Client): Ec2Ingress {
  return {
    async authorize(permission, requestId) {
      const { securityGroupId } = permission;
      try {
        const output = await client.send(
          new AuthorizeSecurityGroupIngressCommand({
            GroupId: securityGroupId,
            IpPermissions: [ipPermission(permission, ruleDescription(requestId))],
            TagSpecifications: [
              {
                ResourceType: 'security-group-rule',
                Tags: [
                  { Key: MANAGED_TAG, Value: MANAGED_TAG_VALUE },
                  { Key: REQUEST_ID_TAG, Value: requestId.slice(0, MAX_TAG_VALUE_LENGTH) },
                ],
              },
            ],
          }),
        );
        const ruleId = output.SecurityGroupRules?.[0]?.SecurityGroupRuleId;
        return { status: Status.authorized, ...(ruleId && { securityGroupRuleId: ruleId }) };
      } catch (thrown) {
        // A description is not part of a rule's identity: the same protocol, port and source is a duplicate.
        if (asAwsError(thrown).name === 'InvalidPermission.Duplicate')
          return { status: Status.alreadyAuthorized };
        throw classify(
          thrown,
          securityGroupId,
          `authorize tcp/${permission.port} from ${describeVpcSource(permission.source)} on ${securityGroupId}`,
        );
      }
    },

    async revoke(permission) {
      const { securityGroupId } = permission;
      try {
        return revokeAnswer(
          await client.send(
            new RevokeSecurityGroupIngressCommand({
              GroupId: securityGroupId,
              IpPermissions: [ipPermission(permission)],
            }),
          ),
        );
      } catch (thrown) {
        if (asAwsError(thrown).name === 'InvalidPermission.NotFound')
          return { status: Status.alreadyRevoked };
        throw classify(
          thrown,
          securityGroupId,
          `revoke tcp/${permission.port} from ${describeVpcSource(permission.source)} on ${securityGroupId}`,
        );
      }
    },

    async revokeRule(securityGroupId, securityGroupRuleId) {
      try {
        const answer = revokeAnswer(
          await client.send(
            new RevokeSecurityGroupIngressCommand({
              GroupId: securityGroupId,
              SecurityGroupRuleIds: [securityGroupRuleId],
            }),
          ),
        );
        return answer.status === Status.revoked
          ? { status: Status.revoked, securityGroupRuleId }
          : { status: answer.status };
      } catch (thrown) {
        const name = asAwsError(thrown).name;
        if (name === 'InvalidSecurityGroupRuleId.NotFound' || name === 'InvalidPermission.NotFound') {
          return { status: Status.alreadyRevoked };
        }
        throw classify(thrown, securityGroupId, `revoke rule ${securityGroupRuleId} on ${securityGroupId}`);
      }
    },

    async listRules(securityGroupId) {
      const rules: VpcRule[] = [];
      let nextToken: string | undefined;
      do {
        let page: DescribeSecurityGroupRulesCommandOutput;
        try {
          page = await client.send(
            new DescribeSecurityGroupRulesCommand({
              Filters: [{ Name: 'group-id', Values: [securityGroupId] }],
              MaxResults: RULES_PAGE_SIZE,
              ...(nextToken && { NextToken: nextToken }),
            }),
          );
        } catch (thrown) {
          const transient = describeTransient(asAwsError(thrown));
          throw new TransientError(
            transient.code,
            `cannot list the rules of ${securityGroupId}: ${transient.message}`,
            { cause: thrown },
          );
        }
        for (const rule of page.SecurityGroupRules ?? []) {
          const source = sourceOf(rule);
          if (rule.IsEgress || !rule.SecurityGroupRuleId || source === undefined) continue;
          rules.push({
            securityGroupRuleId: rule.SecurityGroupRuleId,
            securityGroupId: rule.GroupId ?? securityGroupId,
            protocol: rule.IpProtocol ?? '-1',
            fromPort: rule.FromPort ?? -1,
            toPort: rule.ToPort ?? -1,
            source,
            ...(rule.Description && { description: rule.Description }),
            tags: tagMap(rule.Tags),
          });
        }
        nextToken = page.NextToken || undefined;
      } while (nextToken);
      return rules;
    },

    async describeGroups(securityGroupIds) {
      if (securityGroupIds.length === 0) return [];
      const found = new Map<string, VpcSecurityGroup>();
      let nextToken: string | undefined;
      do {
        let page: DescribeSecurityGroupsCommandOutput;
        try {
          page = await client.send(
            new DescribeSecurityGroupsCommand({
              GroupIds: [...securityGroupIds],
              ...(nextToken && { NextToken: nextToken }),
            }),
          );
        } catch (thrown) {
          throw classify(thrown, securityGroupIds.join(', '), `describe ${securityGroupIds.join(', ')}`, {
            changes: false,
          });
        }
        for (const group of page.SecurityGroups ?? []) {
          if (!group.GroupId) continue;
          found.set(group.GroupId, {
            securityGroupId: group.GroupId,
            ...(group.VpcId && { vpcId: group.VpcId }),
            tags: tagMap(group.Tags),
          });
        }
        nextToken = page.NextToken || undefined;
      } while (nextToken);
      return securityGroupIds.flatMap((id) => {
        const group = found.get(id);
        return group === undefined ? [] : [group];
      });
    },
  };
}
