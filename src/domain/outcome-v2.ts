// Built at run time: the rule an outcome v2 carries. Its schema, which consumers and the published JSON
// Schema use, is in outcome-v2-schema.ts: no handler constructs it.
import type { OutcomeRuleV2 } from './outcome-v2-schema.js';
import type { IngressRuleV2 } from './request-v2.js';

export type { OutcomeRuleV2, OutcomeV2 } from './outcome-v2-schema.js';

/** What the service resolved for a rule on a VPC target. */
export interface ResolvedVpcRule {
  readonly securityGroupId: string;
  readonly port: number;
  readonly securityGroupRuleId?: string;
}

/**
 * The rule of an outcome v2: the request's target and source as asked, then what was resolved (for a
 * VPC target, once resolved).
 */
export function outcomeRuleV2(rule: IngressRuleV2, resolved?: ResolvedVpcRule): OutcomeRuleV2 {
  if (!('target' in rule)) return { ...rule };
  return {
    ...rule.target,
    ...rule.source,
    ...(resolved !== undefined && { securityGroupId: resolved.securityGroupId }),
    ...(resolved !== undefined ? { port: resolved.port } : rule.port !== undefined && { port: rule.port }),
    ...(resolved?.securityGroupRuleId !== undefined && { securityGroupRuleId: resolved.securityGroupRuleId }),
  };
}
