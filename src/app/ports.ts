// The ports of the use cases: every operation src/app needs from the outside world, in the use cases'
// words and types. Adapters (src/adapters) implement them; handlers/, local/ and cli/ wire an adapter to
// each port. Nothing here names an AWS service, so a new backend is one more adapter, not an edit here.
import type { SuccessStatus } from '../domain/outcome.js';
import type { CurrentGroup } from '../domain/reconcile-plan.js';
import type { Action, IngressRule } from '../domain/request.js';
import type { VpcIngressRule } from '../domain/request-v2.js';
import type {
  ResolvedTarget,
  VpcApplyResult,
  VpcPermission,
  VpcRule,
  VpcSecurityGroup,
} from '../domain/vpc.js';

/** One rule change a request asks for: open or close one source on one target. */
export interface RuleChange<Rule = IngressRule> {
  readonly action: Action;
  readonly rule: Rule;
  /**
   * The request the change is made for (the first, when identical requests share the change), for
   * backends that label what they create with it.
   */
  readonly requestId: string;
}

/** What a backend resolved while applying a change, reported in the outcome's rule beside the request's own fields. */
export interface ResolvedRule {
  /** The VPC security group the target resolved to. */
  readonly securityGroupId?: string;
  /** The port the rule opens, when the target chose it. */
  readonly port?: number;
  /** The id the provider gave the rule, where it returned one. */
  readonly securityGroupRuleId?: string;
}

/** What applying a rule change achieved. */
export interface AppliedChange {
  /** The rule is now as asked: applied, or already so (`already-*`). */
  readonly status: SuccessStatus;
  /** What the backend resolved on the way, if anything. */
  readonly resolved?: ResolvedRule;
}

/**
 * What lives for one batch and no longer: a backend that must look something up per target (a cluster's
 * security groups) does it once per batch through {@link BatchScope.once}, and a redelivery looks again.
 */
export interface BatchScope {
  /**
   * The result of `resolve` for `key`, computed by the first caller in this batch and shared with the
   * rest, whether it fulfils or rejects.
   */
  once<T>(key: string, resolve: () => Promise<T>): Promise<T>;
}

/** Applies rule changes to one kind of target; the only place that knows the provider's errors. */
export interface RuleBackend<Rule = IngressRule> {
  /**
   * Applies one rule change idempotently.
   *
   * @param batch the scope of the batch the change belongs to, for lookups shared within it
   * @throws RejectedError when the change can never succeed as asked
   * @throws TransientError when it may succeed later
   */
  apply(change: RuleChange<Rule>, batch: BatchScope): Promise<AppliedChange>;
}

/**
 * The kinds of target a request can name; each is served by a backend of its own: cluster security
 * groups (request v1, and v2's `clusterSecurityGroupName`), and VPC security groups (v2's
 * `clusterIdentifier`, `workgroupName` and `securityGroupId`).
 */
export const TargetKind = {
  clusterSecurityGroup: 'clusterSecurityGroup',
  vpcSecurityGroup: 'vpcSecurityGroup',
} as const;
/** The kinds of target a request can name. */
export type TargetKind = (typeof TargetKind)[keyof typeof TargetKind];

/** The rule each kind of target's backend is given. */
export interface TargetKindRules {
  readonly clusterSecurityGroup: IngressRule;
  readonly vpcSecurityGroup: VpcIngressRule;
}

/** The backend of every kind of target: the batch processor picks one per request. */
export type RuleBackends = { readonly [kind in TargetKind]: RuleBackend<TargetKindRules[kind]> };

/** Reads what a VPC target stands for: a cluster's or workgroup's security groups and port, a group's tags. */
export interface VpcTargets {
  /**
   * Reads a provisioned cluster's VPC security groups and endpoint port.
   *
   * @throws RejectedError when the cluster does not exist
   * @throws TransientError when it may be read later
   */
  describeCluster(clusterIdentifier: string): Promise<ResolvedTarget>;
  /**
   * Reads a Serverless workgroup's VPC security groups and port.
   *
   * @throws RejectedError when the workgroup does not exist or its name is invalid
   * @throws TransientError when it may be read later
   */
  getWorkgroup(workgroupName: string): Promise<ResolvedTarget>;
  /**
   * Describes security groups with their tags, in the order asked.
   *
   * @throws RejectedError when a group does not exist or an id is malformed
   * @throws TransientError when the groups could not be read
   */
  describeGroups(securityGroupIds: readonly string[]): Promise<VpcSecurityGroup[]>;
}

