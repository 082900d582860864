import {
  AuthorizeClusterSecurityGroupIngressCommand,
  type Cluster,
  DescribeClusterSecurityGroupsCommand,
  type DescribeClusterSecurityGroupsCommandOutput,
  DescribeClustersCommand,
  type RedshiftClient,
  RevokeClusterSecurityGroupIngressCommand,
} from '@aws-sdk/client-redshift';
import type { CurrentRules, RuleBackend } from '../app/ports.js';
import { RejectedError, TransientError } from '../domain/errors.js';
import { Status } from '../domain/outcome.js';
import type { CurrentGroup } from '../domain/reconcile-plan.js';
import type { IngressRule, IngressTarget } from '../domain/request.js';
import type { ResolvedTarget } from '../domain/vpc.js';
import { type AwsErrorLike, asAwsError, describeTransient } from './aws-error.js';

/**
 * The cluster security groups of Redshift behind the use cases' ports: the backend that applies rule
 * changes (Authorize/RevokeClusterSecurityGroupIngress, idempotent through the `already-*` statuses) and
 * the reader of the current rules (DescribeClusterSecurityGroups, following `Marker` pagination; rules
 * being revoked are left out, as they are on their way to absent).
 */
export type RedshiftIngress = RuleBackend & CurrentRules;

/** The Redshift cluster reads the VPC path needs, with SDK errors already classified. */
export interface RedshiftClusters {
  /**
   * Reads a provisioned cluster's VPC security groups and endpoint port.
   *
   * @throws RejectedError when the cluster does not exist
   * @throws TransientError when it may be read later, or the cluster has no endpoint yet
   */
  describeCluster(clusterIdentifier: string): Promise<ResolvedTarget>;
}

/** The code of a cluster security group call refused because the account is VPC-by-default. */
export const CLUSTER_SECURITY_GROUPS_UNAVAILABLE = 'ClusterSecurityGroupsUnavailable';

/** AWS's answer to any cluster security group call on a VPC-by-default account (every current one). */
const VPC_BY_DEFAULT_MESSAGE = 'VPC-by-Default customers cannot use cluster security groups';

/** Whether Redshift refused a cluster security group call because the account has no EC2-Classic. */
function isVpcByDefaultRefusal(error: AwsErrorLike): boolean {
  return error.name === 'InvalidParameterValue' && error.message.includes(VPC_BY_DEFAULT_MESSAGE);
}

function clusterSecurityGroupsUnavailable(error: AwsErrorLike, thrown: unknown): RejectedError {
  return new RejectedError(
    CLUSTER_SECURITY_GROUPS_UNAVAILABLE,
    `this account cannot use cluster security groups (they govern only EC2-Classic clusters, which AWS retired): send a clusterIdentifier or workgroupName request instead, which changes the cluster's or workgroup's VPC security group: ${error.message}`,
    { cause: thrown },
  );
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
        if (isVpcByDefaultRefusal(error)) throw clusterSecurityGroupsUnavailable(error, thrown);
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
          const error = asAwsError(thrown);
          // Retrying cannot help an account without EC2-Classic: say so instead of failing every run.
          if (isVpcByDefaultRefusal(error)) throw clusterSecurityGroupsUnavailable(error, thrown);
          const transient = describeTransient(error);
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

/** Creates the cluster reader over a client, beside {@link createRedshiftIngress} for the VPC path. */
export function createRedshiftClusters(client: RedshiftClient): RedshiftClusters {
  return {
    async describeCluster(clusterIdentifier) {
      let cluster: Cluster | undefined;
      try {
        const output = await client.send(
          new DescribeClustersCommand({ ClusterIdentifier: clusterIdentifier }),
        );
        cluster = output.Clusters?.[0];
      } catch (thrown) {
        const error = asAwsError(thrown);
        if (error.name === 'ClusterNotFoundFault' || error.name === 'ClusterNotFound') {
          throw new RejectedError(
            error.name,
            `cluster "${clusterIdentifier}" does not exist in this account and region: ${error.message}`,
            { cause: thrown },
          );
        }
        if (REJECTIONS[error.name] !== undefined) {
          throw new RejectedError(
            error.name,
            `Redshift refused cluster "${clusterIdentifier}": ${error.message}`,
            {
              cause: thrown,
            },
          );
        }
        const transient = describeTransient(error);
        throw new TransientError(
          transient.code,
          `cannot read cluster "${clusterIdentifier}": ${transient.message}`,
          { cause: thrown },
        );
      }
      const port = cluster?.Endpoint?.Port;
      if (cluster === undefined || port === undefined) {
        // A cluster being created has no endpoint yet, so the port to open is not known.
        throw new TransientError(
          'ClusterEndpointUnavailable',
          `cluster "${clusterIdentifier}" has no endpoint yet (status ${cluster?.ClusterStatus ?? 'unknown'})`,
        );
      }
      return {
        // A group being removed from the cluster no longer guards it.
        securityGroupIds: (cluster.VpcSecurityGroups ?? []).flatMap((group) =>
          group.VpcSecurityGroupId && group.Status !== 'removing' ? [group.VpcSecurityGroupId] : [],
        ),
        port,
      };
    },
  };
}
