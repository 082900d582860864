import * as z from 'zod/mini';
import { onFirstUse } from '../shared/on-first-use.js';
import { parseIpv4Cidr, parseIpv6Cidr } from './cidr.js';
import { mustBe } from './messages.js';
import {
  ACCOUNT_ID_PATTERN,
  accountIdSchema,
  cidrSchema,
  clusterSecurityGroupNameSchema,
  ec2SecurityGroupNameSchema,
} from './request-schema.js';
import {
  cidrIpV2Schema,
  cidrIpv6Schema,
  clusterIdentifierSchema,
  portSchema,
  prefixListIdSchema,
  securityGroupIdSchema,
  workgroupNameSchema,
} from './request-v2-schema.js';
import { described, withMetadata } from './schema-metadata.js';

// The desired-state contract, written once: this zod/mini schema is what the reconciler and packaging
// check the document with (readDesiredState in desired-state.ts) and what `npm run schemas` publishes as
// JSON Schema. What JSON Schema cannot say (the rule quota, duplicates after canonicalisation, names that
// differ only in case) is a refinement beside the part it checks.

/** The most rules one cluster security group may hold (AuthorizeClusterSecurityGroupIngress quota). */
export const MAX_RULES_PER_GROUP = 20;

const ec2GroupSchema = onFirstUse(() =>
  z.strictObject(
    {
      name: ec2SecurityGroupNameSchema(),
      ownerId: z
        .string('must be a 12-digit AWS account id, quoted so YAML keeps it a string')
        .check(z.regex(ACCOUNT_ID_PATTERN, 'must be a 12-digit AWS account id')),
    },
    mustBe('a mapping with name and ownerId'),
  ),
);

