import type { AddressInfo } from 'node:net';
import type { AdminTarget } from './admin.js';
import { type Ec2SecurityGroupSeed, type Ec2SecurityGroupSnapshot, Ec2Service } from './ec2.js';
import { FaultInjector, type FaultRule } from './faults.js';
import {
  type ClusterSecurityGroupSnapshot,
  type ClusterSeed,
  type ClusterSnapshot,
  RedshiftService,
} from './redshift.js';
import {
  RedshiftServerlessService,
  type WorkgroupSeed,
  type WorkgroupSnapshot,
} from './redshift-serverless.js';
import { createEmulatorServer } from './server.js';
import { type SfnCall, SfnService, type TaskTokenState } from './sfn.js';
import { SqsService } from './sqs.js';

export type {
  Ec2RuleSnapshot,
  Ec2RuleSource,
  Ec2SecurityGroupSeed,
  Ec2SecurityGroupSnapshot,
} from './ec2.js';
export type { FaultEvent, FaultKind, FaultRule, FaultStats, ServiceName } from './faults.js';
export { FaultInjector } from './faults.js';
export type {
  ClusterSecurityGroupSnapshot,
  ClusterSeed,
  ClusterSnapshot,
  Ec2SecurityGroupRef,
} from './redshift.js';
export type { WorkgroupSeed, WorkgroupSnapshot } from './redshift-serverless.js';
export type { SfnCall, SfnOperation, TaskTokenState } from './sfn.js';
export { md5OfBody, md5OfMessageAttributes } from './sqs-checksums.js';

/** Options of {@link startEmulator}. */
export interface EmulatorOptions {
  /** Port to listen on; 0 picks a free one. Default 4566. */
  port?: number;
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** Region in ARNs. Default us-east-1. */
  region?: string;
  /** Account id in queue URLs and ARNs. Default 000000000000. */
  accountId?: string;
  /** Seed of the fault-injection PRNG. Default 1. */
  seed?: number;
  /** Fault rules active from the start. */
  faults?: FaultRule[];
  /**
   * Milliseconds a Redshift rule shows `authorizing` / `revoking` before it settles (changes to it meanwhile
   * get InvalidClusterSecurityGroupState). Default 0: every change applies at once.
   */
  redshiftTransitionMs?: number;
  /**
   * Model a VPC-by-default account, as every current AWS account is: the cluster security group calls
   * answer `InvalidParameterValue` "VPC-by-Default customers cannot use cluster security groups".
   * Default false (the EC2-Classic model the v1 requests need).
   */
  vpcByDefault?: boolean;
}

/** A running emulator: its address, fault injector, recorded calls and in-process helpers. */
export interface Emulator {
  /** Base URL, e.g. `http://127.0.0.1:45123`, to pass as the SDK clients' `endpoint`. */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** Seeded fault injection: `setRules`, `clear`, `stats`, `history`. */
  readonly faults: FaultInjector;
  /** Accepted Step Functions calls, oldest first (a copy). */
  readonly sfnCalls: ReadonlyArray<SfnCall>;
  /** Requests received per `service.Operation`, e.g. `sqs.SendMessageBatch` (a copy). */
  readonly stats: { calls: Record<string, number> };
  /** A copy of every cluster security group with its rules, sorted by name. */
  redshiftGroups(): ClusterSecurityGroupSnapshot[];
  /** A copy of every VPC security group with its rules (egress included), in creation order. */
  securityGroups(): Ec2SecurityGroupSnapshot[];
  /** Creates a VPC security group (what `POST /_emulator/ec2/security-groups` does). */
  createSecurityGroup(seed?: Ec2SecurityGroupSeed): Ec2SecurityGroupSnapshot;
  /** Creates a provisioned cluster whose VPC security groups exist (`POST /_emulator/redshift/clusters`). */
  createCluster(seed: ClusterSeed): ClusterSnapshot;
  /** Creates a Serverless workgroup whose security groups exist (`POST /_emulator/redshift-serverless/workgroups`). */
  createWorkgroup(seed: WorkgroupSeed): WorkgroupSnapshot;
  /** Switches the account between VPC-by-default and EC2-Classic (`PUT /_emulator/account`). */
  setVpcByDefault(vpcByDefault: boolean): void;
  /** Sets the state of a Step Functions task token (what `POST /_emulator/sfn/tokens` does). */
  setTaskTokenState(token: string, state: TaskTokenState): void;
  /** Clears all state: queues, groups, clusters, workgroups, recorded calls, stats and fault rules (not the account mode). */
  reset(): void;
  /** Closes the server, ending pending long polls at once; later calls return the same promise. */
  close(): Promise<void>;
}

