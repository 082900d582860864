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

const vpcSourceSchema = z.union([
  z.strictObject({ cidrIp: z.string() }),
  z.strictObject({ cidrIpv6: z.string() }),
  z.strictObject({ sourceSecurityGroupId: z.string(), sourceSecurityGroupOwnerId: z.optional(z.string()) }),
  z.strictObject({ prefixListId: z.string() }),
]);

const extraRuleSchema = z.strictObject({
  securityGroupRuleId: z.string(),
  protocol: described(z.string(), '`tcp`, `udp`, `icmp`, `-1` (all) or a protocol number, as EC2 lists it.'),
  fromPort: z.int(),
  toPort: z.int(),
  source: vpcSourceSchema,
  description: z.optional(z.string()),
  managed: described(
    z.boolean(),
    'Tagged redshift-ingress:managed=true: only such a rule is ever pruned; a rule a person made is reported and left alone.',
  ),
});

const vpcEnqueuedSchema = z.strictObject({
  requestId: z.string(),
  action: z.literal('authorize'),
  source: vpcSourceSchema,
});

const vpcPrunedSchema = z.strictObject({
  requestId: z.string(),
  securityGroupRuleId: z.string(),
  source: vpcSourceSchema,
  status: described(
    z.optional(z.enum(['revoked', 'already-revoked'])),
    'What the revoke did; absent in a plan, which revokes nothing.',
  ),
});

const vpcRefusedSchema = z.strictObject({
  action: z.enum(Action),
  source: vpcSourceSchema,
  reason: described(z.string(), 'The policy rule or request check that refused the change, and why.'),
});

const vpcTargetReportSchema = z.strictObject({
  section: z.enum(['clusters', 'workgroups', 'securityGroups']),
  name: described(z.string(), 'The entry: cluster identifier, workgroup name or security group id.'),
  securityGroupId: described(
    z.optional(z.string()),
    'The VPC security group the target resolved to; absent when it could not be resolved.',
  ),
  port: described(z.optional(z.int()), "The port compared: the entry's, else the target's endpoint port."),
  prune: z.boolean(),
  missing: described(z.array(vpcSourceSchema), 'Desired sources the group lacks on the port.'),
  extra: described(z.array(extraRuleSchema), 'Inbound rules of the group the desired state does not name.'),
  enqueued: described(z.array(vpcEnqueuedSchema), 'Authorize requests (v2) enqueued for missing sources.'),
  pruned: described(z.array(vpcPrunedSchema), 'Managed extra rules revoked by id (prune: true).'),
  refused: described(z.array(vpcRefusedSchema), 'Changes the policy or the request contract refused.'),
  overLimit: described(
    z.array(vpcSourceSchema),
    'Missing sources not authorized because the group has no room for them (its inbound rule limit).',
  ),
  errors: described(z.array(z.string()), 'Why something that differs was not changed.'),
});

const countSchema = z.int().check(z.minimum(0));

/** The reconciliation report, version 2: per cluster security group and per VPC target, published once per run. */
export const reconciliationReportV2Schema = withMetadata(
  z.strictObject({
    type: z.literal('reconciliation-report'),
    version: z.literal(2),
    runId: z.string(),
    dryRun: described(z.boolean(), 'True for a plan: nothing was enqueued or revoked.'),
    startedAt: z.iso.datetime(),
    finishedAt: z.iso.datetime(),
    groups: described(z.array(groupReportSchema), 'Cluster security groups, as in version 1.'),
    targets: described(z.array(vpcTargetReportSchema), 'Clusters, workgroups and VPC security groups.'),
    counts: z.strictObject({
      groups: countSchema,
      targets: countSchema,
      missing: countSchema,
      extra: countSchema,
      unmanaged: described(countSchema, 'Extra rules of VPC targets without the managed tag.'),
      enqueued: countSchema,
      pruned: countSchema,
      refused: countSchema,
      overLimit: countSchema,
      errors: countSchema,
    }),
  }),
  {
    $id: 'urn:redshift-ingress:schema:reconciliation-report:v2',
    title: 'Reconciliation report, version 2',
    description:
      'What one reconciliation run of a desired state version 2 found and did: per cluster security group as in version 1, and per VPC target the resolved security group and port, missing and extra rules (managed or not), pruned, refused and over-limit.',
  },
);

/** The reconciliation report of a run over a desired state version 2. */
export type ReconciliationReportV2 = z.infer<typeof reconciliationReportV2Schema>;
/** The part of a reconciliation report v2 about one VPC target. */
export type VpcTargetReport = z.infer<typeof vpcTargetReportSchema>;
