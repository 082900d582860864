import * as z from 'zod/mini';
import { onFirstUse } from '../shared/on-first-use.js';
import { looksLikeIpv6Cidr, parseIpv4Cidr, parseIpv6Cidr } from './cidr.js';
import { mustBe } from './messages.js';
import {
  accountIdSchema,
  actionSchema,
  approvalSchema,
  clusterSecurityGroupNameSchema,
  ec2SecurityGroupNameSchema,
  reasonSchema,
  requestedBySchema,
  requestIdSchema,
  taskTokenSchema,
} from './request-schema.js';
import { described, withMetadata } from './schema-metadata.js';
import { kindOf } from './validate.js';

// The request contract, version 2, written once: this zod/mini schema checks a v2 body (parseAnyRequest
// in request-v2.ts) and is what `npm run schemas` publishes as JSON Schema. Version 2 adds the targets of
// clusters in a VPC and of Redshift Serverless (reached through EC2 VPC security groups) beside v1's
// cluster security groups; which fields go together is one check (checkCombination) whose JSON Schema
// form is written beside it.

const NOT_A_STRING = mustBe('a string');

/** The sources of version 2, exactly one per request (an EC2 security group by name counts as one). */
export const SOURCE_FIELDS_V2 = [
  'cidrIp',
  'cidrIpv6',
  'sourceSecurityGroupId',
  'prefixListId',
  'ec2SecurityGroupName',
] as const;

/** A provisioned cluster's identifier, as Redshift's naming rule has it. */
export const clusterIdentifierSchema = onFirstUse(() =>
  z
    .string(NOT_A_STRING)
    .check(
      z.minLength(1, 'must not be empty'),
      z.maxLength(63, 'must be at most 63 characters'),
      z.regex(
        /^[a-z](?:-?[a-z0-9])*$/,
        'must be a cluster identifier: lower-case letters, digits and single hyphens, starting with a letter, not ending with a hyphen',
      ),
    ),
);

/** A Redshift Serverless workgroup's name, as its naming rule has it. */
export const workgroupNameSchema = onFirstUse(() =>
  z
    .string(NOT_A_STRING)
    .check(
      z.minLength(3, 'must be at least 3 characters'),
      z.maxLength(64, 'must be at most 64 characters'),
      z.regex(/^[a-z0-9-]+$/, 'must contain only lower-case letters, digits and hyphens'),
    ),
);

/** An EC2 VPC security group id: `sg-` and 8 or 17 hex digits. */
export const securityGroupIdSchema = onFirstUse(() =>
  z
    .string(NOT_A_STRING)
    .check(
      z.regex(/^sg-(?:[0-9a-f]{8}|[0-9a-f]{17})$/, 'must be a security group id: sg- and 8 or 17 hex digits'),
    ),
);

/** A managed prefix list id: `pl-` and hex digits. */
export const prefixListIdSchema = onFirstUse(() =>
  z
    .string(NOT_A_STRING)
    .check(
      z.maxLength(20, 'must be at most 20 characters'),
      z.regex(/^pl-[0-9a-f]+$/, 'must be a prefix list id: pl- and hex digits'),
    ),
);

/** An IPv4 address or CIDR, as in version 1; an IPv6 network is pointed to cidrIpv6. */
export const cidrIpV2Schema = onFirstUse(() =>
  described(
    z.string(NOT_A_STRING).check(
      z.maxLength(64, 'must be at most 64 characters'),
      z.superRefine((value, ctx) => {
        const parsed = parseIpv4Cidr(value);
        if (parsed.ok) return;
        const reason = looksLikeIpv6Cidr(value)
          ? 'is IPv6; give an IPv6 network as cidrIpv6 (VPC targets only)'
          : parsed.reason;
        ctx.addIssue({ code: 'custom', message: reason });
      }),
    ),
    'IPv4 address or CIDR; a bare address means /32; no host bits set.',
  ),
);

/** An IPv6 address or CIDR in canonical form (RFC 5952), checked with {@link parseIpv6Cidr}. */
export const cidrIpv6Schema = onFirstUse(() =>
  described(
    z.string(NOT_A_STRING).check(
      z.maxLength(64, 'must be at most 64 characters'),
      z.superRefine((value, ctx) => {
        const parsed = parseIpv6Cidr(value);
        if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.reason });
      }),
    ),
    'IPv6 address or CIDR in canonical form (RFC 5952: lower case, zeros compressed); a bare address means /128; no host bits set. VPC targets only.',
  ),
);

const PORT_RANGE = 'must be a whole number from 1 to 65535';

