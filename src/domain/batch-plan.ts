import type { Action } from './request.js';

/** What planning needs to know of one record of a batch. */
export interface PlanItem {
  /** The cluster security group the record changes, if it is a valid request that reaches the API. */
  readonly group?: string;
  /** The FIFO message group of the record, if the queue is FIFO. */
  readonly messageGroupId?: string;
  /** The API call the record needs: its action and target key; absent when no call is needed. */
  readonly call?: { readonly action: Action; readonly target: string };
}

/** How a batch runs: partitions run one record after another, in parallel with each other. */
export interface BatchPlan {
  /** Record indices per partition, each in arrival order; partitions ordered by their first record. */
  readonly partitions: readonly (readonly number[])[];
  /** Per record, the index of the API call it shares with identical requests, or undefined. */
  readonly callOf: readonly (number | undefined)[];
  /** How many distinct API calls the batch needs at most. */
  readonly callCount: number;
}

/**
 * Plans a batch: which records must run in order, and which identical requests share one API call.
 *
 * Records that share a cluster security group, or a FIFO message group, land in one partition (the
 * connected components of both relations), so order holds per group and FIFO stop-after-failure can
 * see every later record of its message group. Identical requests share a call unless another action
 * on the same target arrived between them.
 */
export function planBatch(items: readonly PlanItem[]): BatchPlan {
  const parent = items.map((_, index) => index);
  const find = (index: number): number => {
    let root = index;
    while (parent[root] !== root) root = parent[root] as number;
    // Path compression keeps later finds flat.
    for (let node = index; parent[node] !== root; ) {
      const next = parent[node] as number;
      parent[node] = root;
      node = next;
    }
    return root;
  };
  const union = (a: number, b: number): void => {
    const rootA = find(a);
    const rootB = find(b);
    // The lower index stays the root so partitions keep their first record as representative.
    if (rootA < rootB) parent[rootB] = rootA;
    else if (rootB < rootA) parent[rootA] = rootB;
  };

  const firstByKey = new Map<string, number>();
  const link = (key: string, index: number): void => {
    const first = firstByKey.get(key);
    if (first === undefined) firstByKey.set(key, index);
    else union(first, index);
  };

  const openCalls = new Map<string, { action: Action; call: number }>();
  const callOf: (number | undefined)[] = [];
  let callCount = 0;
  items.forEach((item, index) => {
    // Redshift compares group names without regard to case, so ordering does too.
    if (item.group !== undefined) link(`group:${item.group.toLowerCase()}`, index);
    if (item.messageGroupId !== undefined) link(`fifo:${item.messageGroupId}`, index);
    if (item.call === undefined || item.group === undefined) {
      callOf.push(undefined);
      return;
    }
    // The same case-insensitive name as ordering uses, or a revoke between could be coalesced over.
    const key = `${item.group.toLowerCase()}\n${item.call.target}`;
    const open = openCalls.get(key);
    if (open !== undefined && open.action === item.call.action) {
      callOf.push(open.call);
      return;
    }
    openCalls.set(key, { action: item.call.action, call: callCount });
    callOf.push(callCount);
    callCount += 1;
  });

  const partitionsByRoot = new Map<number, number[]>();
  items.forEach((_, index) => {
    const root = find(index);
    const partition = partitionsByRoot.get(root);
    if (partition) partition.push(index);
    else partitionsByRoot.set(root, [index]);
  });
  return { partitions: [...partitionsByRoot.values()], callOf, callCount };
}
