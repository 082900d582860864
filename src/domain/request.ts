import type * as z from 'zod/mini';
import { onFirstUse } from '../shared/on-first-use.js';
import { parseIpv4Cidr } from './cidr.js';
import { describeIssues } from './messages.js';
import {
  Action,
  actionSchema,
  approvalSchema,
  clusterSecurityGroupNameSchema,
  ingressRequestSchema,
  requestedBySchema,
  requestIdSchema,
  taskTokenSchema,
} from './request-schema.js';
import { isRecord, kindOf, truncate } from './validate.js';

// Reading a request, version 1: its contract is the schema of request-schema.ts, which checks every
// message; this module decodes the body, words the schema's issues and normalises what passed.

export { ACCOUNT_ID_PATTERN, Action } from './request-schema.js';

/** Who approved a change, carried into every outcome and log line of the request. */
export type Approval = z.output<ReturnType<typeof approvalSchema>>;

/** A request body that passed every check, as written (CIDR not yet canonical, `action` defaulted). */
export type RequestBody = z.output<ReturnType<typeof ingressRequestSchema>>;

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

/** The fields of a request, in the contract's order. */
export const requestFields = onFirstUse(
  () => Object.keys(ingressRequestSchema().def.shape) as readonly (keyof RequestBody)[],
);

/** A body decoded from JSON, or the problem that it is not a JSON object. */
export type DecodedBody =
  | { readonly ok: true; readonly json: Record<string, unknown> }
  | { readonly ok: false; readonly problem: Problem };

/** Decodes a message body: a JSON object, or the problem naming `body`. */
export function decodeBody(body: string): DecodedBody {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { ok: false, problem: { field: 'body', reason: `is not valid JSON (${truncate(detail, 200)})` } };
  }
  if (!isRecord(json)) {
    return { ok: false, problem: { field: 'body', reason: `must be a JSON object, got ${kindOf(json)}` } };
  }
  return { ok: true, json };
}

/**
 * Reads the body of a requests-queue message; never throws.
 *
 * @param body the raw message body
 * @param messageId the SQS message id, the default `requestId`
 */
export function parseRequest(body: string, messageId: string): ParseResult {
  const decoded = decodeBody(body);
  if (!decoded.ok) {
    return { ok: false, problems: [decoded.problem], context: readContext(undefined, messageId) };
  }
  return readRequest(decoded.json, messageId);
}

/**
 * Reads a decoded body as request v1: the normalised request, or every problem and what can be salvaged.
 *
 * @param json the decoded body
 * @param messageId the SQS message id, the default `requestId`
 */
export function readRequest(json: Record<string, unknown>, messageId: string): ParseResult {
  const result = validateRequest(json);
  if (!result.ok) return { ok: false, problems: result.problems, context: readContext(json, messageId) };
  const value = result.value;
  return {
    ok: true,
    request: { version: 1, ...sharedFields(value, messageId), rule: clusterSecurityGroupRule(value) },
  };
}

/** Validates an already-decoded value against request v1, giving every problem with its field. */
export function validateRequest(
  value: unknown,
): { ok: true; value: RequestBody } | { ok: false; problems: Problem[] } {
  const result = ingressRequestSchema().safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, problems: describeIssues(result.error.issues) };
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

/** The CIDR as the API takes it: a checked CIDR with `/32` added to a bare address. */
export function canonicalCidr(cidr: string): string {
  const parsed = parseIpv4Cidr(cidr);
  if (!parsed.ok) throw new TypeError(`not a checked CIDR: ${parsed.reason}`);
  return parsed.network.cidr;
}

/** The rule on a cluster security group a checked body asks for, CIDR canonical. */
export function clusterSecurityGroupRule(
  value: Pick<RequestBody, 'cidrIp' | 'ec2SecurityGroupName' | 'ec2SecurityGroupOwnerId'> & {
    readonly clusterSecurityGroupName: string;
  },
): IngressRule {
  const group = value.clusterSecurityGroupName;
  return value.cidrIp !== undefined
    ? { clusterSecurityGroupName: group, cidrIp: canonicalCidr(value.cidrIp) }
    : {
        clusterSecurityGroupName: group,
        ec2SecurityGroupName: value.ec2SecurityGroupName as string,
        ec2SecurityGroupOwnerId: value.ec2SecurityGroupOwnerId as string,
      };
}

/** The fields every request version shares, normalised: `requestId` defaulted, the rest only when given. */
export function sharedFields(
  value: Pick<RequestBody, 'requestId' | 'action' | 'requestedBy' | 'reason' | 'approval' | 'taskToken'>,
  messageId: string,
): Pick<IngressRequest, 'requestId' | 'action' | 'requestedBy' | 'reason' | 'approval' | 'taskToken'> {
  return {
    requestId: value.requestId ?? messageId,
    action: value.action,
    ...(value.requestedBy !== undefined && { requestedBy: value.requestedBy }),
    ...(value.reason !== undefined && { reason: value.reason }),
    ...(value.approval !== undefined && { approval: value.approval }),
    ...(value.taskToken !== undefined && { taskToken: value.taskToken }),
  };
}

/** The value of `key` if it is there and passes `schema` on its own, else undefined. */
function salvage<T>(
  json: Record<string, unknown> | undefined,
  key: string,
  schema: z.ZodMiniType<T>,
): T | undefined {
  if (json === undefined || !Object.hasOwn(json, key)) return undefined;
  const result = schema.safeParse(json[key]);
  return result.success ? result.data : undefined;
}

/**
 * Salvages the fields that are individually valid, so a rejection still reaches the right consumer.
 *
 * @param json the decoded body, undefined when it was not a JSON object
 * @param messageId the SQS message id, the default `requestId`
 */
export function readContext(json: Record<string, unknown> | undefined, messageId: string): RequestContext {
  const action = salvage(json, 'action', actionSchema());
  const clusterSecurityGroupName = salvage(
    json,
    'clusterSecurityGroupName',
    clusterSecurityGroupNameSchema(),
  );
  const requestedBy = salvage(json, 'requestedBy', requestedBySchema());
  const approval = salvageApproval(json?.approval);
  const taskToken = salvage(json, 'taskToken', taskTokenSchema());
  return {
    requestId: salvage(json, 'requestId', requestIdSchema()) ?? messageId,
    action: action ?? Action.authorize,
    ...(clusterSecurityGroupName !== undefined && { clusterSecurityGroupName }),
    ...(requestedBy !== undefined && { requestedBy }),
    ...(approval !== undefined && { approval }),
    ...(taskToken !== undefined && { taskToken }),
  };
}

/** The individually valid fields of an approval, so a rejection still reaches its ticket and approver. */
function salvageApproval(value: unknown): Approval | undefined {
  if (!isRecord(value)) return undefined;
  const approval: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(approvalSchema().def.shape)) {
    const checked = salvage(value, key, schema);
    if (checked !== undefined) approval[key] = checked;
  }
  return Object.keys(approval).length > 0 ? (approval as Approval) : undefined;
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
