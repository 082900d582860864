import {
  AuthorizeClusterSecurityGroupIngressCommand,
  DescribeClusterSecurityGroupsCommand,
  type DescribeClusterSecurityGroupsCommandOutput,
  type RedshiftClient,
  RevokeClusterSecurityGroupIngressCommand,
} from '@aws-sdk/client-redshift';
import { RejectedError, TransientError } from '../domain/errors.js';
import { Status, type SuccessStatus } from '../domain/outcome.js';
import type { CurrentGroup } from '../domain/reconcile-plan.js';
import type { Action, IngressRule, IngressTarget } from '../domain/request.js';
import { asAwsError, describeTransient } from './aws-error.js';

/** The Redshift operations the service needs, with SDK errors already classified. */
export interface RedshiftIngress {
  /**
   * Applies one rule change idempotently.
   *
   * @returns the success status, including the idempotent `already-*` ones
   * @throws RejectedError when the change can never succeed as asked
   * @throws TransientError when it may succeed later
   */
  apply(action: Action, rule: IngressRule): Promise<SuccessStatus>;
  /**
   * Lists every cluster security group with its rules, following `Marker` pagination.
   *
   * Rules being revoked are left out: they are on their way to absent.
   * @throws TransientError when the groups could not be read
   */
  listGroups(): Promise<CurrentGroup[]>;
}

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
    async apply(action, rule) {
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
          return Status.authorized;
        }
        await client.send(new RevokeClusterSecurityGroupIngressCommand(input));
        return Status.revoked;
      } catch (thrown) {
        const error = asAwsError(thrown);
        // Authorize and Revoke are idempotent through these two faults: the rule already is as asked.
        if (action === 'authorize' && error.name === 'AuthorizationAlreadyExistsFault')
          return Status.alreadyAuthorized;
        if (action === 'revoke' && error.name === 'AuthorizationNotFoundFault') return Status.alreadyRevoked;
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
