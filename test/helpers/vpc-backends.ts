import {
  CreateSecurityGroupCommand,
  CreateVpcCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { CreateClusterCommand, RedshiftClient } from '@aws-sdk/client-redshift';
import type { Emulator } from '../../local/emulator/index.js';
import type { MotoServer } from './moto.js';

/** A backend the VPC adapter suites run against: the embedded emulator or moto. */
export interface VpcBackend {
  /** `emulator` or `moto`, for the few places where they differ (each commented where asserted). */
  readonly kind: 'emulator' | 'moto';
  readonly ec2: EC2Client;
  readonly redshift: RedshiftClient;
  /** Creates a security group in a non-default VPC (or the default one), with tags, and returns its id. */
  createGroup(options?: { tags?: Record<string, string>; defaultVpc?: boolean }): Promise<string>;
  /** Creates a provisioned cluster with these VPC security groups and port. */
  createCluster(clusterIdentifier: string, vpcSecurityGroupIds: string[], port?: number): Promise<void>;
  /** Forgets every resource, so each test starts from nothing. */
  reset(): Promise<void>;
  /** Destroys the clients. */
  destroy(): void;
}

const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

function clients(endpoint: string): { ec2: EC2Client; redshift: RedshiftClient } {
  // One attempt: a retried call would hide which answer the backend gave.
  const config = { endpoint, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 };
  return { ec2: new EC2Client(config), redshift: new RedshiftClient(config) };
}

/** The embedded emulator as a VPC backend, seeded through its in-process API. */
export function emulatorBackend(emulator: Emulator): VpcBackend {
  const { ec2, redshift } = clients(emulator.url);
  return {
    kind: 'emulator',
    ec2,
    redshift,
    createGroup: async (options = {}) =>
      emulator.createSecurityGroup({
        ...(options.tags && { tags: options.tags }),
        ...(options.defaultVpc && { defaultVpc: true }),
      }).groupId,
    createCluster: async (clusterIdentifier, vpcSecurityGroupIds, port) => {
      emulator.createCluster({ clusterIdentifier, vpcSecurityGroupIds, ...(port !== undefined && { port }) });
    },
    reset: async () => emulator.reset(),
    destroy: () => {
      ec2.destroy();
      redshift.destroy();
    },
  };
}

/** moto as a VPC backend, seeded with real EC2 and Redshift calls (CreateVpc, CreateSecurityGroup, CreateCluster). */
export function motoBackend(moto: MotoServer): VpcBackend {
  const { ec2, redshift } = clients(moto.url);
  let vpcId: string | undefined;
  let groups = 0;
  return {
    kind: 'moto',
    ec2,
    redshift,
    createGroup: async (options = {}) => {
      let inVpc: string | undefined;
      if (options.defaultVpc) {
        const { Vpcs } = await ec2.send(
          new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }),
        );
        inVpc = Vpcs?.[0]?.VpcId;
      } else {
        if (vpcId === undefined) {
          const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }));
          vpcId = Vpc?.VpcId;
        }
        inVpc = vpcId;
      }
      groups += 1;
      const tags = Object.entries(options.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
      const { GroupId } = await ec2.send(
        new CreateSecurityGroupCommand({
          GroupName: `redshift-ingress-test-${groups}`,
          Description: 'redshift-ingress test group',
          VpcId: inVpc,
          ...(tags.length > 0 && { TagSpecifications: [{ ResourceType: 'security-group', Tags: tags }] }),
        }),
      );
      if (GroupId === undefined) throw new Error('moto returned no GroupId');
      return GroupId;
    },
    createCluster: async (clusterIdentifier, vpcSecurityGroupIds, port) => {
      await redshift.send(
        new CreateClusterCommand({
          ClusterIdentifier: clusterIdentifier,
          NodeType: 'ra3.xlplus',
          MasterUsername: 'admin',
          MasterUserPassword: 'Passw0rd-for-tests',
          VpcSecurityGroupIds: vpcSecurityGroupIds,
          ...(port !== undefined && { Port: port }),
        }),
      );
    },
    reset: async () => {
      await moto.reset();
      vpcId = undefined;
      groups = 0;
    },
    destroy: () => {
      ec2.destroy();
      redshift.destroy();
    },
  };
}