/** Changes and lists the inbound rules of VPC security groups, one permission with one source per call. */
export interface SecurityGroupRules {
  /**
   * Authorizes one permission, labelled as managed by the service and by the request.
   *
   * @returns `authorized` with the new rule's id, or `already-authorized` when the rule exists
   * @throws RejectedError when the change can never succeed as asked
   * @throws TransientError when it may succeed later
   */
  authorize(permission: VpcPermission, requestId: string): Promise<VpcApplyResult>;
  /**
   * Revokes one permission: `revoked` only when the provider says it removed a rule.
   *
   * @throws RejectedError when the change can never succeed as asked
   * @throws TransientError when it may succeed later
   */
  revoke(permission: VpcPermission): Promise<VpcApplyResult>;
  /**
   * Revokes one rule by its id.
   *
   * @throws RejectedError when the change can never succeed as asked
   * @throws TransientError when it may succeed later
   */
  revokeRule(securityGroupId: string, securityGroupRuleId: string): Promise<VpcApplyResult>;
  /**
   * Lists a group's inbound rules with their tags.
   *
   * @throws TransientError when the rules could not be read
   */
  listRules(securityGroupId: string): Promise<VpcRule[]>;
}

/** Lists the rules the targets hold now, for reconciliation. */
export interface CurrentRules {
  /**
   * Lists every cluster security group with the rules it holds now.
   *
   * @throws TransientError when they could not be read
   */
  listGroups(): Promise<CurrentGroup[]>;
}

/** One message to send: an id unique within the call, the body and string attributes. */
export interface OutgoingMessage {
  readonly id: string;
  readonly body: string;
  readonly attributes?: Readonly<Record<string, string>>;
  /** FIFO queues only: the message group; defaults to `default`. */
  readonly groupId?: string;
  /** FIFO queues only: the deduplication id; defaults to the message id. */
  readonly deduplicationId?: string;
  /**
   * The body to send instead, once, when SQS refuses this one as the sender's fault (`SenderFault: true`
   * in `Failed[]`); given SQS's code and message.
   */
  readonly fallback?: (reason: string) => string;
}

/** What became of a publish: the ids that were not accepted, each with the last reason. */
export interface PublishReport {
  readonly failed: ReadonlyMap<string, string>;
  /**
   * The failed ids SQS refused as the sender's fault (and their fallback, if any): permanent, since the
   * same message fails the same way, unlike an outage.
   */
  readonly refused: ReadonlySet<string>;
  /** How many send calls were made. */
  readonly calls: number;
}

/** Publishes messages (outcomes, requests, reports) to one queue, saying of each whether it was accepted. */
export interface MessagePublisher {
  /** Sends every message, retrying what may succeed on a retry; never throws. */
  publish(messages: readonly OutgoingMessage[]): Promise<PublishReport>;
}

/** A received record whose next delivery is to be delayed. */
export interface VisibilityChange {
  readonly id: string;
  readonly receiptHandle: string;
  readonly seconds: number;
}

/** Defers records: they stay invisible for a while before their queue delivers them again; never throws. */
export interface VisibilityController {
  /** @returns the ids whose delivery could not be deferred */
  defer(queueUrl: string, changes: readonly VisibilityChange[]): Promise<ReadonlySet<string>>;
}

/** What became of an answer to a task: delivered, or the task no longer waits (timed out, closed, unknown). */
export type CallbackResult =
  | { readonly delivered: true }
  | { readonly delivered: false; readonly reason: string };

/** Answers workflow tasks that wait for a request's task token. */
export interface TaskCallbacks {
  /**
   * Reports success with the output of the task (a JSON document).
   *
   * @throws TransientError when the workflow service could not be reached; the task still waits
   */
  succeed(taskToken: string, output: string): Promise<CallbackResult>;
  /**
   * Reports failure with an error code and a cause.
   *
   * @throws TransientError when the workflow service could not be reached; the task still waits
   */
  fail(taskToken: string, error: string, cause: string): Promise<CallbackResult>;
}

/** Structured logging, as Powertools Logger offers it. */
export interface LoggerPort {
  debug(message: string, ...extra: Record<string, unknown>[]): void;
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

/** Counters, written in Lambda as CloudWatch metrics. */
export interface MetricsPort {
  addMetric(name: string, unit: 'Count', value: number): void;
}

/** A logger that drops everything, for tests and tools that do not log. */
export const silentLogger: LoggerPort = { debug() {}, info() {}, warn() {}, error() {} };
