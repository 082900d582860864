import * as z from 'zod/mini';
import { type Action, type Approval, approvalSchema, type IngressRule } from './request.js';
import { described, withMetadata } from './schema-metadata.js';

/** Every status an outcome can have; see the table in the README. */
export const Status = {
  authorized: 'authorized',
  alreadyAuthorized: 'already-authorized',
  revoked: 'revoked',
  alreadyRevoked: 'already-revoked',
  rejected: 'rejected',
  failed: 'failed',
} as const;
/** Every status an outcome can have. */
export type Status = (typeof Status)[keyof typeof Status];

/** The statuses that mean the rule is now as the request asked. */
export type SuccessStatus =
  | typeof Status.authorized
  | typeof Status.alreadyAuthorized
  | typeof Status.revoked
  | typeof Status.alreadyRevoked;

/** Whether a status means the request's effect holds. */
export function isSuccess(status: Status): status is SuccessStatus {
  return status !== Status.rejected && status !== Status.failed;
}

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

/** The outcome, version 1: the body of a results-queue message. */
export const outcomeSchema = withMetadata(
  z.strictObject({
    type: z.literal('ingress-outcome'),
    version: z.literal(1),
    requestId: described(z.string(), "The request's requestId, or its SQS message id when it had none."),
    messageId: described(z.string(), 'The SQS message id of the request.'),
    action: z.enum(['authorize', 'revoke']),
    status: z.enum(['authorized', 'already-authorized', 'revoked', 'already-revoked', 'rejected', 'failed']),
    rule: described(z.optional(ruleSchema), 'Absent when the body was too broken to name one.'),
    error: described(z.optional(outcomeErrorSchema), 'Present when status is rejected or failed.'),
    attempt: described(z.int().check(z.minimum(1)), "The request message's ApproximateReceiveCount."),
    requestedBy: z.optional(z.string()),
    reason: z.optional(z.string()),
    approval: z.optional(approvalSchema),
    processedAt: z.iso.datetime(),
  }),
  {
    $id: 'urn:redshift-ingress:schema:ingress-outcome:v1',
    title: 'Ingress outcome, version 1',
    description: 'The body of a results-queue message: what became of one ingress request.',
  },
);

/** The outcome of one request, as published to the results queue. */
export type Outcome = z.infer<typeof outcomeSchema>;

/** What an outcome is built from. */
export interface OutcomeInput {
  readonly requestId: string;
  readonly messageId: string;
  readonly action: Action;
  readonly status: Status;
  readonly rule?: IngressRule;
  readonly error?: OutcomeError;
  readonly attempt: number;
  readonly requestedBy?: string;
  readonly reason?: string;
  readonly approval?: Approval;
  readonly processedAt: Date;
}

/** Builds an outcome with its fields in contract order; never carries a task token. */
export function buildOutcome(input: OutcomeInput): Outcome {
  return {
    type: 'ingress-outcome',
    version: 1,
    requestId: input.requestId,
    messageId: input.messageId,
    action: input.action,
    status: input.status,
    ...(input.rule !== undefined && { rule: { ...input.rule } }),
    ...(input.error !== undefined && { error: input.error }),
    attempt: input.attempt,
    ...(input.requestedBy !== undefined && { requestedBy: input.requestedBy }),
    ...(input.reason !== undefined && { reason: input.reason }),
    ...(input.approval !== undefined && { approval: input.approval }),
    processedAt: input.processedAt.toISOString(),
  };
}
