import * as z from 'zod/mini';
import { parseIpv4Cidr } from './cidr.js';
import { kindOf, mustBe } from './messages.js';
import { described, withMetadata } from './schema-metadata.js';

/** What a request asks for: open access, or close it. */
export const Action = { authorize: 'authorize', revoke: 'revoke' } as const;
/** What a request asks for: open access, or close it. */
export type Action = (typeof Action)[keyof typeof Action];

/** An AWS account id: exactly 12 digits. */
export const ACCOUNT_ID_PATTERN = /^\d{12}$/;

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
const requestIdSchema = z
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
const taskTokenSchema = text(2048);

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

/** Approval metadata of a request. */
export type Approval = z.infer<typeof approvalSchema>;

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
const accountIdSchema = z
  .string(NOT_A_STRING)
  .check(z.regex(ACCOUNT_ID_PATTERN, 'must be a 12-digit AWS account id'));

const actionSchema = z.enum(Action, 'must be "authorize" or "revoke"');

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

/** The target of a rule: an IPv4 network, or an EC2 security group of an account. */
export type IngressTarget =
  | { readonly cidrIp: string }
  | { readonly ec2SecurityGroupName: string; readonly ec2SecurityGroupOwnerId: string };

/** One rule of a cluster security group, as the Redshift API names its parts. */
export type IngressRule = { readonly clusterSecurityGroupName: string } & IngressTarget;

/** A valid request, normalised: canonical CIDR, `requestId` defaulted to the SQS message id. */
export interface IngressRequest {
  readonly version: 1;
  readonly requestId: string;
  readonly action: Action;
  readonly rule: IngressRule;
  readonly requestedBy?: string;
  readonly reason?: string;
  readonly approval?: Approval;
  readonly taskToken?: string;
}

/** One reason a body is not a valid request: the field (dotted path) and why. */
export interface Problem {
  readonly field: string;
  readonly reason: string;
}

/** What can still be read from an invalid body, so its rejection can be correlated and filtered. */
export interface RequestContext {
  readonly requestId: string;
  readonly action: Action;
  readonly clusterSecurityGroupName?: string;
  readonly requestedBy?: string;
  readonly approval?: Approval;
  readonly taskToken?: string;
}

/** A parsed body: the request, or every problem found in it. */
export type ParseResult =
  | { readonly ok: true; readonly request: IngressRequest }
  | { readonly ok: false; readonly problems: readonly Problem[]; readonly context: RequestContext };

/**
 * Reads the body of a requests-queue message; never throws.
 *
 * @param body the raw message body
 * @param messageId the SQS message id, the default `requestId`
 */
export function parseRequest(body: string, messageId: string): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return reject(
      [{ field: 'body', reason: `is not valid JSON (${truncate(detail, 200)})` }],
      undefined,
      messageId,
    );
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return reject(
      [{ field: 'body', reason: `must be a JSON object, got ${kindOf(json)}` }],
      undefined,
      messageId,
    );
  }
  const result = validateRequest(json);
  if (!result.ok) return reject(result.problems, json as Record<string, unknown>, messageId);
  return { ok: true, request: normalise(result.value, messageId) };
}

/** Validates an already-decoded value against request v1, giving every problem with its field. */
export function validateRequest(
  value: unknown,
): { ok: true; value: z.output<typeof ingressRequestSchema> } | { ok: false; problems: Problem[] } {
  const result = ingressRequestSchema.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, problems: describeIssues(result.error.issues) };
}

/** Turns zod issues into field-naming problems, one per unknown key. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): Problem[] {
  const problems: Problem[] = [];
  for (const issue of issues) {
    const base = issue.path.map(fieldName).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        problems.push({
          field: base ? `${base}.${fieldName(key)}` : fieldName(key),
          reason: 'is not a known field',
        });
      }
      continue;
    }
    // A record key's own message (its regex's) says more than "Invalid key in record".
    const reason = issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
    problems.push({ field: base || 'body', reason });
  }
  return problems;
}

/** Problems listed in one message; a body with thousands of unknown keys must still fit in an SQS outcome. */
const MAX_LISTED_PROBLEMS = 10;
/** Longest reason shown; some reasons quote the offending value, which may be huge. */
const MAX_REASON_LENGTH = 300;

/**
 * Formats problems as one line: `cidrIp: has host bits set; ...; approval.ticket: ...`.
 *
 * The first ten are listed, each reason cut at 300 characters, then `and N more problems`: the
 * message goes into an outcome, which must stay within SQS's 256 KiB message size.
 */
