import {
  AuthorizeClusterSecurityGroupIngressCommand,
  DescribeClusterSecurityGroupsCommand,
  type DescribeClusterSecurityGroupsCommandOutput,
  type RedshiftClient,
  RevokeClusterSecurityGroupIngressCommand,
} from '@aws-sdk/client-redshift';
import type { CurrentRules, RuleBackend } from '../app/ports.js';
import { RejectedError, TransientError } from '../domain/errors.js';
import { Status } from '../domain/outcome.js';
import type { CurrentGroup } from '../domain/reconcile-plan.js';
import type { IngressRule, IngressTarget } from '../domain/request.js';
import { asAwsError, describeTransient } from './aws-error.js';

/**
 * The cluster security groups of Redshift behind the use cases' ports: the backend that applies rule
 * changes (Authorize/RevokeClusterSecurityGroupIngress, idempotent through the `already-*` statuses) and
 * the reader of the current rules (DescribeClusterSecurityGroups, following `Marker` pagination; rules
 * being revoked are left out, as they are on their way to absent).
 */
export type RedshiftIngress = RuleBackend & CurrentRules;

/** Page size of DescribeClusterSecurityGroups: the API's maximum, so few calls are needed. */
const DESCRIBE_PAGE_SIZE = 100;

/** Faults that mean the request can never succeed as asked, with the message a person needs. */
const REJECTIONS: Readonly<Record<string, (rule: IngressRule) => string>> = {
  ClusterSecurityGroupNotFoundFault: (rule) =>
    `cluster security group "${rule.clusterSecurityGroupName}" does not exist in this account and region`,
  AuthorizationQuotaExceededFault: (rule) =>
    `this group already has 20 rules, the most a cluster security group may hold ("${rule.clusterSecurityGroupName}"); revoke one first`,
  // awsQuery codes without a modelled class keep their wire name; Redshift has no `*Exception` spelling of them.
  InvalidParameterValue: () => 'Redshift refused a parameter value',
  InvalidParameterCombination: () => 'Redshift refused the combination of parameters',
};

/** Creates the Redshift adapter over a client; the only code that reads Redshift's error names. */
export function createRedshiftIngress(client: RedshiftClient): RedshiftIngress {
  return {
    async apply({ action, rule }) {
      const input = {
        ClusterSecurityGroupName: rule.clusterSecurityGroupName,
        ...('cidrIp' in rule
          ? { CIDRIP: rule.cidrIp }
          : {
              EC2SecurityGroupName: rule.ec2SecurityGroupName,
              EC2SecurityGroupOwnerId: rule.ec2SecurityGroupOwnerId,
            }),
      };
      try {
        if (action === 'authorize') {
          await client.send(new AuthorizeClusterSecurityGroupIngressCommand(input));
          return { status: Status.authorized };
        }
        await client.send(new RevokeClusterSecurityGroupIngressCommand(input));
        return { status: Status.revoked };
      } catch (thrown) {
        const error = asAwsError(thrown);
        // Authorize and Revoke are idempotent through these two faults: the rule already is as asked.
        if (action === 'authorize' && error.name === 'AuthorizationAlreadyExistsFault')
          return { status: Status.alreadyAuthorized };
        if (action === 'revoke' && error.name === 'AuthorizationNotFoundFault')
          return { status: Status.alreadyRevoked };
        const rejection = REJECTIONS[error.name];
        if (rejection !== undefined) {
          throw new RejectedError(error.name, `${rejection(rule)}: ${error.message}`, { cause: thrown });
        }
        if (error.name === 'InvalidClusterSecurityGroupStateFault') {
          throw new TransientError(
            error.name,
            `the group is being changed by another operation: ${error.message}`,
            {
              cause: thrown,
            },
          );
        }
        // Unknown errors count as transient: the queue's redrive policy bounds their retries.
        const transient = describeTransient(error);
        throw new TransientError(transient.code, transient.message, { cause: thrown });
      }
    },

    async listGroups() {
      const groups: CurrentGroup[] = [];
      let marker: string | undefined;
      do {
        let page: DescribeClusterSecurityGroupsCommandOutput;
        try {
          page = await client.send(
            new DescribeClusterSecurityGroupsCommand({
              MaxRecords: DESCRIBE_PAGE_SIZE,
              ...(marker && { Marker: marker }),
            }),
          );
        } catch (thrown) {
          const transient = describeTransient(asAwsError(thrown));
          throw new TransientError(
            transient.code,
            `cannot list cluster security groups: ${transient.message}`,
            {
              cause: thrown,
            },
          );
        }
        for (const group of page.ClusterSecurityGroups ?? []) {
          if (!group.ClusterSecurityGroupName) continue;
          const targets: IngressTarget[] = [];
          for (const range of group.IPRanges ?? []) {
            if (range.CIDRIP && range.Status !== 'revoking') targets.push({ cidrIp: range.CIDRIP });
          }
          for (const ec2 of group.EC2SecurityGroups ?? []) {
            if (ec2.EC2SecurityGroupName && ec2.EC2SecurityGroupOwnerId && ec2.Status !== 'revoking') {
              targets.push({
                ec2SecurityGroupName: ec2.EC2SecurityGroupName,
                ec2SecurityGroupOwnerId: ec2.EC2SecurityGroupOwnerId,
              });
            }
          }
          groups.push({ name: group.ClusterSecurityGroupName, targets });
        }
        marker = page.Marker || undefined;
      } while (marker);
      return groups;
    },
  };
}