/** A TCP port: a whole number from 1 to 65535. */
export const portSchema = onFirstUse(() =>
  described(
    z
      .int({
        error: (issue) => {
          if (issue.input === undefined) return 'is required';
          return typeof issue.input === 'number' ? PORT_RANGE : `${PORT_RANGE}, got ${kindOf(issue.input)}`;
        },
      })
      .check(z.minimum(1, PORT_RANGE), z.maximum(65535, PORT_RANGE)),
    "TCP port to open, VPC targets only; default: the cluster's or workgroup's endpoint port (5439 for a bare securityGroupId).",
  ),
);

/** The fields a request v2 may give; the JSON Schema says which go together. */
const fieldsV2 = onFirstUse(() => ({
  version: z.literal(2, 'must be 2 (the request contract version)'),
  requestId: z.optional(requestIdSchema()),
  action: z._default(actionSchema(), 'authorize'),
  clusterIdentifier: z.optional(clusterIdentifierSchema()),
  workgroupName: z.optional(workgroupNameSchema()),
  securityGroupId: z.optional(securityGroupIdSchema()),
  clusterSecurityGroupName: z.optional(clusterSecurityGroupNameSchema()),
  cidrIp: z.optional(cidrIpV2Schema()),
  cidrIpv6: z.optional(cidrIpv6Schema()),
  sourceSecurityGroupId: z.optional(securityGroupIdSchema()),
  sourceSecurityGroupOwnerId: z.optional(accountIdSchema()),
  prefixListId: z.optional(prefixListIdSchema()),
  ec2SecurityGroupName: z.optional(ec2SecurityGroupNameSchema()),
  ec2SecurityGroupOwnerId: z.optional(accountIdSchema()),
  port: z.optional(portSchema()),
  requestedBy: z.optional(requestedBySchema()),
  reason: z.optional(reasonSchema()),
  approval: z.optional(approvalSchema()),
  taskToken: z.optional(taskTokenSchema()),
}));

/** A field that was given: present with a value other than undefined. */
type Given = (field: string) => boolean;

/** A problem of a combination of fields: the field it sits at and why. */
export interface CombinationProblem {
  readonly field: string;
  readonly reason: string;
}

const VPC_TARGETS = 'clusterIdentifier, workgroupName or securityGroupId';
const ANY_TARGET = 'clusterIdentifier, workgroupName, securityGroupId or clusterSecurityGroupName';
const ANY_SOURCE =
  'cidrIp, cidrIpv6, sourceSecurityGroupId, prefixListId, or ec2SecurityGroupName with ec2SecurityGroupOwnerId';
const list = (fields: readonly string[]): string => fields.join(', ');
/** The fields of a request that only a VPC target takes. */
const VPC_ONLY = ['cidrIpv6', 'sourceSecurityGroupId', 'prefixListId', 'port'] as const;

/**
 * Which fields of a request v2 go together: exactly one target, exactly one source, and the source and
 * port the target's kind takes. Each problem names the field and the fields it conflicts with; the JSON
 * Schema form of the same rule is {@link combinationRule}.
 */
export function checkCombination(given: Given, vpcOnly: readonly string[] = VPC_ONLY): CombinationProblem[] {
  const problems: CombinationProblem[] = [];
  const named = ['clusterIdentifier', 'workgroupName', 'clusterSecurityGroupName'].filter(given);
  const [first, second] = named;
  if (second !== undefined) {
    problems.push({ field: second, reason: `give one target of ${ANY_TARGET}; got ${list(named)}` });
  } else if (first === undefined && !given('securityGroupId')) {
    problems.push({ field: 'clusterIdentifier', reason: `a target is required: ${ANY_TARGET}` });
  } else if (first === 'clusterSecurityGroupName' && given('securityGroupId')) {
    problems.push({
      field: 'securityGroupId',
      reason:
        'picks a VPC security group of a clusterIdentifier or workgroupName, or is the target itself; it does not go with clusterSecurityGroupName',
    });
  }

  if (given('ec2SecurityGroupName') !== given('ec2SecurityGroupOwnerId')) {
    const [missing, present] = given('ec2SecurityGroupName')
      ? ['ec2SecurityGroupOwnerId', 'ec2SecurityGroupName']
      : ['ec2SecurityGroupName', 'ec2SecurityGroupOwnerId'];
    problems.push({ field: missing, reason: `is required together with ${present}` });
  }
  if (given('sourceSecurityGroupOwnerId') && !given('sourceSecurityGroupId')) {
    problems.push({
      field: 'sourceSecurityGroupId',
      reason: 'is required together with sourceSecurityGroupOwnerId',
    });
  }
  const sources = SOURCE_FIELDS_V2.filter(given);
  if (sources.length === 0 && !given('ec2SecurityGroupOwnerId') && !given('sourceSecurityGroupOwnerId')) {
    problems.push({ field: 'cidrIp', reason: `a source is required: ${ANY_SOURCE}` });
  } else if (sources.length > 1) {
    problems.push({
      field: sources[1] as string,
      reason: `give one source of ${ANY_SOURCE}; got ${list(sources)}`,
    });
  }

  // What the target's kind takes; only said of a request whose target is clear.
  if (second !== undefined || (first === undefined && !given('securityGroupId'))) return problems;
  if (first === 'clusterSecurityGroupName') {
    for (const field of vpcOnly.filter(given)) {
      problems.push({
        field,
        reason: `applies to VPC targets only (${VPC_TARGETS}); a cluster security group takes cidrIp, or ec2SecurityGroupName with ec2SecurityGroupOwnerId`,
      });
    }
  } else {
    for (const field of ['ec2SecurityGroupName', 'ec2SecurityGroupOwnerId'].filter(given)) {
      problems.push({
        field,
        reason:
          'applies to a clusterSecurityGroupName target only; for a VPC target give the group as sourceSecurityGroupId (with sourceSecurityGroupOwnerId)',
      });
    }
  }
  return problems;
}

