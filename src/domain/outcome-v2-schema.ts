import * as z from 'zod/mini';
import { outcomeShape } from './outcome-schema.js';
import { checkCombination, combinationRule } from './request-v2-schema.js';
import { described, withMetadata } from './schema-metadata.js';

// The outcome contract, version 2, for requests of version 2: what consumers validate with and `npm run
// schemas` publishes. Its rule is the request's target and source as asked, plus what the service
// resolved for a VPC target. The handlers only build outcomes and never import this module.

/** The fields of an outcome v2's rule that only a VPC target has: resolved, or given. */
const VPC_ONLY_IN_OUTCOME = [
  'cidrIpv6',
  'sourceSecurityGroupId',
  'prefixListId',
  'port',
  'securityGroupRuleId',
] as const;

/** A rule of an outcome v2: the target and source as asked, plus what was resolved for a VPC target. */
export const outcomeRuleV2Schema = withMetadata(
  z
    .strictObject({
      clusterIdentifier: z.optional(z.string()),
      workgroupName: z.optional(z.string()),
      securityGroupId: described(
        z.optional(z.string()),
        "The VPC security group changed: the request's, or the one resolved from its cluster or workgroup. Absent when the request was refused before it was resolved.",
      ),
      clusterSecurityGroupName: z.optional(z.string()),
      cidrIp: z.optional(z.string()),
      cidrIpv6: z.optional(z.string()),
      sourceSecurityGroupId: z.optional(z.string()),
      sourceSecurityGroupOwnerId: z.optional(z.string()),
      prefixListId: z.optional(z.string()),
      ec2SecurityGroupName: z.optional(z.string()),
      ec2SecurityGroupOwnerId: z.optional(z.string()),
      port: described(
        z.optional(z.int().check(z.minimum(1), z.maximum(65535))),
        "The TCP port: the request's, or the endpoint's. Absent when the request was refused before it was resolved.",
      ),
      securityGroupRuleId: described(
        z.optional(z.string()),
        'The id of the security group rule, where EC2 returned one.',
      ),
    })
    .check(
      z.superRefine((rule, ctx) => {
        const given = (field: string) => (rule as Record<string, unknown>)[field] !== undefined;
        for (const { field, reason } of checkCombination(given, VPC_ONLY_IN_OUTCOME)) {
          ctx.addIssue({ code: 'custom', path: [field], message: reason });
        }
      }),
    ),
  combinationRule(VPC_ONLY_IN_OUTCOME),
);

/** The rule of an outcome v2. */
export type OutcomeRuleV2 = z.output<typeof outcomeRuleV2Schema>;

/** The outcome, version 2: the body of a results-queue message answering a request v2. */
export const outcomeV2Schema = withMetadata(z.strictObject(outcomeShape(2, outcomeRuleV2Schema)), {
  $id: 'urn:redshift-ingress:schema:ingress-outcome:v2',
  title: 'Ingress outcome, version 2',
  description:
    'The body of a results-queue message: what became of one ingress request of version 2, with the security group and port resolved for a VPC target.',
});

/** The outcome of one request v2, as published to the results queue. */
export type OutcomeV2 = z.infer<typeof outcomeV2Schema>;
