import { parseIpv4Cidr } from './cidr.js';
import {
  checkKnownKeys,
  checkString,
  fieldOf,
  Issues,
  isRecord,
  kindOf,
  type PathSegment,
  type StringRule,
  truncate,
  wrongKind,
} from './validate.js';

// The request contract, version 1, checked as the handler checks every message. Its zod form, from which
// the JSON Schema is published, is request-schema.ts; the conformance test holds the two to the same answers.

/** What a request asks for: open access, or close it. */
export const Action = { authorize: 'authorize', revoke: 'revoke' } as const;
/** What a request asks for: open access, or close it. */
export type Action = (typeof Action)[keyof typeof Action];

/** An AWS account id: exactly 12 digits. */
export const ACCOUNT_ID_PATTERN = /^\d{12}$/;

/** Who approved a change, carried into every outcome and log line of the request. */
export interface Approval {
  ticket?: string;
  approvedBy?: string;
  /** An ISO 8601 date-time with seconds and a `Z` or an offset. */
  approvedAt?: string;
}

/** A request body that passed every check, as written (CIDR not yet canonical, `action` defaulted). */
export interface RequestBody {
  version: 1;
  requestId?: string;
  action: Action;
  clusterSecurityGroupName: string;
  cidrIp?: string;
  ec2SecurityGroupName?: string;
  ec2SecurityGroupOwnerId?: string;
  requestedBy?: string;
  reason?: string;
  approval?: Approval;
  taskToken?: string;
}

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

// The checks of each field, shared with the desired state (desired-state.ts).

/** A string of 1 to `max` characters. */
export const textRule = (maxLength: number): StringRule => ({ nonEmpty: true, maxLength });

/** Cluster security group names: 1-255 letters, digits or hyphens (the Redshift naming rule). */
export const CLUSTER_SECURITY_GROUP_NAME: StringRule = {
  nonEmpty: true,
  maxLength: 255,
  pattern: /^[A-Za-z0-9-]+$/,
  patternReason: 'must contain only letters, digits and hyphens',
};

/** An IPv4 address or CIDR as the API's CIDRIP takes it; a bare address means /32; no host bits set. */
export const CIDR: StringRule = {
  maxLength: 64,
  refine: (value) => {
    const parsed = parseIpv4Cidr(value);
    return parsed.ok ? undefined : parsed.reason;
  },
};

/** A correlation key: printable, no spaces, short enough for an SQS message attribute and a log field. */
const REQUEST_ID: StringRule = {
  nonEmpty: true,
  maxLength: 128,
  pattern: /^[\w.:/@+=-]+$/,
  patternReason: 'must contain only letters, digits and . _ : / @ + = -',
};

/** An AWS account id as a string: `123456789012`. */
export const ACCOUNT_ID: StringRule = {
  pattern: ACCOUNT_ID_PATTERN,
  patternReason: 'must be a 12-digit AWS account id',
};

// A Step Functions task token: SendTaskSuccess and SendTaskFailure accept up to 2048 characters.
// https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html
const TASK_TOKEN = textRule(2048);
const REQUESTED_BY = textRule(128);
const REASON = textRule(1024);
/** An EC2 security group's name, as a request and the desired state give it. */
export const EC2_SECURITY_GROUP_NAME = textRule(255);

// RFC 3339 as zod's iso.datetime({ offset: true }) reads it: a real calendar date, `T`, seconds (a fraction
// allowed) and `Z` or an offset.
const DATE =
  '(?:(?:\\d\\d[2468][048]|\\d\\d[13579][26]|\\d\\d0[48]|[02468][048]00|[13579][26]00)-02-29|\\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|(?:02)-(?:0[1-9]|1\\d|2[0-8])))';
const ISO_DATE_TIME = new RegExp(
  `^${DATE}T(?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(?:\\.\\d+)?(?:Z|[+-](?:[01]\\d|2[0-3]):[0-5]\\d)$`,
);

const APPROVAL: Readonly<Record<keyof Approval, StringRule>> = {
  ticket: textRule(128),
  approvedBy: textRule(256),
  approvedAt: {
    pattern: ISO_DATE_TIME,
    patternReason: 'must be an ISO 8601 date-time',
    notAString: () => 'must be an ISO 8601 date-time',
  },
};
const APPROVAL_KEYS: ReadonlySet<string> = new Set(Object.keys(APPROVAL));

/** The fields of a request, in the contract's order. */
export const REQUEST_FIELDS = [
  'version',
  'requestId',
  'action',
  'clusterSecurityGroupName',
  'cidrIp',
  'ec2SecurityGroupName',
  'ec2SecurityGroupOwnerId',
  'requestedBy',
  'reason',
  'approval',
  'taskToken',
] as const satisfies readonly (keyof RequestBody)[];
const REQUEST_KEYS: ReadonlySet<string> = new Set(REQUEST_FIELDS);

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
  if (!isRecord(json)) {
    return reject(
      [{ field: 'body', reason: `must be a JSON object, got ${kindOf(json)}` }],
      undefined,
      messageId,
    );
  }
  const result = validateRequest(json);
  if (!result.ok) return reject(result.problems, json, messageId);
  return { ok: true, request: normalise(result.value, messageId) };
}