const required = (...fields: string[]) => ({ required: fields });
const noneOf = (...fields: string[]) => ({ not: { anyOf: fields.map((field) => required(field)) } });

/** {@link checkCombination} as JSON Schema, for validators outside this code base. */
export const combinationRule = (vpcOnly: readonly string[] = VPC_ONLY) => ({
  allOf: [
    {
      oneOf: [
        { ...required('clusterIdentifier'), ...noneOf('workgroupName', 'clusterSecurityGroupName') },
        { ...required('workgroupName'), ...noneOf('clusterIdentifier', 'clusterSecurityGroupName') },
        {
          ...required('securityGroupId'),
          ...noneOf('clusterIdentifier', 'workgroupName', 'clusterSecurityGroupName'),
        },
        {
          ...required('clusterSecurityGroupName'),
          ...noneOf('clusterIdentifier', 'workgroupName', 'securityGroupId'),
        },
      ],
    },
    {
      oneOf: [
        {
          ...required('cidrIp'),
          ...noneOf(
            'cidrIpv6',
            'sourceSecurityGroupId',
            'sourceSecurityGroupOwnerId',
            'prefixListId',
            'ec2SecurityGroupName',
            'ec2SecurityGroupOwnerId',
          ),
        },
        {
          ...required('cidrIpv6'),
          ...noneOf(
            'cidrIp',
            'sourceSecurityGroupId',
            'sourceSecurityGroupOwnerId',
            'prefixListId',
            'ec2SecurityGroupName',
            'ec2SecurityGroupOwnerId',
          ),
        },
        {
          ...required('sourceSecurityGroupId'),
          ...noneOf('cidrIp', 'cidrIpv6', 'prefixListId', 'ec2SecurityGroupName', 'ec2SecurityGroupOwnerId'),
        },
        {
          ...required('prefixListId'),
          ...noneOf(
            'cidrIp',
            'cidrIpv6',
            'sourceSecurityGroupId',
            'sourceSecurityGroupOwnerId',
            'ec2SecurityGroupName',
            'ec2SecurityGroupOwnerId',
          ),
        },
        {
          ...required('ec2SecurityGroupName', 'ec2SecurityGroupOwnerId'),
          ...noneOf(
            'cidrIp',
            'cidrIpv6',
            'sourceSecurityGroupId',
            'sourceSecurityGroupOwnerId',
            'prefixListId',
          ),
        },
      ],
    },
    {
      // What the target's kind takes: a cluster security group no VPC-only field, a VPC target no EC2 group by name.
      anyOf: [
        {
          ...required('clusterSecurityGroupName'),
          ...noneOf(...vpcOnly),
        },
        {
          allOf: [
            { not: required('clusterSecurityGroupName') },
            noneOf('ec2SecurityGroupName', 'ec2SecurityGroupOwnerId'),
          ],
        },
      ],
    },
  ],
});

/** The ingress request, version 2: the body of a requests-queue message for any kind of target. */
export const ingressRequestV2Schema = onFirstUse(() =>
  withMetadata(
    z.strictObject(fieldsV2()).check(
      z.superRefine((request, ctx) => {
        const given: Given = (field) => (request as Record<string, unknown>)[field] !== undefined;
        for (const { field, reason } of checkCombination(given)) {
          ctx.addIssue({ code: 'custom', path: [field], message: reason });
        }
      }),
    ),
    {
      $id: 'urn:redshift-ingress:schema:ingress-request:v2',
      title: 'Ingress request, version 2',
      description:
        'The body of a requests-queue message: one rule to authorize or revoke on a provisioned cluster or Serverless workgroup (through its VPC security group), a VPC security group, or a cluster security group.',
      ...combinationRule(),
    },
  ),
);
