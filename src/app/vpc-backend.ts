// The backend of VPC targets: resolves the target (resolve-vpc-target.ts), then applies one permission
// with one source to the resolved security group, so each fault belongs to exactly one request.
import { Action } from '../domain/request.js';
import type { VpcIngressRule } from '../domain/request-v2.js';
import type { VpcPermission } from '../domain/vpc.js';
import type { RuleBackend, SecurityGroupRules, VpcTargets } from './ports.js';
import { resolveVpcTarget } from './resolve-vpc-target.js';

/** What the VPC backend reads targets through and changes rules with. */
export interface VpcBackendPorts {
  readonly targets: VpcTargets;
  readonly rules: SecurityGroupRules;
}

/**
 * Makes the backend of VPC targets: each change resolves its cluster, workgroup or security group (a
 * cluster or workgroup read once per batch), then authorizes or revokes TCP on the request's port (else
 * the target's) from the one source; the result carries the group, the port and the rule's id.
 */
export function makeVpcBackend(ports: VpcBackendPorts): RuleBackend<VpcIngressRule> {
  return {
    async apply({ action, rule, requestId }, batch) {
      const target = await resolveVpcTarget(rule.target, ports.targets, batch);
      const permission: VpcPermission = {
        securityGroupId: target.securityGroupId,
        port: rule.port ?? target.port,
        source: rule.source,
      };
      const result =
        action === Action.authorize
          ? await ports.rules.authorize(permission, requestId)
          : await ports.rules.revoke(permission);
      return {
        status: result.status,
        resolved: {
          securityGroupId: permission.securityGroupId,
          port: permission.port,
          ...(result.securityGroupRuleId !== undefined && {
            securityGroupRuleId: result.securityGroupRuleId,
          }),
        },
      };
    },
  };
}
