import * as z from 'zod/mini';
import { Action } from './request.js';
import { described, withMetadata } from './schema-metadata.js';

// The report contract as a schema: what consumers validate with and `npm run schemas` publishes. The
// reconcile function only builds reports and never imports this module, so its cold start does not
// construct it.

const targetSchema = z.union([
  z.strictObject({ cidrIp: z.string() }),
  z.strictObject({ ec2SecurityGroupName: z.string(), ec2SecurityGroupOwnerId: z.string() }),
]);

const enqueuedSchema = z.strictObject({
  requestId: z.string(),
  action: z.enum(Action),
  target: targetSchema,
});

const groupReportSchema = z.strictObject({
  clusterSecurityGroupName: z.string(),
  exists: z.boolean(),
  prune: z.boolean(),
  missing: described(z.array(targetSchema), 'Desired rules the group lacks.'),
  extra: described(z.array(targetSchema), 'Rules the group holds that the desired state does not name.'),
  enqueued: described(z.array(enqueuedSchema), 'Authorize requests enqueued for missing rules.'),
  pruned: described(z.array(enqueuedSchema), 'Revoke requests enqueued for extra rules (prune: true).'),
  errors: described(z.array(z.string()), 'Why something that differs was not enqueued.'),
});

/** The reconciliation report, version 1: published to the results queue once per run. */
export const reconciliationReportSchema = withMetadata(
  z.strictObject({
    type: z.literal('reconciliation-report'),
    version: z.literal(1),
    runId: z.string(),
    dryRun: described(z.boolean(), 'True for a plan: nothing was enqueued.'),
    startedAt: z.iso.datetime(),
    finishedAt: z.iso.datetime(),
    groups: z.array(groupReportSchema),
    counts: z.strictObject({
      groups: z.int().check(z.minimum(0)),
      missing: z.int().check(z.minimum(0)),
      extra: z.int().check(z.minimum(0)),
      enqueued: z.int().check(z.minimum(0)),
      pruned: z.int().check(z.minimum(0)),
      errors: z.int().check(z.minimum(0)),
    }),
  }),
  {
    $id: 'urn:redshift-ingress:schema:reconciliation-report:v1',
    title: 'Reconciliation report, version 1',
    description:
      'What one reconciliation run found (missing and extra rules per group) and what it enqueued.',
  },
);

/** The reconciliation report of one run. */
export type ReconciliationReport = z.infer<typeof reconciliationReportSchema>;
/** The part of a reconciliation report about one group. */
export type GroupReport = z.infer<typeof groupReportSchema>;
