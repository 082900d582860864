import * as z from 'zod/mini';
import { parseIpv4Cidr } from './cidr.js';
import { mustBe } from './messages.js';
import {
  ACCOUNT_ID_PATTERN,
  cidrSchema,
  clusterSecurityGroupNameSchema,
  describeIssues,
  type IngressTarget,
  type Problem,
  text,
} from './request.js';
import { withMetadata } from './schema-metadata.js';

/** The most rules one cluster security group may hold (AuthorizeClusterSecurityGroupIngress quota). */
export const MAX_RULES_PER_GROUP = 20;

const ec2GroupSchema = z.strictObject(
  {
    name: text(255),
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

/** One group of the desired state, with canonical CIDRs. */
export interface DesiredGroup {
  readonly name: string;
  readonly prune: boolean;
  readonly targets: readonly IngressTarget[];
}

/** A valid desired-state document. */
export interface DesiredState {
  readonly groups: readonly DesiredGroup[];
}

/** A problem of a desired-state document, located where possible. */
export interface LocatedProblem extends Problem {
  readonly line?: number;
  readonly column?: number;
}

/** Raised when a desired-state document is invalid; the message lists `file:line: field: reason` per problem. */
export class DesiredStateError extends Error {
  readonly problems: readonly LocatedProblem[];

  constructor(source: string, problems: readonly LocatedProblem[]) {
    super(
      `Invalid desired state ${source}:\n${problems
        .map(
          (p) =>
            `  ${source}${p.line !== undefined ? `:${p.line}:${p.column}` : ''}: ${p.field}: ${p.reason}`,
        )
        .join('\n')}`,
    );
    this.name = 'DesiredStateError';
    this.problems = problems;
  }
}

/** Where a problem sits in the source document, when the document can tell. */
export type Locate = (
  path: readonly PropertyKey[],
) => { readonly line: number; readonly column: number } | undefined;

/**
 * Validates a decoded desired-state document (from JSON, or from YAML by
 * `parseDesiredState` of desired-state-yaml.ts) and returns it with canonical CIDRs.
 *
 * @param value the decoded document
 * @param source the file name, for messages
 * @param locate places a problem's path in the source text, for `file:line` messages
 * @throws DesiredStateError naming each problem
 */
export function readDesiredState(value: unknown, source = 'desired state', locate?: Locate): DesiredState {
  const result = desiredStateSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.flatMap((issue) =>
      describeIssues([issue]).map((problem, index): LocatedProblem => {
        // An unknown key is located at its own value; other problems at the node of their path.
        const path =
          issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[index] ?? ''] : issue.path;
        const position = locate?.(path);
        return position === undefined ? problem : { ...problem, ...position };
      }),
    );
    throw new DesiredStateError(source, problems);
  }
  return {
    groups: Object.entries(result.data.groups).map(([name, group]) => ({
      name,
      prune: group.prune,
      targets: [
        ...group.cidrIps.map((cidr) => ({
          cidrIp: (parseIpv4Cidr(cidr) as { ok: true; network: { cidr: string } }).network.cidr,
        })),
        ...group.ec2SecurityGroups.map((ec2) => ({
          ec2SecurityGroupName: ec2.name,
          ec2SecurityGroupOwnerId: ec2.ownerId,
        })),
      ],
    })),
  };
}
