import type { Config } from '../config.js';
import type { DesiredState } from '../domain/desired-state.js';
import { requestMessageGroupId } from '../domain/message-group.js';
import { makePolicyCheck } from '../domain/policy.js';
import { type GroupPlan, planReconciliation, reconcileRequestId } from '../domain/reconcile-plan.js';
import { RECONCILER } from '../domain/reconcile-plan-v2.js';
import {
  type AnyReconciliationReport,
  countReport,
  countReportV2,
  type GroupReport,
} from '../domain/reconciliation-report.js';
import {
  type Action,
  describeTarget,
  formatProblems,
  type IngressRequest,
  type IngressTarget,
  validateRequest,
} from '../domain/request.js';
import { describeVpcSource } from '../domain/vpc.js';
import type { CurrentRules, LoggerPort, MessagePublisher, OutgoingMessage } from './ports.js';
import { reconcileVpcTargets, type VpcOutgoing, type VpcReconcilePorts } from './reconcile-vpc.js';

/** What a reconciliation run is built from. */
export interface ReconcileDeps {
  /** Where the rules the groups hold now are read. */
  readonly currentRules: CurrentRules;
  /** Where VPC targets are resolved and their groups' rules read and pruned; needed by a document with VPC targets. */
  readonly vpc?: VpcReconcilePorts;
  /** Where requests go; absent for a plan, which enqueues nothing. */
  readonly requests?: MessagePublisher;
  /** Where the report goes; absent when the caller prints it instead. */
  readonly results?: MessagePublisher;
  readonly config: Pick<Config, 'policy' | 'maxPrunePerRun'>;
  readonly logger: LoggerPort;
  readonly now?: () => Date;
}

/** Options of one run. */
export interface ReconcileOptions {
  /** Compute and report only: enqueue nothing, publish nothing. */
  readonly dryRun?: boolean;
}

/**
 * One reconciliation run: desired state in, report out (version 1 for a document of version 1, version 2
 * for one of version 2).
 */
export type Reconcile = (
  desired: DesiredState,
  options?: ReconcileOptions,
) => Promise<AnyReconciliationReport>;

export { RECONCILER };

/**
 * Makes the reconciler: reads the current rules, enqueues ordinary requests for what differs, and
 * publishes one report.
 *
 * Its requests pass the same policy as everyone's: one the policy would refuse is reported, not
 * enqueued, so a desired state can neither bypass the allowlist nor churn the queue every run.
 */
