import type * as z from 'zod/mini';
import { parseIpv6Cidr } from './cidr.js';
import { describeIssues } from './messages.js';
import {
  type Action,
  type Approval,
  canonicalCidr,
  clusterSecurityGroupRule,
  decodeBody,
  type IngressRequest,
  type IngressRule,
  type Problem,
  type RequestContext,
  readContext,
  readRequest,
  sharedFields,
} from './request.js';
import { ingressRequestV2Schema } from './request-v2-schema.js';

// Reading a request of either version. The contract of version 2 is the schema of request-v2-schema.ts;
// this module decodes the body, chooses the version, and normalises a v2 body into its target, source
// and port.

/** A request v2 body that passed every check, as written (CIDRs not yet canonical, `action` defaulted). */
export type RequestBodyV2 = z.output<ReturnType<typeof ingressRequestV2Schema>>;

/** What a rule on a VPC target is applied to: a cluster or workgroup (optionally one of its groups), or a group. */
export type VpcTarget =
  | { readonly clusterIdentifier: string; readonly securityGroupId?: string }
  | { readonly workgroupName: string; readonly securityGroupId?: string }
  | { readonly securityGroupId: string };

/** Where a rule on a VPC target lets traffic come from: exactly one source, canonical CIDRs. */
export type VpcSource =
  | { readonly cidrIp: string }
  | { readonly cidrIpv6: string }
  | { readonly sourceSecurityGroupId: string; readonly sourceSecurityGroupOwnerId?: string }
  | { readonly prefixListId: string };

/** A rule on a VPC target as asked: the target, the source, and the port when the request gives one. */
export interface VpcIngressRule {
  readonly target: VpcTarget;
  readonly source: VpcSource;
  /** Absent: the cluster's or workgroup's endpoint port (5439 for a bare security group). */
  readonly port?: number;
}

/** The rule of a request v2: on a VPC target, or on a cluster security group as in version 1. */
export type IngressRuleV2 = VpcIngressRule | IngressRule;

/** A valid request v2, normalised: canonical CIDRs, `requestId` defaulted to the SQS message id. */
export interface IngressRequestV2 {
  readonly version: 2;
  readonly requestId: string;
  readonly action: Action;
  readonly rule: IngressRuleV2;
  readonly requestedBy?: string;
  readonly reason?: string;
  readonly approval?: Approval;
  readonly taskToken?: string;
}

/** A parsed body of either version: the request, or every problem found in it. */
export type AnyParseResult =
  | { readonly ok: true; readonly request: IngressRequest | IngressRequestV2 }
  | {
      readonly ok: false;
      readonly problems: readonly Problem[];
      readonly context: RequestContext;
      /** 2 when the body said `version: 2`, so its answer is an outcome v2. */
      readonly version?: 2;
    };

/** The correlation context of a valid request of either version, carried into its outcome and logs. */
export function requestContextOf(request: IngressRequest | IngressRequestV2): RequestContext {
  return {
    requestId: request.requestId,
    action: request.action,
    ...('clusterSecurityGroupName' in request.rule && {
      clusterSecurityGroupName: request.rule.clusterSecurityGroupName,
    }),
    ...(request.requestedBy !== undefined && { requestedBy: request.requestedBy }),
    ...(request.approval !== undefined && { approval: request.approval }),
    ...(request.taskToken !== undefined && { taskToken: request.taskToken }),
  };
}

/** Whether a rule of a request v2 is on a VPC target (else it is on a cluster security group). */
export function isVpcRule(rule: IngressRuleV2): rule is VpcIngressRule {
  return 'target' in rule;
}

/**
 * Reads the body of a requests-queue message of either version (1, or 2 when its `version` is 2); never
 * throws.
 *
 * @param body the raw message body
 * @param messageId the SQS message id, the default `requestId`
 */
export function parseAnyRequest(body: string, messageId: string): AnyParseResult {
  const decoded = decodeBody(body);
  if (!decoded.ok) {
    return { ok: false, problems: [decoded.problem], context: readContext(undefined, messageId) };
  }
  const { json } = decoded;
  if (json.version === 2) return readV2(json, messageId);
  const v1 = readRequest(json, messageId);
  if (v1.ok || json.version === 1) return v1;
  // Neither version: say that both are accepted.
  const problems = v1.problems.map((problem) =>
    problem.field === 'version' ? { field: 'version', reason: VERSION_REASON } : problem,
  );
  return { ...v1, problems };
}

const VERSION_REASON = 'must be 1 or 2 (the request contract version)';

