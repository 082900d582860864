import { ConfigurationError } from './domain/errors.js';
import { DEFAULT_MIN_CIDR_PREFIX_V6, type Policy } from './domain/policy.js';
import { ACCOUNT_ID_PATTERN } from './domain/request.js';
import { MAX_VISIBILITY_SECONDS } from './domain/retry.js';

/** The service's configuration, read once from the environment at cold start. */
export interface Config {
  readonly resultsQueueUrl: string;
  readonly requestsQueueUrl?: string;
  readonly policy: Policy;
  readonly maxReceiveCount: number;
  readonly concurrency: number;
  readonly retryBaseSeconds: number;
  readonly retryMaxSeconds: number;
  readonly desiredStatePath?: string;
  readonly maxPrunePerRun: number;
}

/** Which entry point reads the configuration; the reconciler also needs the requests queue. */
export type ConfigRole = 'authorize' | 'reconcile';

type Env = Readonly<Record<string, string | undefined>>;
type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };
type Parser<T> = (value: string) => Parsed<T>;
const valid = <T>(value: T): Parsed<T> => ({ ok: true, value });
const invalid = (reason: string): Parsed<never> => ({ ok: false, reason });

/**
 * Parses the environment, naming every bad variable in one {@link ConfigurationError}.
 *
 * @throws ConfigurationError when any variable is missing or invalid
 */
export function loadConfig(env: Env, role: ConfigRole = 'authorize'): Config {
  const problems: string[] = [];
  const read = <T>(name: string, parse: Parser<T>, fallback?: T): T | undefined => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') {
      if (fallback === undefined) problems.push(`${name}: is required`);
      return fallback;
    }
    const parsed = parse(raw);
    if (!parsed.ok) problems.push(`${name}: ${parsed.reason}`);
    return parsed.ok ? parsed.value : fallback;
  };

  const resultsQueueUrl = read('RESULTS_QUEUE_URL', parseUrl);
  const requestsQueueUrl =
    role === 'reconcile' || env.REQUESTS_QUEUE_URL ? read('REQUESTS_QUEUE_URL', parseUrl) : undefined;
  // Nothing is allowed by default: each target allowlist is empty unless set, and at least one must be.
  const allowedGroups = read('ALLOWED_GROUPS', parsePatterns('group'), []);
  const allowedClusters = read('ALLOWED_CLUSTERS', parsePatterns('cluster'), []);
  const allowedWorkgroups = read('ALLOWED_WORKGROUPS', parsePatterns('workgroup'), []);
  const allowedSecurityGroupIds = read('ALLOWED_SECURITY_GROUP_IDS', parseSecurityGroupPatterns, []);
  const anyAllowlistSet = TARGET_ALLOWLISTS.some((name) => env[name]?.trim());
  if (!anyAllowlistSet) problems.push(NO_TARGET_ALLOWED);
  const minCidrPrefix = read('MIN_CIDR_PREFIX', integer(0, 32), 16);
  const minCidrPrefixV6 = read('MIN_CIDR_PREFIX_V6', integer(0, 128), DEFAULT_MIN_CIDR_PREFIX_V6);
  const allowedEc2OwnerIds = read<string[] | null>('ALLOWED_EC2_OWNER_IDS', parseOwnerIds, null);
  const allowedPrefixListIds = read<string[] | null>('ALLOWED_PREFIX_LIST_IDS', parsePrefixListIds, null);
  const requireApproval = read('REQUIRE_APPROVAL', parseBoolean, false);
  const maxReceiveCount = read('MAX_RECEIVE_COUNT', integer(1, 1000), 5);
  // The default batch size: a batch of 10 distinct groups then takes one Redshift round trip, not three
  // (docs/benchmarks.md). Calls in flight are at most this times the event source's maximum concurrency.
  const concurrency = read('CONCURRENCY', integer(1, 100), 10);
  const retryBaseSeconds = read('RETRY_BASE_SECONDS', integer(0, MAX_VISIBILITY_SECONDS), 30);
  const retryMaxSeconds = read('RETRY_MAX_SECONDS', integer(0, MAX_VISIBILITY_SECONDS), 900);
  const desiredStatePath = env.DESIRED_STATE_PATH?.trim() || undefined;
  const maxPrunePerRun = read('MAX_PRUNE_PER_RUN', integer(0, 1000), 5);

  if (retryBaseSeconds !== undefined && retryMaxSeconds !== undefined && retryMaxSeconds < retryBaseSeconds) {
    problems.push(
      `RETRY_MAX_SECONDS: must be >= RETRY_BASE_SECONDS (${retryMaxSeconds} < ${retryBaseSeconds})`,
    );
  }
  if (problems.length > 0) throw new ConfigurationError(problems);

  return {
    resultsQueueUrl: resultsQueueUrl as string,
    ...(requestsQueueUrl !== undefined && { requestsQueueUrl }),
    policy: {
      allowedGroups: allowedGroups as string[],
      ...(allowedClusters && allowedClusters.length > 0 && { allowedClusters }),
      ...(allowedWorkgroups && allowedWorkgroups.length > 0 && { allowedWorkgroups }),
      ...(allowedSecurityGroupIds && allowedSecurityGroupIds.length > 0 && { allowedSecurityGroupIds }),
      minCidrPrefix: minCidrPrefix as number,
      minCidrPrefixV6: minCidrPrefixV6 as number,
      ...(allowedEc2OwnerIds && { allowedEc2OwnerIds }),
      ...(allowedPrefixListIds && { allowedPrefixListIds }),
      requireApproval: requireApproval as boolean,
    },
    maxReceiveCount: maxReceiveCount as number,
    concurrency: concurrency as number,
    retryBaseSeconds: retryBaseSeconds as number,
    retryMaxSeconds: retryMaxSeconds as number,
    ...(desiredStatePath !== undefined && { desiredStatePath }),
    maxPrunePerRun: maxPrunePerRun as number,
  };
}

