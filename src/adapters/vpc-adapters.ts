import { EC2Client, type EC2ClientConfig } from '@aws-sdk/client-ec2';
import { RedshiftServerlessClient } from '@aws-sdk/client-redshift-serverless';
import { createEc2Ingress, type Ec2Ingress } from './ec2.js';
import {
  createRedshiftServerlessWorkgroups,
  type RedshiftServerlessWorkgroups,
} from './redshift-serverless.js';

/** The adapters of the VPC path that need clients of their own: EC2 security groups and Serverless workgroups. */
export interface VpcAdapters {
  readonly ec2: Ec2Ingress;
  readonly workgroups: RedshiftServerlessWorkgroups;
}

/** The client settings both clients share (region, endpoint, logger). */
export type VpcClientConfig = Pick<
  EC2ClientConfig,
  'logger' | 'region' | 'endpoint' | 'credentials' | 'maxAttempts'
>;

/**
 * The EC2 and Redshift Serverless adapters over clients of their own: what the authorize function
 * imports with its first VPC request, so a function serving cluster security groups never loads them.
 */
export function createVpcAdapters(config: VpcClientConfig = {}): VpcAdapters {
  return {
    ec2: createEc2Ingress(new EC2Client(config)),
    workgroups: createRedshiftServerlessWorkgroups(new RedshiftServerlessClient(config)),
  };
}
