import * as z from 'zod/mini';
import { Status } from './outcome.js';
import { Action } from './request.js';
import { approvalSchema } from './request-schema.js';
import { described, withMetadata } from './schema-metadata.js';

// The outcome contract as a schema: what consumers validate with and `npm run schemas` publishes. The
// handlers only build outcomes (outcome.ts) and never import this module, so their cold start does not
// construct it.

const ruleSchema = z.union([
  z.strictObject({ clusterSecurityGroupName: z.string(), cidrIp: z.string() }),
  z.strictObject({
    clusterSecurityGroupName: z.string(),
    ec2SecurityGroupName: z.string(),
    ec2SecurityGroupOwnerId: z.string(),
  }),
]);

/** Why a request did not succeed: a stable code, a message naming the field or fault, and whether a retry may help. */
export const outcomeErrorSchema = z.strictObject({
  code: z.string(),
  message: z.string(),
  retryable: z.boolean(),
});
/** Why a request did not succeed. */
export type OutcomeError = z.infer<typeof outcomeErrorSchema>;

/** The fields of an outcome of either version, around the rule that version gives it. */
export function outcomeShape<V extends number, R extends z.core.$ZodType>(version: V, rule: R) {
  return {
    type: z.literal('ingress-outcome'),
    version: z.literal(version),
    requestId: described(z.string(), "The request's requestId, or its SQS message id when it had none."),
    messageId: described(z.string(), 'The SQS message id of the request.'),
    action: z.enum(Action),
    status: z.enum(Status),
    rule: described(z.optional(rule), 'Absent when the body was too broken to name one.'),
    error: described(z.optional(outcomeErrorSchema), 'Present when status is rejected or failed.'),
    attempt: described(z.int().check(z.minimum(1)), "The request message's ApproximateReceiveCount."),
    requestedBy: z.optional(z.string()),
    reason: z.optional(z.string()),
    approval: z.optional(approvalSchema()),
    processedAt: z.iso.datetime(),
  };
}

/** The outcome, version 1: the body of a results-queue message. */
export const outcomeSchema = withMetadata(z.strictObject(outcomeShape(1, ruleSchema)), {
  $id: 'urn:redshift-ingress:schema:ingress-outcome:v1',
  title: 'Ingress outcome, version 1',
  description: 'The body of a results-queue message: what became of one ingress request.',
});

/** The outcome of one request, as published to the results queue. */
export type Outcome = z.infer<typeof outcomeSchema>;