/** Validates an already-decoded value against request v1, giving every problem with its field. */
export function validateRequest(
  value: unknown,
): { ok: true; value: RequestBody } | { ok: false; problems: Problem[] } {
  const issues = new Issues();
  const body = checkRequest(value, issues);
  if (body !== undefined && issues.list.length === 0) return { ok: true, value: body };
  return { ok: false, problems: issues.list.map(({ path, reason }) => ({ field: fieldOf(path), reason })) };
}

function isAction(value: unknown): value is Action {
  return value === Action.authorize || value === Action.revoke;
}

/** The body if it passes every check, adding what fails to `issues`; fields in the contract's order. */
function checkRequest(value: unknown, issues: Issues): RequestBody | undefined {
  if (!isRecord(value)) {
    issues.addWrongKind([], wrongKind('an object', value));
    return undefined;
  }
  const [issuesBefore, wrongKindsBefore] = [issues.list.length, issues.wrongKinds];
  const body: Record<string, unknown> = {};
  // An optional field given as undefined (a draft of the CLI, never JSON) is a field left out.
  const optional = (key: string, rule: StringRule) => {
    if (value[key] !== undefined) body[key] = checkString(value[key], [key], rule, issues);
  };

  if (value.version === 1) body.version = 1;
  else issues.addWrongKind(['version'], 'must be 1 (the request contract version)');
  optional('requestId', REQUEST_ID);
  body.action = value.action === undefined ? Action.authorize : value.action;
  if (!isAction(body.action)) issues.addWrongKind(['action'], 'must be "authorize" or "revoke"');
  body.clusterSecurityGroupName = checkString(
    value.clusterSecurityGroupName,
    ['clusterSecurityGroupName'],
    CLUSTER_SECURITY_GROUP_NAME,
    issues,
  );
  optional('cidrIp', CIDR);
  optional('ec2SecurityGroupName', EC2_SECURITY_GROUP_NAME);
  optional('ec2SecurityGroupOwnerId', ACCOUNT_ID);
  optional('requestedBy', REQUESTED_BY);
  optional('reason', REASON);
  if (value.approval !== undefined) body.approval = checkApproval(value.approval, ['approval'], issues);
  optional('taskToken', TASK_TOKEN);
  checkKnownKeys(value, REQUEST_KEYS, [], issues);
  if (issues.wrongKinds === wrongKindsBefore) checkTarget(value, issues);
  return issues.list.length === issuesBefore ? (body as unknown as RequestBody) : undefined;
}

/** The approval if it passes every check, adding what fails to `issues`. */
function checkApproval(given: unknown, path: readonly PathSegment[], issues: Issues): Approval | undefined {
  if (!isRecord(given)) {
    issues.addWrongKind(path, wrongKind('an object with ticket, approvedBy and approvedAt', given));
    return undefined;
  }
  const approval: Record<string, string | undefined> = {};
  for (const [key, rule] of Object.entries(APPROVAL)) {
    if (given[key] !== undefined) approval[key] = checkString(given[key], [...path, key], rule, issues);
  }
  checkKnownKeys(given, APPROVAL_KEYS, path, issues);
  return approval;
}

/** A request names one target: a CIDR, or an EC2 security group by name and owner. */
function checkTarget(value: Readonly<Record<string, unknown>>, issues: Issues): void {
  const hasCidr = value.cidrIp !== undefined;
  const hasName = value.ec2SecurityGroupName !== undefined;
  const hasOwner = value.ec2SecurityGroupOwnerId !== undefined;
  if (hasCidr && (hasName || hasOwner)) {
    issues.add(
      ['cidrIp'],
      'give either cidrIp or ec2SecurityGroupName with ec2SecurityGroupOwnerId, not both',
    );
  } else if (!hasCidr && !hasName && !hasOwner) {
    issues.add(
      ['cidrIp'],
      'a target is required: cidrIp, or ec2SecurityGroupName with ec2SecurityGroupOwnerId',
    );
  } else if (!hasCidr && hasName !== hasOwner) {
    const [missing, given] = hasName
      ? ['ec2SecurityGroupOwnerId', 'ec2SecurityGroupName']
      : ['ec2SecurityGroupName', 'ec2SecurityGroupOwnerId'];
    issues.add([missing], `is required together with ${given}`);
  }
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

function normalise(value: RequestBody, messageId: string): IngressRequest {
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
function readContext(json: Record<string, unknown> | undefined, messageId: string): RequestContext {
  const pick = (key: string, rule: StringRule): string | undefined =>
    json !== undefined && Object.hasOwn(json, key)
      ? checkString(json[key], [key], rule, new Issues())
      : undefined;
  const requestId = pick('requestId', REQUEST_ID) ?? messageId;
  const action = isAction(json?.action) ? json.action : Action.authorize;
  const clusterSecurityGroupName = pick('clusterSecurityGroupName', CLUSTER_SECURITY_GROUP_NAME);
  const requestedBy = pick('requestedBy', REQUESTED_BY);
  const approval = salvageApproval(json?.approval);
  const taskToken = pick('taskToken', TASK_TOKEN);
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
  if (!isRecord(value)) return undefined;
  const approval: Record<string, string> = {};
  for (const [key, rule] of Object.entries(APPROVAL)) {
    if (!Object.hasOwn(value, key)) continue;
    const checked = checkString(value[key], [key], rule, new Issues());
    if (checked !== undefined) approval[key] = checked;
  }
  return Object.keys(approval).length > 0 ? approval : undefined;
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
