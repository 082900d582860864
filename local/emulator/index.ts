import type { AddressInfo } from 'node:net';
import type { AdminTarget } from './admin.js';
import { FaultInjector, type FaultRule } from './faults.js';
import { type ClusterSecurityGroupSnapshot, RedshiftService } from './redshift.js';
import { createEmulatorServer } from './server.js';
import { type SfnCall, SfnService, type TaskTokenState } from './sfn.js';
import { SqsService } from './sqs.js';

export type { FaultEvent, FaultKind, FaultRule, FaultStats, ServiceName } from './faults.js';
export { FaultInjector } from './faults.js';
export type { ClusterSecurityGroupSnapshot, Ec2SecurityGroupRef } from './redshift.js';
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
  /** Sets the state of a Step Functions task token (what `POST /_emulator/sfn/tokens` does). */
  setTaskTokenState(token: string, state: TaskTokenState): void;
  /** Clears all state: queues, groups, recorded calls, stats and fault rules. */
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
  const redshift = new RedshiftService({ transitionMs: options.redshiftTransitionMs ?? 0 });
  const sfn = new SfnService();

  const reset = (): void => {
    sqs.reset();
    redshift.reset();
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
    state: () => ({ queues: sqs.snapshot(), clusterSecurityGroups: redshift.groups() }),
  };
  const server = createEmulatorServer({ sqs, redshift, sfn, faults, admin, calls, signal: lifetime.signal });

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