export function makeReconcile(deps: ReconcileDeps): Reconcile {
  const { currentRules, requests, results, config, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const checkPolicy = makePolicyCheck(config.policy);

  return async (desired, options = {}) => {
    const dryRun = options.dryRun === true || requests === undefined;
    const startedAt = now();
    // A document of VPC targets only never reads cluster security groups: an account that is VPC by
    // default (every current one) refuses DescribeClusterSecurityGroups.
    const current = desired.groups.length > 0 ? await currentRules.listGroups() : [];
    const plans = planReconciliation(desired, current, { maxPrunePerRun: config.maxPrunePerRun });

    const reports: GroupReport[] = [];
    const outgoing: {
      message: OutgoingMessage;
      report: GroupReport;
      entry: GroupReport['enqueued'][number];
    }[] = [];
    for (const plan of plans) {
      const report = groupReport(plan);
      reports.push(report);
      // Revokes first: a group at its 20-rule quota needs room before a missing rule fits.
      const changes: [Action, IngressTarget][] = [
        ...plan.toRevoke.map((target): [Action, IngressTarget] => ['revoke', target]),
        ...plan.toAuthorize.map((target): [Action, IngressTarget] => ['authorize', target]),
      ];
      for (const [action, target] of changes) {
        const request = reconcileRequest(plan.clusterSecurityGroupName, action, target);
        const refusal = checkPolicy(request);
        if (refusal) {
          report.errors.push(
            `${action} ${describeTarget(target)}: refused by ${refusal.rule}: ${refusal.message}`,
          );
          continue;
        }
        const message = toMessage(request);
        // The handler validates every body; one it would reject (a rule Redshift holds with host bits
        // set, say) is reported here rather than enqueued to fail again on every run.
        const validation = validateRequest(JSON.parse(message.body));
        if (!validation.ok) {
          report.errors.push(
            `${action} ${describeTarget(target)}: not enqueued: ${formatProblems(validation.problems)}`,
          );
          continue;
        }
        const entry = { requestId: request.requestId, action, target: { ...target } };
        (action === 'revoke' ? report.pruned : report.enqueued).push(entry);
        outgoing.push({ message, report, entry });
      }
    }

    const runId = `reconcile-${startedAt.toISOString()}`;
    let vpc: Awaited<ReturnType<typeof reconcileVpcTargets>> | undefined;
    if (desired.vpcTargets !== undefined) {
      if (deps.vpc === undefined) throw new TypeError('a desired state with VPC targets needs the VPC ports');
      vpc = await reconcileVpcTargets(desired.vpcTargets, {
        ports: deps.vpc,
        checkPolicy,
        dryRun,
        maxPrunePerRun: config.maxPrunePerRun,
        pruneLeft: config.maxPrunePerRun - plans.reduce((total, plan) => total + plan.toRevoke.length, 0),
        now,
        runId,
      });
    }
    const vpcOutgoing: readonly VpcOutgoing[] = vpc?.outgoing ?? [];

    if (!dryRun && outgoing.length + vpcOutgoing.length > 0) {
      const published = await (requests as MessagePublisher).publish([
        ...outgoing.map((item) => item.message),
        ...vpcOutgoing.map((item) => item.message),
      ]);
      for (const { message, report, entry } of outgoing) {
        const reason = published.failed.get(message.id);
        if (reason === undefined) continue;
        const list = entry.action === 'revoke' ? report.pruned : report.enqueued;
        list.splice(list.indexOf(entry), 1);
        report.errors.push(`${entry.action} ${describeTarget(entry.target)}: could not enqueue: ${reason}`);
      }
      for (const { message, report, entry } of vpcOutgoing) {
        const reason = published.failed.get(message.id);
        if (reason === undefined) continue;
        report.enqueued.splice(report.enqueued.indexOf(entry), 1);
        report.errors.push(`authorize ${describeVpcSource(entry.source)}: could not enqueue: ${reason}`);
      }
    }
    if (!dryRun && results !== undefined && vpc !== undefined && vpc.outcomes.length > 0) {
      // The outcomes of the prunes made by id, as the authorize function answers a revoke request.
      const published = await results.publish(vpc.outcomes);
      for (const [id, reason] of published.failed) {
        const target = vpc.reports.find((candidate) =>
          candidate.pruned.some((pruned) => id.endsWith(`/${pruned.requestId}`)),
        );
        target?.errors.push(`the outcome of ${id} could not be published: ${reason}`);
      }
    }

    const times = { runId, dryRun, startedAt: startedAt.toISOString(), finishedAt: now().toISOString() };
    const report: AnyReconciliationReport =
      vpc === undefined
        ? {
            type: 'reconciliation-report',
            version: 1,
            ...times,
            groups: reports,
            counts: countReport(reports),
          }
        : {
            type: 'reconciliation-report',
            version: 2,
            ...times,
            groups: reports,
            targets: vpc.reports,
            counts: countReportV2(reports, vpc.reports),
          };
    logger.info('Reconciliation finished', { runId: report.runId, dryRun, counts: report.counts });
    for (const group of reports) {
      if (group.errors.length > 0)
        logger.warn('Reconciliation left drift', {
          group: group.clusterSecurityGroupName,
          errors: group.errors,
        });
    }
    for (const target of vpc?.reports ?? []) {
      if (target.errors.length > 0 || target.refused.length > 0 || target.overLimit.length > 0)
        logger.warn('Reconciliation left drift', {
          target: `${target.section}.${target.name}`,
          errors: target.errors,
          refused: target.refused.length,
          overLimit: target.overLimit.length,
        });
    }

    if (!dryRun && results !== undefined) {
      const published = await results.publish([
        {
          id: report.runId,
          body: JSON.stringify(report),
          attributes: { type: report.type },
          groupId: 'reconciliation',
        },
      ]);
      const reason = published.failed.get(report.runId);
      // The requests are enqueued; only the report is missing, so the run fails loudly for the alarm.
      if (reason !== undefined) throw new Error(`could not publish the reconciliation report: ${reason}`);
    }
    return report;
  };
}

function groupReport(plan: GroupPlan): GroupReport {
  return {
    clusterSecurityGroupName: plan.clusterSecurityGroupName,
    exists: plan.exists,
    prune: plan.prune,
    missing: plan.missing.map((target) => ({ ...target })),
    extra: plan.extra.map((target) => ({ ...target })),
    enqueued: [],
    pruned: [],
    errors: [...plan.notes],
  };
}

function reconcileRequest(group: string, action: Action, target: IngressTarget): IngressRequest {
  return {
    version: 1,
    requestId: reconcileRequestId(group, action, target),
    action,
    rule: { clusterSecurityGroupName: group, ...target },
    requestedBy: RECONCILER,
    reason:
      action === 'revoke' ? 'not in the desired state (prune: true)' : 'in the desired state but missing',
  };
}

function toMessage(request: IngressRequest): OutgoingMessage {
  const { rule, ...rest } = request;
  return {
    id: request.requestId,
    body: JSON.stringify({ ...rest, ...rule }),
    attributes: { requestedBy: RECONCILER },
    // FIFO requests queues: one group's changes stay in order, and overlapping runs deduplicate.
    groupId: requestMessageGroupId(rule),
    deduplicationId: request.requestId,
  };
}
