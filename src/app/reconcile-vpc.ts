import type { DesiredVpcTarget } from '../domain/desired-state.js';
import { MAX_VPC_RULES_PER_GROUP } from '../domain/desired-state-schema.js';
import { RejectedError, TransientError } from '../domain/errors.js';
import { requestMessageGroupId } from '../domain/message-group.js';
import { Status } from '../domain/outcome.js';
import { type OutcomeV2, outcomeRuleV2 } from '../domain/outcome-v2.js';
import type { PolicyRefusal } from '../domain/policy.js';
import {
  budgetRules,
  planVpcTarget,
  RECONCILER,
  requestV2Body,
  vpcReconcileRequest,
} from '../domain/reconcile-plan-v2.js';
import type { VpcTargetReport } from '../domain/reconciliation-report.js';
import { formatProblems } from '../domain/request.js';
import type { IngressRequestV2 } from '../domain/request-v2.js';
import { validateRequestV2 } from '../domain/request-v2.js';
import { makeSqsSafeDeep } from '../domain/sqs-text.js';
import { isManaged, type VpcRule } from '../domain/vpc.js';
import { asClassifiedError } from './classified-error.js';
import type { OutgoingMessage, SecurityGroupRules } from './ports.js';
import { resolveVpcTarget, type VpcTargetPorts } from './resolve-vpc-target.js';

// Reconciling the VPC targets of a desired state v2: each target is resolved as the request path resolves
// it, its group's inbound rules are read, and the pure diff (reconcile-plan-v2.ts) says what is missing,
// extra and prunable. Missing rules become ordinary request v2 messages, so the authorize function applies
// them with its policy, retries and outcomes. Pruning revokes by rule id here, before the authorizes are
// budgeted: an id names exactly the rule that was listed (a revoke re-stated by properties would not), and
// the room it frees is then known, not hoped for from a queue that may deliver out of order. Each prune is
// policy-checked and answered with an outcome v2 on the results queue, as a revoke request would be.

/** The ports the VPC part of a reconciliation reads and changes through. */
export interface VpcReconcilePorts {
  readonly targets: VpcTargetPorts;
  readonly rules: Pick<SecurityGroupRules, 'listRules' | 'revokeRule'>;
}

/** What reconciling the VPC targets needs besides its ports. */
export interface VpcReconcileContext {
  readonly ports: VpcReconcilePorts;
  readonly checkPolicy: (request: IngressRequestV2) => PolicyRefusal | undefined;
  /** Revokes and enqueues nothing when true. */
  readonly dryRun: boolean;
  readonly maxPrunePerRun: number;
  /** How many revokes the run may still make, after the cluster security groups. */
  readonly pruneLeft: number;
  readonly now: () => Date;
  /** The run, for the message ids of the outcomes of prunes. */
  readonly runId: string;
}

/** A request the run is to enqueue, with the report entry it is listed under. */
export interface VpcOutgoing {
  readonly message: OutgoingMessage;
  readonly report: VpcTargetReport;
  readonly entry: VpcTargetReport['enqueued'][number];
}

/** What reconciling the VPC targets produced: one report per target, the requests to enqueue, the outcomes of prunes. */
export interface VpcReconcileResult {
  readonly reports: VpcTargetReport[];
  readonly outgoing: VpcOutgoing[];
  readonly outcomes: OutgoingMessage[];
}

/**
 * Reconciles every VPC target of a desired state, in the document's order; never throws for one target's
 * failure (it is reported and the next target goes on).
 */