const groupSchema = onFirstUse(() =>
  z
    .strictObject(
      {
        prune: z._default(z.boolean(mustBe('true or false')), false),
        cidrIps: z._default(z.array(cidrSchema(), mustBe('a list of CIDRs')), []),
        ec2SecurityGroups: z._default(
          z.array(ec2GroupSchema(), mustBe('a list of EC2 security groups (name and ownerId)')),
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
            ctx.addIssue({
              code: 'custom',
              path: ['cidrIps', index],
              message: `duplicates cidrIps.${first}`,
            });
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
    ),
);

/** Redshift compares group names without case: two spellings would fight over one group. */
const oneSpellingPerGroup = onFirstUse(() =>
  z.superRefine((groups: Record<string, unknown>, ctx) => {
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
);

/** The desired-state document, version 1: per cluster security group, the rules that must exist. */
export const desiredStateSchema = onFirstUse(() =>
  withMetadata(
    z.strictObject(
      {
        version: z.literal(1, 'must be 1 (the desired-state contract version)'),
        groups: z
          .record(
            clusterSecurityGroupNameSchema(),
            groupSchema(),
            mustBe('a mapping of group names to groups'),
          )
          .check(
            z.refine((groups) => Object.keys(groups).length > 0, 'must name at least one group'),
            oneSpellingPerGroup(),
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
  ),
);

/**
 * The most inbound rules one VPC security group holds by default (EC2's quota, IPv4 and IPv6 counted
 * apart); the account's quota can be raised.
 */
export const MAX_VPC_RULES_PER_GROUP = 60;

const sourceGroupSchema = onFirstUse(() =>
  z.strictObject(
    {
      id: securityGroupIdSchema(),
      ownerId: z.optional(accountIdSchema()),
    },
    mustBe('a mapping with id and an optional ownerId'),
  ),
);

/** The sources of one VPC entry: what must be allowed in, on the entry's port. */
const vpcEntryFields = onFirstUse(() => ({
  port: z.optional(portSchema()),
  prune: z._default(z.boolean(mustBe('true or false')), false),
  cidrIps: z._default(z.array(cidrIpV2Schema(), mustBe('a list of IPv4 CIDRs')), []),
  cidrIpv6s: z._default(z.array(cidrIpv6Schema(), mustBe('a list of IPv6 CIDRs')), []),
  sourceSecurityGroups: z._default(
    z.array(sourceGroupSchema(), mustBe('a list of security groups (id and an optional ownerId)')),
    [],
  ),
  prefixLists: z._default(z.array(prefixListIdSchema(), mustBe('a list of prefix list ids')), []),
}));

/** A VPC entry's sources as written, for the checks that JSON Schema cannot say. */
interface VpcEntrySources {
  readonly cidrIps: readonly string[];
  readonly cidrIpv6s: readonly string[];
  readonly sourceSecurityGroups: readonly { readonly id: string }[];
  readonly prefixLists: readonly string[];
}

/**
 * Refuses a source given twice within one entry (CIDRs compare as networks, groups and lists by id) and
 * more sources than a group holds.
 */
const noDuplicateSources = onFirstUse(() =>
  z.superRefine((entry: VpcEntrySources, ctx) => {
    const check = (field: keyof VpcEntrySources, keys: readonly (string | undefined)[]) => {
      const seen = new Map<string, number>();
      keys.forEach((key, index) => {
        if (key === undefined) return;
        const first = seen.get(key);
        if (first !== undefined) {
          ctx.addIssue({ code: 'custom', path: [field, index], message: `duplicates ${field}.${first}` });
        } else seen.set(key, index);
      });
    };
    check(
      'cidrIps',
      entry.cidrIps.map((cidr) => {
        const parsed = parseIpv4Cidr(cidr);
        return parsed.ok ? parsed.network.cidr : undefined;
      }),
    );
    check(
      'cidrIpv6s',
      entry.cidrIpv6s.map((cidr) => {
        const parsed = parseIpv6Cidr(cidr);
        return parsed.ok ? parsed.network.cidr : undefined;
      }),
    );
    check(
      'sourceSecurityGroups',
      entry.sourceSecurityGroups.map((group) => group.id),
    );
    check('prefixLists', entry.prefixLists);
    // EC2 counts IPv4 and IPv6 rules apart; a rule from a group or a prefix list counts in both.
    const shared = entry.sourceSecurityGroups.length + entry.prefixLists.length;
    for (const [family, own] of [
      ['IPv4', entry.cidrIps.length],
      ['IPv6', entry.cidrIpv6s.length],
    ] as const) {
      if (own + shared > MAX_VPC_RULES_PER_GROUP) {
        ctx.addIssue({
          code: 'custom',
          message: `has ${own + shared} ${family} rules (cidr${family === 'IPv4' ? 'Ips' : 'Ipv6s'}, sourceSecurityGroups and prefixLists); a VPC security group holds at most ${MAX_VPC_RULES_PER_GROUP} inbound rules of each family by default: use a managed prefix list or split the sources across groups`,
        });
      }
    }
  }),
);

/** A security group entry: the group itself is the key. */
const securityGroupEntrySchema = onFirstUse(() =>
  z
    .strictObject(
      vpcEntryFields(),
      mustBe('a mapping with port, prune, cidrIps, cidrIpv6s, sourceSecurityGroups and prefixLists'),
    )
    .check(noDuplicateSources()),
);

/** A cluster or workgroup entry: like a group's, with an optional pick among its security groups. */
const resourceEntrySchema = onFirstUse(() =>
  z
    .strictObject(
      {
        ...vpcEntryFields(),
        securityGroupId: described(
          z.optional(securityGroupIdSchema()),
          'Which of its VPC security groups to reconcile; default: its only one, else the one tagged redshift-ingress:managed=true.',
        ),
      },
      mustBe(
        'a mapping with securityGroupId, port, prune, cidrIps, cidrIpv6s, sourceSecurityGroups and prefixLists',
      ),
    )
    .check(noDuplicateSources()),
);

const v1GroupsSchema = onFirstUse(() =>
  z
    .record(clusterSecurityGroupNameSchema(), groupSchema(), mustBe('a mapping of group names to groups'))
    .check(oneSpellingPerGroup()),
);

/** The desired-state document, version 2: per cluster, workgroup or VPC security group (and v1's cluster security groups), the sources that must be allowed. */
export const desiredStateV2Schema = onFirstUse(() =>
  withMetadata(
    z
      .strictObject(
        {
          version: z.literal(2, 'must be 2 (the desired-state contract version)'),
          clusters: z.optional(
            z.record(
              clusterIdentifierSchema(),
              resourceEntrySchema(),
              mustBe('a mapping of cluster identifiers to entries'),
            ),
          ),
          workgroups: z.optional(
            z.record(
              workgroupNameSchema(),
              resourceEntrySchema(),
              mustBe('a mapping of workgroup names to entries'),
            ),
          ),
          securityGroups: z.optional(
            z.record(
              securityGroupIdSchema(),
              securityGroupEntrySchema(),
              mustBe('a mapping of security group ids to entries'),
            ),
          ),
          groups: z.optional(v1GroupsSchema()),
        },
        mustBe('a mapping with version and any of clusters, workgroups, securityGroups and groups'),
      )
      .check(
        z.superRefine((document, ctx) => {
          const sections = [document.clusters, document.workgroups, document.securityGroups, document.groups];
          if (!sections.some((section) => section !== undefined && Object.keys(section).length > 0)) {
            ctx.addIssue({
              code: 'custom',
              path: ['clusters'],
              message: 'must name at least one entry in clusters, workgroups, securityGroups or groups',
            });
          }
        }),
      ),
    {
      $id: 'urn:redshift-ingress:schema:desired-state:v2',
      title: 'Desired state, version 2',
      description:
        'Per provisioned cluster, Serverless workgroup or VPC security group (through its VPC security group), the sources that must be allowed on its port, and whether extra rules tagged redshift-ingress:managed=true are pruned; cluster security groups as in version 1.',
    },
  ),
);

/** A valid desired-state document of version 2, as the schema outputs it (defaults filled in). */
export type DesiredStateV2Document = z.output<ReturnType<typeof desiredStateV2Schema>>;
