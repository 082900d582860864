import { EC2Client } from '@aws-sdk/client-ec2';
import { RedshiftClient } from '@aws-sdk/client-redshift';
import { RedshiftServerlessClient } from '@aws-sdk/client-redshift-serverless';
import { createEc2Ingress } from '../../src/adapters/ec2.js';
import { createRedshiftClusters } from '../../src/adapters/redshift.js';
import { createRedshiftServerlessWorkgroups } from '../../src/adapters/redshift-serverless.js';
import type { RuleBackend } from '../../src/app/ports.js';
import { makeVpcBackend } from '../../src/app/vpc-backend.js';
import type { VpcIngressRule } from '../../src/domain/request-v2.js';

/** A VPC backend for tests that send no VPC request: any call fails the test loudly. */
export const unusedVpcBackend: RuleBackend<VpcIngressRule> = {
  apply: () => Promise.reject(new Error('this test sends no request on a VPC target')),
};

/**
 * The VPC backend over the real adapters, their clients built here (mock them with aws-sdk-client-mock,
 * or point `endpoint` at the emulator or moto).
 */
export function realVpcBackend(
  config: {
    region?: string;
    endpoint?: string;
    credentials?: { accessKeyId: string; secretAccessKey: string };
  } = {
    region: 'us-east-1',
  },
): RuleBackend<VpcIngressRule> {
  const clusters = createRedshiftClusters(new RedshiftClient(config));
  const workgroups = createRedshiftServerlessWorkgroups(new RedshiftServerlessClient(config));
  const ec2 = createEc2Ingress(new EC2Client(config));
  return makeVpcBackend({
    targets: {
      describeCluster: (id) => clusters.describeCluster(id),
      getWorkgroup: (name) => workgroups.getWorkgroup(name),
      describeGroups: (ids) => ec2.describeGroups(ids),
    },
    rules: ec2,
  });
}