export async function reconcileVpcTargets(
  targets: readonly DesiredVpcTarget[],
  context: VpcReconcileContext,
): Promise<VpcReconcileResult> {
  const reports: VpcTargetReport[] = [];
  const outgoing: VpcOutgoing[] = [];
  const outcomes: OutgoingMessage[] = [];
  const claimed = new Map<string, string>();
  let pruneLeft = context.pruneLeft;
  for (const entry of targets) {
    const report: VpcTargetReport = {
      section: entry.section,
      name: entry.name,
      // Set once resolved; declared here so that they come first in the report.
      securityGroupId: undefined,
      port: undefined,
      prune: entry.prune,
      missing: [],
      extra: [],
      enqueued: [],
      pruned: [],
      refused: [],
      overLimit: [],
      errors: [],
    };
    reports.push(report);
    let securityGroupId: string;
    let port: number;
    let rules: VpcRule[];
    try {
      const resolved = await resolveVpcTarget(entry.target, context.ports.targets);
      securityGroupId = resolved.securityGroupId;
      port = entry.port ?? resolved.port;
      report.securityGroupId = securityGroupId;
      report.port = port;
      const first = claimed.get(securityGroupId);
      if (first !== undefined) {
        // Two entries on one group would each see the other's sources as extras and prune them in turn.
        report.errors.push(
          `security group ${securityGroupId} is already reconciled by ${first}; give each group one entry: nothing is changed for this one`,
        );
        continue;
      }
      claimed.set(securityGroupId, `${entry.section}.${entry.name}`);
      rules = await context.ports.rules.listRules(securityGroupId);
    } catch (thrown) {
      const error = asClassifiedError(thrown);
      report.errors.push(`${error.code}: ${error.message}; nothing is changed for this target`);
      continue;
    }

    const plan = planVpcTarget({
      entry,
      port,
      rules,
      pruneLeft,
      maxPrunePerRun: context.maxPrunePerRun,
    });
    pruneLeft -= plan.toPrune.length;
    report.missing.push(...plan.missing.map((source) => ({ ...source })));
    report.extra.push(...plan.extra.map(extraEntry));
    report.errors.push(...plan.notes);

    const removed = new Set<string>();
    for (const rule of plan.toPrune) {
      // The rule as it is: its own source and port, on the group it is in.
      const request = vpcReconcileRequest(
        entry,
        'revoke',
        rule.source,
        securityGroupId,
        rule.fromPort === rule.toPort ? rule.fromPort : undefined,
      );
      const refusal = context.checkPolicy(request);
      if (refusal !== undefined) {
        report.refused.push({
          action: 'revoke',
          source: { ...rule.source },
          reason: `refused by ${refusal.rule}: ${refusal.message}`,
        });
        continue;
      }
      const pruned: VpcTargetReport['pruned'][number] = {
        requestId: request.requestId,
        securityGroupRuleId: rule.securityGroupRuleId,
        source: { ...rule.source },
      };
      if (context.dryRun) {
        report.pruned.push(pruned);
        removed.add(rule.securityGroupRuleId);
        continue;
      }
      const resolved = {
        securityGroupId,
        port: rule.fromPort,
        securityGroupRuleId: rule.securityGroupRuleId,
      };
      try {
        const result = await context.ports.rules.revokeRule(securityGroupId, rule.securityGroupRuleId);
        const status = result.status === Status.revoked ? 'revoked' : 'already-revoked';
        report.pruned.push({ ...pruned, status });
        removed.add(rule.securityGroupRuleId);
        outcomes.push(outcomeMessage(request, context, { status }, resolved));
      } catch (thrown) {
        const error = asClassifiedError(thrown);
        report.errors.push(
          `revoke ${rule.securityGroupRuleId} on ${securityGroupId}: ${error.code}: ${error.message}`,
        );
        outcomes.push(
          outcomeMessage(
            request,
            context,
            {
              status: error instanceof RejectedError ? Status.rejected : Status.failed,
              error: {
                code: error.code,
                message: error.message,
                retryable: error instanceof TransientError,
              },
            },
            resolved,
          ),
        );
      }
    }

    const budget = budgetRules(rules, removed, plan.missing, MAX_VPC_RULES_PER_GROUP);
    report.overLimit.push(...budget.overLimit.map((source) => ({ ...source })));
    report.errors.push(...budget.notes);
    for (const source of budget.toAuthorize) {
      const request = vpcReconcileRequest(entry, 'authorize', source, securityGroupId);
      const refusal = context.checkPolicy(request);
      if (refusal !== undefined) {
        report.refused.push({
          action: 'authorize',
          source: { ...source },
          reason: `refused by ${refusal.rule}: ${refusal.message}`,
        });
        continue;
      }
      const body = requestV2Body(request);
      // The authorize function validates every body; one it would reject is reported, not enqueued.
      const validation = validateRequestV2(body);
      if (!validation.ok) {
        report.refused.push({
          action: 'authorize',
          source: { ...source },
          reason: `not a valid request: ${formatProblems(validation.problems)}`,
        });
        continue;
      }
      const entryOf = { requestId: request.requestId, action: 'authorize' as const, source: { ...source } };
      report.enqueued.push(entryOf);
      outgoing.push({ message: requestMessage(request, body), report, entry: entryOf });
    }
  }
  return { reports, outgoing, outcomes };
}

function extraEntry(rule: VpcRule): VpcTargetReport['extra'][number] {
  return {
    securityGroupRuleId: rule.securityGroupRuleId,
    protocol: rule.protocol,
    fromPort: rule.fromPort,
    toPort: rule.toPort,
    source: { ...rule.source },
    ...(rule.description !== undefined && { description: rule.description }),
    managed: isManaged(rule.tags),
  };
}

function requestMessage(request: IngressRequestV2, body: Record<string, unknown>): OutgoingMessage {
  return {
    id: request.requestId,
    body: JSON.stringify(body),
    attributes: { requestedBy: RECONCILER },
    // FIFO requests queues: one target's changes stay in order, and overlapping runs deduplicate.
    groupId: requestMessageGroupId(body as Parameters<typeof requestMessageGroupId>[0]),
    deduplicationId: request.requestId,
  };
}

/** The outcome v2 of a prune, as the authorize function would publish it for the same revoke request. */
function outcomeMessage(
  request: IngressRequestV2,
  context: VpcReconcileContext,
  result: Pick<OutcomeV2, 'status' | 'error'>,
  resolved: { securityGroupId: string; port: number; securityGroupRuleId: string },
): OutgoingMessage {
  // No SQS message carried this revoke: the message id is the run's and the request's.
  const messageId = `${context.runId}/${request.requestId}`;
  const outcome = makeSqsSafeDeep<OutcomeV2>({
    type: 'ingress-outcome',
    version: 2,
    requestId: request.requestId,
    messageId,
    action: request.action,
    status: result.status,
    rule: outcomeRuleV2(request.rule, resolved),
    ...(result.error !== undefined && { error: result.error }),
    attempt: 1,
    requestedBy: RECONCILER,
    ...(request.reason !== undefined && { reason: request.reason }),
    processedAt: context.now().toISOString(),
  });
  return {
    id: messageId,
    body: JSON.stringify(outcome),
    // The attributes the authorize function gives an outcome v2: what it did, and the target with its group.
    attributes: {
      status: outcome.status,
      action: outcome.action,
      ...targetAttributes(outcome.rule),
    },
    groupId: requestMessageGroupId(requestV2Body(request) as Parameters<typeof requestMessageGroupId>[0]),
    deduplicationId: messageId,
  };
}

function targetAttributes(rule: OutcomeV2['rule']): Record<string, string> {
  if (rule === undefined) return {};
  const { clusterIdentifier, workgroupName, securityGroupId } = rule;
  return {
    ...(clusterIdentifier !== undefined && { clusterIdentifier }),
    ...(workgroupName !== undefined && { workgroupName }),
    ...(securityGroupId !== undefined && { securityGroupId }),
  };
}
