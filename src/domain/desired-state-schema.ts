import * as z from 'zod/mini';
import { parseIpv4Cidr } from './cidr.js';
import { mustBe } from './messages.js';
import {
  ACCOUNT_ID_PATTERN,
  cidrSchema,
  clusterSecurityGroupNameSchema,
  ec2SecurityGroupNameSchema,
} from './request-schema.js';
import { withMetadata } from './schema-metadata.js';

// The desired-state contract, written once: this zod/mini schema is what the reconciler and packaging
// check the document with (readDesiredState in desired-state.ts) and what `npm run schemas` publishes as
// JSON Schema. What JSON Schema cannot say (the rule quota, duplicates after canonicalisation, names that
// differ only in case) is a refinement beside the part it checks.

/** The most rules one cluster security group may hold (AuthorizeClusterSecurityGroupIngress quota). */
export const MAX_RULES_PER_GROUP = 20;

const ec2GroupSchema = z.strictObject(
  {
    name: ec2SecurityGroupNameSchema,
    ownerId: z
      .string('must be a 12-digit AWS account id, quoted so YAML keeps it a string')
      .check(z.regex(ACCOUNT_ID_PATTERN, 'must be a 12-digit AWS account id')),
  },
  mustBe('a mapping with name and ownerId'),
);

const groupSchema = z
  .strictObject(
    {
      prune: z._default(z.boolean(mustBe('true or false')), false),
      cidrIps: z._default(z.array(cidrSchema, mustBe('a list of CIDRs')), []),
      ec2SecurityGroups: z._default(
        z.array(ec2GroupSchema, mustBe('a list of EC2 security groups (name and ownerId)')),
        [],
      ),
    },
    mustBe('a mapping with prune, cidrIps and ec2SecurityGroups'),
  )
  .check(
    z.superRefine((group, ctx) => {
      const total = group.cidrIps.length + group.ec2SecurityGroups.length;
      if (total > MAX_RULES_PER_GROUP) {
        ctx.addIssue({
          code: 'custom',
          message: `has ${total} rules; a cluster security group holds at most ${MAX_RULES_PER_GROUP}`,
        });
      }
      const seen = new Map<string, number>();
      group.cidrIps.forEach((cidr, index) => {
        const canonical = parseIpv4Cidr(cidr);
        if (!canonical.ok) return;
        const first = seen.get(canonical.network.cidr);
        if (first !== undefined) {
          ctx.addIssue({ code: 'custom', path: ['cidrIps', index], message: `duplicates cidrIps.${first}` });
        } else seen.set(canonical.network.cidr, index);
      });
      const ec2Seen = new Map<string, number>();
      group.ec2SecurityGroups.forEach((ec2, index) => {
        const key = `${ec2.ownerId}/${ec2.name}`;
        const first = ec2Seen.get(key);
        if (first !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['ec2SecurityGroups', index],
            message: `duplicates ec2SecurityGroups.${first}`,
          });
        } else ec2Seen.set(key, index);
      });
    }),
  );

/** The desired-state document, version 1: per cluster security group, the rules that must exist. */
export const desiredStateSchema = withMetadata(
  z.strictObject(
    {
      version: z.literal(1, 'must be 1 (the desired-state contract version)'),
      groups: z
        .record(clusterSecurityGroupNameSchema, groupSchema, mustBe('a mapping of group names to groups'))
        .check(
          z.refine((groups) => Object.keys(groups).length > 0, 'must name at least one group'),
          z.superRefine((groups, ctx) => {
            // Redshift compares group names without case: two spellings would fight over one group.
            const seen = new Map<string, string>();
            for (const name of Object.keys(groups)) {
              const first = seen.get(name.toLowerCase());
              if (first !== undefined) {
                ctx.addIssue({
                  code: 'custom',
                  path: [name],
                  message: `names the same group as "${first}" (names compare without case)`,
                });
              } else seen.set(name.toLowerCase(), name);
            }
          }),
        ),
    },
    mustBe('a mapping with version and groups'),
  ),
  {
    $id: 'urn:redshift-ingress:schema:desired-state:v1',
    title: 'Desired state, version 1',
    description:
      'Per cluster security group, the CIDRs and EC2 security groups that must be present, and whether extras are pruned.',
  },
);
