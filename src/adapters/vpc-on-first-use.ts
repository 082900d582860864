import type { SecurityGroupRules, VpcTargets } from '../app/ports.js';
import { TransientError } from '../domain/errors.js';
import type { RedshiftClusters } from './redshift.js';
import type { VpcAdapters } from './vpc-adapters.js';

/** The ports of the VPC path, as the VPC backend takes them. */
export interface VpcPorts {
  readonly targets: VpcTargets;
  readonly rules: SecurityGroupRules;
}

/** The code of the TransientError every VPC call fails with while its adapters cannot be loaded. */
export const VPC_ADAPTERS_UNAVAILABLE = 'VpcAdaptersUnavailable';

/**
 * The VPC path's ports, whose EC2 and Redshift Serverless adapters are loaded by the first call that
 * needs them rather than at cold start.
 *
 * The EC2 client is the largest module the service could load (docs/benchmarks.md): a function that
 * serves cluster security groups only never loads it, and one that serves VPC targets loads it once per
 * container, with its first VPC request. `DescribeClusters` goes through the Redshift client the function
 * has loaded already. Calls made while the chunk loads wait for the same load.
 *
 * If loading fails, every waiting call fails with a TransientError (`VpcAdaptersUnavailable`, naming
 * the cause), so its request is retried, and the next call tries again.
 *
 * @param load imports the adapters and builds them, e.g. with a dynamic `import()`
 * @param clusters the Redshift cluster reader over the client already loaded
 */
export function loadVpcPortsOnFirstUse(
  load: () => Promise<VpcAdapters>,
  clusters: RedshiftClusters,
): VpcPorts {
  let loading: Promise<VpcAdapters> | undefined;
  const adapters = (): Promise<VpcAdapters> => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      const reason = error instanceof Error ? error.message : String(error);
      throw new TransientError(
        VPC_ADAPTERS_UNAVAILABLE,
        `the EC2 and Redshift Serverless adapters could not be loaded: ${reason}`,
        { cause: error },
      );
    });
    return loading;
  };
  return {
    targets: {
      describeCluster: (clusterIdentifier) => clusters.describeCluster(clusterIdentifier),
      getWorkgroup: async (workgroupName) => (await adapters()).workgroups.getWorkgroup(workgroupName),
      describeGroups: async (securityGroupIds) => (await adapters()).ec2.describeGroups(securityGroupIds),
    },
    rules: {
      authorize: async (permission, requestId) => (await adapters()).ec2.authorize(permission, requestId),
      revoke: async (permission) => (await adapters()).ec2.revoke(permission),
      revokeRule: async (securityGroupId, ruleId) =>
        (await adapters()).ec2.revokeRule(securityGroupId, ruleId),
      listRules: async (securityGroupId) => (await adapters()).ec2.listRules(securityGroupId),
    },
  };
}
