import * as z from 'zod/mini';
import { onFirstUse } from '../shared/on-first-use.js';
import { parseIpv4Cidr } from './cidr.js';
import { mustBe } from './messages.js';
import { described, withMetadata } from './schema-metadata.js';

// The request contract, written once: this zod/mini schema is what the authorize function checks every
// message with (parseRequest in request.ts) and what `npm run schemas` publishes as JSON Schema. What
// JSON Schema cannot say (host bits, one target of two kinds) is a refinement beside the field it checks.

/** What a request asks for: open access, or close it. */
export const Action = { authorize: 'authorize', revoke: 'revoke' } as const;
/** What a request asks for: open access, or close it. */
export type Action = (typeof Action)[keyof typeof Action];

/** An AWS account id: exactly 12 digits. */
export const ACCOUNT_ID_PATTERN = /^\d{12}$/;

const NOT_A_STRING = mustBe('a string');

/** Cluster security group names: 1-255 letters, digits or hyphens (the Redshift naming rule). */
export const clusterSecurityGroupNameSchema = onFirstUse(() =>
  z
    .string(NOT_A_STRING)
    .check(
      z.minLength(1, 'must not be empty'),
      z.maxLength(255, 'must be at most 255 characters'),
      z.regex(/^[A-Za-z0-9-]+$/, 'must contain only letters, digits and hyphens'),
    ),
);

/** The characters of a request id. */
export const REQUEST_ID_CHARACTERS = /^[\w.:/@+=-]+$/;

/** A correlation key: printable, no spaces, short enough for an SQS message attribute and a log field. */
export const requestIdSchema = onFirstUse(() =>
  z
    .string(NOT_A_STRING)
    .check(
      z.minLength(1, 'must not be empty'),
      z.maxLength(128, 'must be at most 128 characters'),
      z.regex(REQUEST_ID_CHARACTERS, 'must contain only letters, digits and . _ : / @ + = -'),
    ),
);

/** A string of 1 to `max` characters. */
export const text = (max: number) =>
  z
    .string(NOT_A_STRING)
    .check(z.minLength(1, 'must not be empty'), z.maxLength(max, `must be at most ${max} characters`));

/** An IPv4 address or CIDR as the API's CIDRIP takes it, checked with {@link parseIpv4Cidr}. */
export const cidrSchema = onFirstUse(() =>
  described(
    z.string(NOT_A_STRING).check(
      z.maxLength(64, 'must be at most 64 characters'),
      z.superRefine((value, ctx) => {
        const parsed = parseIpv4Cidr(value);
        if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.reason });
      }),
    ),
    'IPv4 address or CIDR; a bare address means /32; no host bits set.',
  ),
);

// A Step Functions task token: SendTaskSuccess and SendTaskFailure accept up to 2048 characters.
// https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html
export const taskTokenSchema = onFirstUse(() => text(2048));
/** Who or what sent the request: a workflow, a script, a person. */
export const requestedBySchema = onFirstUse(() => text(128));
/** Why the change is made, in words. */
export const reasonSchema = onFirstUse(() => text(1024));
/** An EC2 security group's name, as a request and the desired state give it. */
export const ec2SecurityGroupNameSchema = onFirstUse(() => text(255));

/** Who approved a change, carried into every outcome and log line of the request. */
export const approvalSchema = onFirstUse(() =>
  described(
    z.strictObject(
      {
        ticket: z.optional(text(128)),
        approvedBy: z.optional(text(256)),
        approvedAt: z.optional(z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' })),
      },
      mustBe('an object with ticket, approvedBy and approvedAt'),
    ),
    'Approval metadata: the change ticket, the approver and when.',
  ),
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
export const accountIdSchema = onFirstUse(() =>
  z.string(NOT_A_STRING).check(z.regex(ACCOUNT_ID_PATTERN, 'must be a 12-digit AWS account id')),
);

/** `authorize` or `revoke`. */
export const actionSchema = onFirstUse(() => z.enum(Action, 'must be "authorize" or "revoke"'));

/** The ingress request, version 1: the body of a requests-queue message. */
export const ingressRequestSchema = onFirstUse(() =>
  withMetadata(
    z
      .strictObject({
        version: z.literal(1, 'must be 1 (the request contract version)'),
        requestId: z.optional(requestIdSchema()),
        action: z._default(actionSchema(), 'authorize'),
        clusterSecurityGroupName: clusterSecurityGroupNameSchema(),
        cidrIp: z.optional(cidrSchema()),
        ec2SecurityGroupName: z.optional(ec2SecurityGroupNameSchema()),
        ec2SecurityGroupOwnerId: z.optional(accountIdSchema()),
        requestedBy: z.optional(requestedBySchema()),
        reason: z.optional(reasonSchema()),
        approval: z.optional(approvalSchema()),
        taskToken: z.optional(taskTokenSchema()),
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
  ),
);