/** Starts the emulator on `host:port` and resolves once it listens. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const host = options.host ?? '127.0.0.1';
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const faults = new FaultInjector(options.seed ?? 1, options.faults ?? []);
  const lifetime = new AbortController();
  const calls: Record<string, number> = {};
  let url = '';
  const sqs = new SqsService({ region, accountId, baseUrl: () => url });
  const redshift = new RedshiftService({
    transitionMs: options.redshiftTransitionMs ?? 0,
    vpcByDefault: options.vpcByDefault ?? false,
    region,
  });
  const redshiftServerless = new RedshiftServerlessService({ region, accountId });
  const ec2 = new Ec2Service({ region, accountId });
  const sfn = new SfnService();
  // A cluster or workgroup names security groups that must exist, as AWS checks on creation.
  const checkGroupsExist = (field: string, ids: readonly string[]): void => {
    const missing = ids.filter((id) => !ec2.hasGroup(id));
    if (missing.length > 0) throw new TypeError(`${field}: no such security group ${missing.join(', ')}`);
  };
  const createCluster = (seed: ClusterSeed): ClusterSnapshot => {
    checkGroupsExist('vpcSecurityGroupIds', seed.vpcSecurityGroupIds);
    return redshift.createCluster(seed);
  };
  const createWorkgroup = (seed: WorkgroupSeed): WorkgroupSnapshot => {
    checkGroupsExist('securityGroupIds', seed.securityGroupIds);
    return redshiftServerless.createWorkgroup(seed);
  };

  const reset = (): void => {
    sqs.reset();
    redshift.reset();
    redshiftServerless.reset();
    ec2.reset();
    sfn.reset();
    faults.clear();
    for (const key of Object.keys(calls)) delete calls[key];
  };
  const admin: AdminTarget = {
    get url() {
      return url;
    },
    region,
    accountId,
    faults,
    sfn,
    reset,
    stats: () => ({ calls: { ...calls } }),
    state: () => ({
      queues: sqs.snapshot(),
      clusterSecurityGroups: redshift.groups(),
      securityGroups: ec2.groups(),
      clusters: redshift.clusters(),
      workgroups: redshiftServerless.workgroups(),
      vpcByDefault: redshift.vpcByDefault,
    }),
    createSecurityGroup: (seed) => ec2.createGroup(seed),
    createCluster,
    createWorkgroup,
    setVpcByDefault: (value) => redshift.setVpcByDefault(value),
    get vpcByDefault() {
      return redshift.vpcByDefault;
    },
  };
  const server = createEmulatorServer({
    sqs,
    redshift,
    redshiftServerless,
    ec2,
    sfn,
    faults,
    admin,
    calls,
    signal: lifetime.signal,
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 4566, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url,
    port,
    faults,
    get sfnCalls() {
      return sfn.calls;
    },
    get stats() {
      return { calls: { ...calls } };
    },
    redshiftGroups: () => redshift.groups(),
    securityGroups: () => ec2.groups(),
    createSecurityGroup: (seed) => ec2.createGroup(seed),
    createCluster,
    createWorkgroup,
    setVpcByDefault: (value) => redshift.setVpcByDefault(value),
    setTaskTokenState: (token, state) => sfn.setTokenState(token, state),
    reset,
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        lifetime.abort();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        // Long polls answered on abort still need a moment to flush; idle keep-alive sockets go now.
        server.closeIdleConnections();
        setImmediate(() => server.closeAllConnections());
      });
      return closing;
    },
  };
}
