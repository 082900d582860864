import * as z from 'zod/mini';
import { parseIpv4Cidr } from './cidr.js';
import { mustBe } from './messages.js';
import { ACCOUNT_ID_PATTERN, Action } from './request.js';
import { described, withMetadata } from './schema-metadata.js';

// The request contract as a zod schema: what `npm run schemas` publishes as JSON Schema, and what the
// checks the handler runs (validateRequest in request.ts, written out for a faster cold start) are held to
// by test/unit/validator-conformance.test.ts. No function imports this module.

const NOT_A_STRING = mustBe('a string');

/** Cluster security group names: 1-255 letters, digits or hyphens (the Redshift naming rule). */
export const clusterSecurityGroupNameSchema = z
  .string(NOT_A_STRING)
  .check(
    z.minLength(1, 'must not be empty'),
    z.maxLength(255, 'must be at most 255 characters'),
    z.regex(/^[A-Za-z0-9-]+$/, 'must contain only letters, digits and hyphens'),
  );

/** A correlation key: printable, no spaces, short enough for an SQS message attribute and a log field. */
export const requestIdSchema = z
  .string(NOT_A_STRING)
  .check(
    z.minLength(1, 'must not be empty'),
    z.maxLength(128, 'must be at most 128 characters'),
    z.regex(/^[\w.:/@+=-]+$/, 'must contain only letters, digits and . _ : / @ + = -'),
  );

/** A string of 1 to `max` characters. */
export const text = (max: number) =>
  z
    .string(NOT_A_STRING)
    .check(z.minLength(1, 'must not be empty'), z.maxLength(max, `must be at most ${max} characters`));

/** An IPv4 address or CIDR as the API's CIDRIP takes it, checked with {@link parseIpv4Cidr}. */
export const cidrSchema = described(
  z.string(NOT_A_STRING).check(
    z.maxLength(64, 'must be at most 64 characters'),
    z.superRefine((value, ctx) => {
      const parsed = parseIpv4Cidr(value);
      if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.reason });
    }),
  ),
  'IPv4 address or CIDR; a bare address means /32; no host bits set.',
);

// A Step Functions task token: SendTaskSuccess and SendTaskFailure accept up to 2048 characters.
// https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html
export const taskTokenSchema = text(2048);

/** Who approved a change, carried into every outcome and log line of the request. */
export const approvalSchema = described(
  z.strictObject(
    {
      ticket: z.optional(text(128)),
      approvedBy: z.optional(text(256)),
      approvedAt: z.optional(z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' })),
    },
    mustBe('an object with ticket, approvedBy and approvedAt'),
  ),
  'Approval metadata: the change ticket, the approver and when.',
);

const targetRule = {
  oneOf: [
    {
      required: ['cidrIp'],
      not: { anyOf: [{ required: ['ec2SecurityGroupName'] }, { required: ['ec2SecurityGroupOwnerId'] }] },
    },
    { required: ['ec2SecurityGroupName', 'ec2SecurityGroupOwnerId'], not: { required: ['cidrIp'] } },
  ],
};

/** An AWS account id as a string: `123456789012`. */
export const accountIdSchema = z
  .string(NOT_A_STRING)
  .check(z.regex(ACCOUNT_ID_PATTERN, 'must be a 12-digit AWS account id'));

export const actionSchema = z.enum(Action, 'must be "authorize" or "revoke"');

/** The ingress request, version 1: the body of a requests-queue message. */
export const ingressRequestSchema = withMetadata(
  z
    .strictObject({
      version: z.literal(1, 'must be 1 (the request contract version)'),
      requestId: z.optional(requestIdSchema),
      action: z._default(actionSchema, 'authorize'),
      clusterSecurityGroupName: clusterSecurityGroupNameSchema,
      cidrIp: z.optional(cidrSchema),
      ec2SecurityGroupName: z.optional(text(255)),
      ec2SecurityGroupOwnerId: z.optional(accountIdSchema),
      requestedBy: z.optional(text(128)),
      reason: z.optional(text(1024)),
      approval: z.optional(approvalSchema),
      taskToken: z.optional(taskTokenSchema),
    })
    .check(
      z.superRefine((request, ctx) => {
        const hasCidr = request.cidrIp !== undefined;
        const hasName = request.ec2SecurityGroupName !== undefined;
        const hasOwner = request.ec2SecurityGroupOwnerId !== undefined;
        if (hasCidr && (hasName || hasOwner)) {
          ctx.addIssue({
            code: 'custom',
            path: ['cidrIp'],
            message: 'give either cidrIp or ec2SecurityGroupName with ec2SecurityGroupOwnerId, not both',
          });
        } else if (!hasCidr && !hasName && !hasOwner) {
          ctx.addIssue({
            code: 'custom',
            path: ['cidrIp'],
            message: 'a target is required: cidrIp, or ec2SecurityGroupName with ec2SecurityGroupOwnerId',
          });
        } else if (!hasCidr && hasName !== hasOwner) {
          const missing = hasName ? 'ec2SecurityGroupOwnerId' : 'ec2SecurityGroupName';
          ctx.addIssue({
            code: 'custom',
            path: [missing],
            message: `is required together with ${hasName ? 'ec2SecurityGroupName' : 'ec2SecurityGroupOwnerId'}`,
          });
        }
      }),
    ),
  {
    $id: 'urn:redshift-ingress:schema:ingress-request:v1',
    title: 'Ingress request, version 1',
    description:
      'The body of a requests-queue message: one rule to authorize or revoke on a cluster security group.',
    ...targetRule,
  },
);