function parseUrl(value: string): Parsed<string> {
  if (!URL.canParse(value)) return invalid(`must be a queue URL, got "${value}"`);
  const { protocol } = new URL(value);
  if (protocol !== 'https:' && protocol !== 'http:') return invalid(`must be an http(s) URL, got "${value}"`);
  return valid(value);
}

function integer(min: number, max: number): Parser<number> {
  return (value) => {
    const number = Number(value);
    if (!/^\d+$/.test(value) || number < min || number > max) {
      return invalid(`must be a whole number from ${min} to ${max}, got "${value}"`);
    }
    return valid(number);
  };
}

function parseBoolean(value: string): Parsed<boolean> {
  if (value === 'true') return valid(true);
  if (value === 'false') return valid(false);
  return invalid(`must be "true" or "false", got "${value}"`);
}

/** The variables that allow targets; a deployment sets at least one. */
const TARGET_ALLOWLISTS = [
  'ALLOWED_GROUPS',
  'ALLOWED_CLUSTERS',
  'ALLOWED_WORKGROUPS',
  'ALLOWED_SECURITY_GROUP_IDS',
] as const;

const NO_TARGET_ALLOWED =
  'ALLOWED_GROUPS: is required unless ALLOWED_CLUSTERS, ALLOWED_WORKGROUPS or ALLOWED_SECURITY_GROUP_IDS is set (names or * patterns of the targets the service may change; nothing is allowed by default)';

function parsePatterns(kind: string): Parser<string[]> {
  return (value) => {
    const patterns = splitList(value);
    if (patterns.length === 0)
      return invalid(`must name at least one ${kind} or pattern (nothing is allowed by default)`);
    const bad = patterns.filter((pattern) => !/^[A-Za-z0-9*-]{1,255}$/.test(pattern));
    if (bad.length > 0)
      return invalid(`${kind} patterns may hold only letters, digits, hyphens and *: ${bad.join(', ')}`);
    return valid(patterns);
  };
}

function parseSecurityGroupPatterns(value: string): Parsed<string[]> {
  const patterns = splitList(value);
  if (patterns.length === 0)
    return invalid('must name at least one security group id or pattern (nothing is allowed by default)');
  // An id (sg- and 8 or 17 hex digits) or a pattern of one; `*` alone allows every group.
  const bad = patterns.filter((pattern) => !/^(?:\*|sg-[0-9a-f*]{1,17})$/.test(pattern));
  if (bad.length > 0)
    return invalid(
      `must be security group ids (sg- and hex digits) or patterns of them with *: ${bad.join(', ')}`,
    );
  return valid(patterns);
}

function parsePrefixListIds(value: string): Parsed<string[] | null> {
  const ids = splitList(value);
  if (ids.length === 0) return invalid('must list at least one prefix list id, or be unset to allow any');
  const bad = ids.filter((id) => !/^pl-[0-9a-f]{1,17}$/.test(id));
  if (bad.length > 0) return invalid(`must be prefix list ids (pl- and hex digits), got: ${bad.join(', ')}`);
  return valid(ids);
}

function parseOwnerIds(value: string): Parsed<string[] | null> {
  const ids = splitList(value);
  const bad = ids.filter((id) => !ACCOUNT_ID_PATTERN.test(id));
  if (ids.length === 0)
    return invalid('must list at least one 12-digit account id, or be unset to allow any');
  if (bad.length > 0) return invalid(`must be 12-digit account ids, got: ${bad.join(', ')}`);
  return valid(ids);
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}
