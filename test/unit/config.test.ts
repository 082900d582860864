import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ConfigurationError } from '../../src/domain/errors.js';

const minimal = {
  RESULTS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/results',
  ALLOWED_GROUPS: 'analytics-*, reporting',
};

const problemsOf = (env: Record<string, string>, role?: 'authorize' | 'reconcile'): readonly string[] => {
  try {
    loadConfig(env, role);
  } catch (error) {
    if (error instanceof ConfigurationError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigurationError');
};

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadConfig(minimal)).toEqual({
      resultsQueueUrl: minimal.RESULTS_QUEUE_URL,
      policy: {
        allowedGroups: ['analytics-*', 'reporting'],
        minCidrPrefix: 16,
        minCidrPrefixV6: 48,
        requireApproval: false,
      },
      maxReceiveCount: 5,
      concurrency: 10,
      retryBaseSeconds: 30,
      retryMaxSeconds: 900,
      maxPrunePerRun: 5,
    });
  });

  it('reads every variable', () => {
    const config = loadConfig(
      {
        ...minimal,
        REQUESTS_QUEUE_URL: 'http://127.0.0.1:4566/000000000000/requests',
        MIN_CIDR_PREFIX: '0',
        MIN_CIDR_PREFIX_V6: '0',
        ALLOWED_CLUSTERS: 'analytics-*',
        ALLOWED_WORKGROUPS: 'bi-reports, bi-*',
        ALLOWED_SECURITY_GROUP_IDS: 'sg-0aaa1111, sg-0123456789abcdef0',
        ALLOWED_EC2_OWNER_IDS: '111122223333,444455556666',
        ALLOWED_PREFIX_LIST_IDS: 'pl-0a1b2c3d',
        REQUIRE_APPROVAL: 'true',
        MAX_RECEIVE_COUNT: '7',
        CONCURRENCY: '8',
        RETRY_BASE_SECONDS: '5',
        RETRY_MAX_SECONDS: '60',
        DESIRED_STATE_PATH: '/var/task/desired-state.yaml',
        MAX_PRUNE_PER_RUN: '2',
      },
      'reconcile',
    );
    expect(config).toEqual({
      resultsQueueUrl: minimal.RESULTS_QUEUE_URL,
      requestsQueueUrl: 'http://127.0.0.1:4566/000000000000/requests',
      policy: {
        allowedGroups: ['analytics-*', 'reporting'],
        allowedClusters: ['analytics-*'],
        allowedWorkgroups: ['bi-reports', 'bi-*'],
        allowedSecurityGroupIds: ['sg-0aaa1111', 'sg-0123456789abcdef0'],
        minCidrPrefix: 0,
        minCidrPrefixV6: 0,
        allowedEc2OwnerIds: ['111122223333', '444455556666'],
        allowedPrefixListIds: ['pl-0a1b2c3d'],
        requireApproval: true,
      },
      maxReceiveCount: 7,
      concurrency: 8,
      retryBaseSeconds: 5,
      retryMaxSeconds: 60,
      desiredStatePath: '/var/task/desired-state.yaml',
      maxPrunePerRun: 2,
    });
  });

  it('names every bad variable in one error', () => {
    // Act
    const problems = problemsOf({
      MIN_CIDR_PREFIX: '33',
      ALLOWED_EC2_OWNER_IDS: '1234',
      REQUIRE_APPROVAL: 'yes',
      MAX_RECEIVE_COUNT: '0',
      CONCURRENCY: 'four',
      RETRY_BASE_SECONDS: '-1',
    });

    // Assess
    expect(problems).toEqual([
      'RESULTS_QUEUE_URL: is required',
      'ALLOWED_GROUPS: is required unless ALLOWED_CLUSTERS, ALLOWED_WORKGROUPS or ALLOWED_SECURITY_GROUP_IDS is set (names or * patterns of the targets the service may change; nothing is allowed by default)',
      'MIN_CIDR_PREFIX: must be a whole number from 0 to 32, got "33"',
      'ALLOWED_EC2_OWNER_IDS: must be 12-digit account ids, got: 1234',
      'REQUIRE_APPROVAL: must be "true" or "false", got "yes"',
      'MAX_RECEIVE_COUNT: must be a whole number from 1 to 1000, got "0"',
      'CONCURRENCY: must be a whole number from 1 to 100, got "four"',
      'RETRY_BASE_SECONDS: must be a whole number from 0 to 43200, got "-1"',
    ]);
  });

  it('states the problems in its message', () => {
    expect(() => loadConfig({})).toThrow(
      /^Invalid configuration: RESULTS_QUEUE_URL: is required; ALLOWED_GROUPS: is required unless ALLOWED_CLUSTERS, ALLOWED_WORKGROUPS or ALLOWED_SECURITY_GROUP_IDS is set \(names or \* patterns of the targets the service may change; nothing is allowed by default\)$/,
    );
  });

  it('refuses an empty allowlist, bad patterns, a non-URL and an inverted backoff', () => {
    expect(
      problemsOf({
        RESULTS_QUEUE_URL: 'results',
        ALLOWED_GROUPS: ' , ',
        RETRY_BASE_SECONDS: '100',
        RETRY_MAX_SECONDS: '10',
      }),
    ).toEqual([
      'RESULTS_QUEUE_URL: must be a queue URL, got "results"',
      'ALLOWED_GROUPS: must name at least one group or pattern (nothing is allowed by default)',
      'RETRY_MAX_SECONDS: must be >= RETRY_BASE_SECONDS (10 < 100)',
    ]);
    expect(problemsOf({ ...minimal, ALLOWED_GROUPS: 'ok, bad name' })).toEqual([
      'ALLOWED_GROUPS: group patterns may hold only letters, digits, hyphens and *: bad name',
    ]);
  });

  it('takes any one target allowlist: a VPC-only deployment needs no ALLOWED_GROUPS, and allows no group', () => {
    const { RESULTS_QUEUE_URL } = minimal;
    for (const name of ['ALLOWED_CLUSTERS', 'ALLOWED_WORKGROUPS'] as const) {
      const config = loadConfig({ RESULTS_QUEUE_URL, [name]: 'analytics-*' });
      expect(config.policy.allowedGroups).toEqual([]);
    }
    expect(loadConfig({ RESULTS_QUEUE_URL, ALLOWED_SECURITY_GROUP_IDS: '*' }).policy).toEqual({
      allowedGroups: [],
      allowedSecurityGroupIds: ['*'],
      minCidrPrefix: 16,
      minCidrPrefixV6: 48,
      requireApproval: false,
    });
  });

  it('refuses bad VPC allowlists and an IPv6 prefix out of range, naming each variable', () => {
    expect(
      problemsOf({
        ...minimal,
        ALLOWED_CLUSTERS: 'analytics prod',
        ALLOWED_WORKGROUPS: ' , ',
        ALLOWED_SECURITY_GROUP_IDS: 'sg-0aaa1111, web-servers',
        MIN_CIDR_PREFIX_V6: '129',
        ALLOWED_PREFIX_LIST_IDS: 'pl-0a1b, prefix',
      }),
    ).toEqual([
      'ALLOWED_CLUSTERS: cluster patterns may hold only letters, digits, hyphens and *: analytics prod',
      'ALLOWED_WORKGROUPS: must name at least one workgroup or pattern (nothing is allowed by default)',
      'ALLOWED_SECURITY_GROUP_IDS: must be security group ids (sg- and hex digits) or patterns of them with *: web-servers',
      'MIN_CIDR_PREFIX_V6: must be a whole number from 0 to 128, got "129"',
      'ALLOWED_PREFIX_LIST_IDS: must be prefix list ids (pl- and hex digits), got: prefix',
    ]);
  });

  it('requires the requests queue for the reconciler only', () => {
    expect(problemsOf(minimal, 'reconcile')).toEqual(['REQUESTS_QUEUE_URL: is required']);
    expect(() => loadConfig(minimal, 'authorize')).not.toThrow();
  });

  it('has no task-token switch: a TASK_TOKENS left over from an earlier version neither fails nor changes anything', () => {
    // Task tokens are always answered, so the variable is not read, whatever it says.
    for (const value of ['true', 'false', '1']) {
      expect(loadConfig({ ...minimal, TASK_TOKENS: value })).toEqual(loadConfig(minimal));
    }
  });
});