export function formatProblems(problems: readonly Problem[]): string {
  const listed = problems
    .slice(0, MAX_LISTED_PROBLEMS)
    .map((p) => `${p.field}: ${truncate(p.reason, MAX_REASON_LENGTH)}`);
  const more = problems.length - listed.length;
  if (more > 0) listed.push(`and ${more} more problem${more === 1 ? '' : 's'}`);
  return listed.join('; ');
}

function normalise(value: z.output<typeof ingressRequestSchema>, messageId: string): IngressRequest {
  const rule: IngressRule =
    value.cidrIp !== undefined
      ? {
          clusterSecurityGroupName: value.clusterSecurityGroupName,
          cidrIp: (parseIpv4Cidr(value.cidrIp) as { ok: true; network: { cidr: string } }).network.cidr,
        }
      : {
          clusterSecurityGroupName: value.clusterSecurityGroupName,
          ec2SecurityGroupName: value.ec2SecurityGroupName as string,
          ec2SecurityGroupOwnerId: value.ec2SecurityGroupOwnerId as string,
        };
  return {
    version: 1,
    requestId: value.requestId ?? messageId,
    action: value.action,
    rule,
    ...(value.requestedBy !== undefined && { requestedBy: value.requestedBy }),
    ...(value.reason !== undefined && { reason: value.reason }),
    ...(value.approval !== undefined && { approval: value.approval }),
    ...(value.taskToken !== undefined && { taskToken: value.taskToken }),
  };
}

function reject(
  problems: Problem[],
  json: Record<string, unknown> | undefined,
  messageId: string,
): ParseResult {
  return { ok: false, problems, context: readContext(json, messageId) };
}

/** Salvages the fields that are individually valid, so a rejection still reaches the right consumer. */
// Built once: every invalid record is read with it.
const requestedBySchema = text(128);

function readContext(json: Record<string, unknown> | undefined, messageId: string): RequestContext {
  const pick = <T>(schema: z.ZodMiniType<T>, key: string): T | undefined => {
    if (json === undefined || !Object.hasOwn(json, key)) return undefined;
    const result = schema.safeParse(json[key]);
    return result.success ? result.data : undefined;
  };
  const requestId = pick(requestIdSchema, 'requestId') ?? messageId;
  const action = pick(actionSchema, 'action') ?? Action.authorize;
  const clusterSecurityGroupName = pick(clusterSecurityGroupNameSchema, 'clusterSecurityGroupName');
  const requestedBy = pick(requestedBySchema, 'requestedBy');
  const approval = salvageApproval(json?.approval);
  const taskToken = pick(taskTokenSchema, 'taskToken');
  return {
    requestId,
    action,
    ...(clusterSecurityGroupName !== undefined && { clusterSecurityGroupName }),
    ...(requestedBy !== undefined && { requestedBy }),
    ...(approval !== undefined && { approval }),
    ...(taskToken !== undefined && { taskToken }),
  };
}

/** The individually valid fields of an approval, so a rejection still reaches its ticket and approver. */
function salvageApproval(value: unknown): Approval | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const fields = value as Record<string, unknown>;
  const approval: Record<string, string> = {};
  for (const [key, schema] of Object.entries(approvalSchema.shape)) {
    if (!Object.hasOwn(fields, key)) continue;
    const result = schema.safeParse(fields[key]);
    if (result.success && result.data !== undefined) approval[key] = result.data;
  }
  return Object.keys(approval).length > 0 ? approval : undefined;
}

/** A path segment as a person reads it: plain names bare, anything else quoted and shortened. */
function fieldName(segment: PropertyKey): string {
  const text = String(segment);
  if (/^[A-Za-z_$][\w$-]{0,63}$/.test(text) || /^\d{1,9}$/.test(text)) return text;
  return JSON.stringify(truncate(text, 64));
}

function truncate(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max)}...`;
}

/** A key that identifies a rule's target within its group, for coalescing and ordering. */
export function targetKey(rule: IngressRule): string {
  return 'cidrIp' in rule
    ? `cidr:${rule.cidrIp}`
    : `ec2:${rule.ec2SecurityGroupOwnerId}/${rule.ec2SecurityGroupName}`;
}

/** A short human description of a rule's target: `203.0.113.0/24` or `bi-tools (111122223333)`. */
export function describeTarget(target: IngressTarget): string {
  return 'cidrIp' in target
    ? target.cidrIp
    : `${target.ec2SecurityGroupName} (${target.ec2SecurityGroupOwnerId})`;
}