/**
 * Reads the body of a request v2; never throws. A body of another version is refused naming `version`.
 *
 * @param body the raw message body
 * @param messageId the SQS message id, the default `requestId`
 */
export function parseRequestV2(
  body: string,
  messageId: string,
): { readonly ok: true; readonly request: IngressRequestV2 } | Extract<AnyParseResult, { ok: false }> {
  const decoded = decodeBody(body);
  if (!decoded.ok) {
    return { ok: false, problems: [decoded.problem], context: readContext(undefined, messageId) };
  }
  return readV2(decoded.json, messageId);
}

/** Validates an already-decoded value against request v2, giving every problem with its field. */
export function validateRequestV2(
  value: unknown,
): { ok: true; value: RequestBodyV2 } | { ok: false; problems: Problem[] } {
  const result = ingressRequestV2Schema().safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, problems: describeIssues(result.error.issues) };
}

function readV2(
  json: Record<string, unknown>,
  messageId: string,
): { readonly ok: true; readonly request: IngressRequestV2 } | Extract<AnyParseResult, { ok: false }> {
  const result = validateRequestV2(json);
  if (!result.ok) {
    return { ok: false, problems: result.problems, context: readContext(json, messageId), version: 2 };
  }
  return { ok: true, request: normaliseV2(result.value, messageId) };
}

// The schema has checked every field and their combination: what is read below is there.
function normaliseV2(value: RequestBodyV2, messageId: string): IngressRequestV2 {
  const base = { version: 2 as const, ...sharedFields(value, messageId) };
  if (value.clusterSecurityGroupName !== undefined) {
    return {
      ...base,
      rule: clusterSecurityGroupRule({ ...value, clusterSecurityGroupName: value.clusterSecurityGroupName }),
    };
  }
  const picked = value.securityGroupId !== undefined && { securityGroupId: value.securityGroupId };
  const target: VpcTarget =
    value.clusterIdentifier !== undefined
      ? { clusterIdentifier: value.clusterIdentifier, ...picked }
      : value.workgroupName !== undefined
        ? { workgroupName: value.workgroupName, ...picked }
        : { securityGroupId: value.securityGroupId as string };
  return {
    ...base,
    rule: { target, source: vpcSource(value), ...(value.port !== undefined && { port: value.port }) },
  };
}

function vpcSource(value: RequestBodyV2): VpcSource {
  if (value.cidrIp !== undefined) return { cidrIp: canonicalCidr(value.cidrIp) };
  if (value.cidrIpv6 !== undefined) {
    const parsed = parseIpv6Cidr(value.cidrIpv6);
    if (!parsed.ok) throw new TypeError(`not a checked IPv6 CIDR: ${parsed.reason}`);
    return { cidrIpv6: parsed.network.cidr };
  }
  if (value.prefixListId !== undefined) return { prefixListId: value.prefixListId };
  return {
    sourceSecurityGroupId: value.sourceSecurityGroupId as string,
    ...(value.sourceSecurityGroupOwnerId !== undefined && {
      sourceSecurityGroupOwnerId: value.sourceSecurityGroupOwnerId,
    }),
  };
}

/**
 * A key that identifies what a rule of a request v2 changes, for ordering: `cluster:<id>`,
 * `workgroup:<name>`, `sg:<id>`, or `cluster-security-group:<name>` (names compare without case, as
 * Redshift compares them).
 */
export function targetKeyV2(rule: IngressRuleV2): string {
  if (!isVpcRule(rule)) return `cluster-security-group:${rule.clusterSecurityGroupName.toLowerCase()}`;
  const { target } = rule;
  if ('clusterIdentifier' in target) return `cluster:${target.clusterIdentifier}`;
  if ('workgroupName' in target) return `workgroup:${target.workgroupName}`;
  return `sg:${target.securityGroupId}`;
}

/**
 * A key that identifies a VPC rule's source and port within its target, for coalescing: `cidr:<cidr>`,
 * `cidr6:<cidr>`, `sg:<owner>/<id>`, `pl:<id>`, then `:<port>` (`:default` when the request gave none).
 */
export function sourceKeyV2(rule: VpcIngressRule): string {
  const { source } = rule;
  const port = rule.port ?? 'default';
  if ('cidrIp' in source) return `cidr:${source.cidrIp}:${port}`;
  if ('cidrIpv6' in source) return `cidr6:${source.cidrIpv6}:${port}`;
  if ('prefixListId' in source) return `pl:${source.prefixListId}:${port}`;
  return `sg:${source.sourceSecurityGroupOwnerId ?? ''}/${source.sourceSecurityGroupId}:${port}`;
}
