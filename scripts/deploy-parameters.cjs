'use strict';
// Values of serverless.yml that YAML variables cannot compute: the parameters validated (a bad one stops
// `osls package` / `osls deploy` before anything reaches AWS, naming every problem, as the handlers do at
// cold start), lists split, IAM resource ARNs derived from the allowlist, and numbers derived from others.
// serverless.yml loads it once as `custom.parameters: ${file(./scripts/deploy-parameters.cjs)}` (osls calls
// an exported CommonJS function with `resolveVariable`) and reads `${self:custom.parameters.<name>}`.
// https://www.serverless.com/framework/docs/providers/aws/guide/variables#reference-variables-in-javascript-files

/** Longest visibility timeout and retention SQS accepts: 12 hours and 14 days. */
const MAX_VISIBILITY_SECONDS = 43_200;
const MAX_RETENTION_SECONDS = 1_209_600;
/** Shortest retention of the requests queue: SQS's default of 4 days, enough to outlast a weekend's outage. */
const MIN_REQUESTS_RETENTION_SECONDS = 345_600;
/** Lambda's longest timeout. */
const MAX_LAMBDA_TIMEOUT_SECONDS = 900;

/**
 * Reads one parameter; `undefined` when it is not set for the stage (no default, no `--param`).
 *
 * @param {(variable: string) => Promise<unknown>} resolveVariable
 * @param {string} name
 */
async function readParam(resolveVariable, name) {
  const value = await resolveVariable(`param:${name}, null`);
  return value === null || value === undefined ? undefined : String(value).trim();
}

/** @param {string} value */
const splitList = (value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

/**
 * Resolves and checks every deploy parameter, returning the values serverless.yml references.
 *
 * @param {{ resolveVariable: (variable: string) => Promise<unknown> }} context
 */
module.exports = async ({ resolveVariable }) => {
  const problems = [];
  const param = (name) => readParam(resolveVariable, name);
  const integer = async (name, min, max) => {
    const raw = await param(name);
    const value = Number(raw);
    if (raw === undefined || !/^\d+$/.test(raw) || value < min || value > max) {
      problems.push(`${name}: must be a whole number from ${min} to ${max}, got "${raw ?? ''}"`);
      return min;
    }
    return value;
  };
  const boolean = async (name) => {
    const raw = await param(name);
    if (raw !== 'true' && raw !== 'false')
      problems.push(`${name}: must be "true" or "false", got "${raw ?? ''}"`);
    return raw === 'true';
  };

  // The target allowlists have no default on purpose (nothing is allowed by default): every stage but `ci`
  // must name at least one of them (--param allowedGroups=... or allowedClusters=..., allowedWorkgroups=...,
  // allowedSecurityGroupIds=...). Same rules as src/config.ts, checked here so a deploy never ships a
  // configuration the function would refuse at cold start.
  const patterns = async (name, valid, what) => {
    const values = splitList((await param(name)) ?? '');
    const bad = values.filter((pattern) => !valid.test(pattern));
    if (bad.length > 0) problems.push(`${name}: ${what}: ${bad.join(', ')}`);
    return values;
  };
  const NAME_PATTERN = /^[A-Za-z0-9*-]{1,255}$/;
  const NAMES = 'patterns may hold only letters, digits, hyphens and *';
  const allowedGroups = await patterns('allowedGroups', NAME_PATTERN, NAMES);
  const allowedClusters = await patterns('allowedClusters', NAME_PATTERN, NAMES);
  const allowedWorkgroups = await patterns('allowedWorkgroups', NAME_PATTERN, NAMES);
  const allowedSecurityGroupIds = await patterns(
    'allowedSecurityGroupIds',
    /^(?:\*|sg-[0-9a-f*]{1,17})$/,
    'must be security group ids (sg- and hex digits) or patterns of them with *',
  );
  const targetAllowlists = [allowedGroups, allowedClusters, allowedWorkgroups, allowedSecurityGroupIds];
  if (targetAllowlists.every((allowlist) => allowlist.length === 0)) {
    problems.push(
      'allowedGroups: is required unless allowedClusters, allowedWorkgroups or allowedSecurityGroupIds is set, e.g. --param allowedClusters=analytics-* (nothing is allowed by default)',
    );
  }
  // The VPC security groups the authorize role may change. Empty: every group tagged
  // redshift-ingress:managed=true (the recommended setup, a dedicated group for automated rules); else
  // exactly these groups, tagged or not.
  const changeableSecurityGroupIds = await patterns(
    'changeableSecurityGroupIds',
    /^sg-(?:[0-9a-f]{8}|[0-9a-f]{17})$/,
    'must be security group ids (sg- and 8 or 17 hex digits)',
  );
  const allowedPrefixListIds = await patterns(
    'allowedPrefixListIds',
    /^pl-[0-9a-f]{1,17}$/,
    'must be prefix list ids (pl- and hex digits)',
  );

  const allowedEc2OwnerIds = splitList((await param('allowedEc2OwnerIds')) ?? '');
  const badOwners = allowedEc2OwnerIds.filter((id) => !/^\d{12}$/.test(id));
  if (badOwners.length > 0)
    problems.push(`allowedEc2OwnerIds: must be 12-digit account ids, got: ${badOwners.join(', ')}`);

  // Exact role or user ARNs: a resource policy's Principal takes no wildcards, and an account root would
  // not match aws:PrincipalArn of that account's roles in the queue policy's Deny.
  const principals = async (name) => {
    const arns = splitList((await param(name)) ?? '');
    const bad = arns.filter((arn) => !/^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/.test(arn));
    if (bad.length > 0) problems.push(`${name}: must be IAM role or user ARNs, got: ${bad.join(', ')}`);
    return arns;
  };
  const producerPrincipals = await principals('producerPrincipals');
  // Operators redrive the requests DLQ: StartMessageMoveTask sends to the requests queue as its caller,
  // and so does `dlq redrive --fallback`, so they must pass the queue policy's Deny like producers.
  const operatorPrincipals = await principals('operatorPrincipals');

  const minCidrPrefix = await integer('minCidrPrefix', 0, 32);
  const minCidrPrefixV6 = await integer('minCidrPrefixV6', 0, 128);
  const maxReceiveCount = await integer('maxReceiveCount', 1, 1000);
  const concurrency = await integer('concurrency', 1, 100);
  const retryBaseSeconds = await integer('retryBaseSeconds', 0, MAX_VISIBILITY_SECONDS);
  const retryMaxSeconds = await integer('retryMaxSeconds', 0, MAX_VISIBILITY_SECONDS);
  const maxPrunePerRun = await integer('maxPrunePerRun', 0, 1000);
  const authorizeTimeout = await integer('authorizeTimeout', 1, MAX_LAMBDA_TIMEOUT_SECONDS);
  const batchSize = await integer('batchSize', 1, 10_000);
  const maximumBatchingWindow = await integer('maximumBatchingWindow', 0, 300);
  const maximumConcurrency = await integer('maximumConcurrency', 2, 1000);
  // Lambda refuses a batch size above 10 without a batching window.
  // https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-parameters.html
  if (batchSize > 10 && maximumBatchingWindow < 1) {
    problems.push(`maximumBatchingWindow: must be at least 1 when batchSize is above 10 (${batchSize})`);
  }
  const fifoRequests = await boolean('fifoRequests');
  // Lambda reads a FIFO queue in batches of at most 10 and without a batching window.
  // https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-parameters.html
  if (fifoRequests && batchSize > 10)
    problems.push(`batchSize: must be at most 10 with fifoRequests=true (${batchSize})`);
  if (fifoRequests && maximumBatchingWindow > 0) {
    problems.push(
      `maximumBatchingWindow: must be 0 with fifoRequests=true, Lambda has no batching window for FIFO queues (${maximumBatchingWindow})`,
    );
  }
  const requireApproval = await boolean('requireApproval');
  // Task tokens are always answered. The switch that turned them off is gone: a stage that still sets it
  // to false is told so rather than deployed doing what it asked not to; `true` is what happens anyway.
  const taskTokens = await param('taskTokens');
  if (taskTokens !== undefined && taskTokens !== 'true') {
    problems.push(
      `taskTokens: no longer a parameter: every request that carries a taskToken is answered; remove it (got "${taskTokens}")`,
    );
  }
  const reconcileEnabled = await boolean('reconcileEnabled');
  const reconcileRate = (await param('reconcileRate')) ?? '';
  if (!/^(rate|cron)\(.+\)$/.test(reconcileRate)) {
    problems.push(`reconcileRate: must be rate(...) or cron(...), got "${reconcileRate}"`);
  }
  const alarmTopicArn = (await param('alarmTopicArn')) ?? '';
  if (alarmTopicArn !== '' && !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/.test(alarmTopicArn)) {
    problems.push(`alarmTopicArn: must be an SNS topic ARN or empty, got "${alarmTopicArn}"`);
  }
  if (retryMaxSeconds < retryBaseSeconds) {
    problems.push(`retryMaxSeconds: must be >= retryBaseSeconds (${retryMaxSeconds} < ${retryBaseSeconds})`);
  }

  // AWS: set the source queue's visibility timeout to at least six times the function timeout, so a batch
  // still being retried by Lambda is not handed out again.
  // https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
  const requestsVisibilityTimeout = 6 * authorizeTimeout;
  if (requestsVisibilityTimeout > MAX_VISIBILITY_SECONDS) {
    problems.push(
      `authorizeTimeout: 6 x ${authorizeTimeout} s exceeds the longest visibility timeout (12 h)`,
    );
  }

  // A request may wait up to max(backoff, visibility timeout) between each of its maxReceiveCount
  // receives; it must not expire before its last attempt has published its outcome.
  const worstCaseSeconds =
    maxReceiveCount * (Math.max(retryMaxSeconds, requestsVisibilityTimeout) + authorizeTimeout);
  const requestsRetention = Math.max(MIN_REQUESTS_RETENTION_SECONDS, worstCaseSeconds);
  if (requestsRetention > MAX_RETENTION_SECONDS) {
    problems.push(
      `maxReceiveCount, retryMaxSeconds: retries may span ${worstCaseSeconds} s, more than the longest retention (14 days)`,
    );
  }

  if (problems.length > 0) {
    const error = new Error(`Invalid deploy parameters:\n  - ${problems.join('\n  - ')}`);
    error.stack = error.message; // osls prints the stack: the list of problems is the whole story
    throw error;
  }

  // IAM matches ARNs case-sensitively and Redshift stores security group names in lower case; the
  // allowlist's `*` maps onto IAM's `*`. The Service Authorization Reference lists, for Authorize/Revoke
  // ClusterSecurityGroupIngress, the resource types securitygroup (…:securitygroup:NAME/ec2securitygroup/
  // OWNER/ID) and securitygroupingress-* (…:securitygroupingress:NAME/cidrip/RANGE or NAME/ec2securitygroup/
  // OWNER/ID); the bare …:securitygroup:NAME form is the group's own ARN (tagging). Every form is scoped to
  // the allowed names: nothing here is a `*` resource.
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonredshift.html
  const groupArn = (kind, suffix) => (pattern) => ({
    'Fn::Sub': `arn:\${AWS::Partition}:redshift:\${AWS::Region}:\${AWS::AccountId}:${kind}:${pattern.toLowerCase()}${suffix}`,
  });
  const redshiftIngressResources = allowedGroups.flatMap((pattern) => [
    groupArn('securitygroup', '')(pattern),
    groupArn('securitygroup', '/*')(pattern),
    groupArn('securitygroupingress', '/*')(pattern),
  ]);

  // The VPC path (clusters in a VPC, Serverless workgroups, VPC security groups), one statement per need,
  // each only where a VPC allowlist is set. Forms from the Service Authorization Reference:
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonredshift.html
  // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonredshiftserverless.html
  const arn = (service, resource) => ({
    'Fn::Sub': `arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${resource}`,
  });
  const changeVpcSecurityGroups = {
    Sid: 'ChangeVpcSecurityGroups',
    Effect: 'Allow',
    Action: ['ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupIngress'],
    ...(changeableSecurityGroupIds.length > 0
      ? { Resource: changeableSecurityGroupIds.map((id) => arn('ec2', `security-group/${id}`)) }
      : {
          Resource: arn('ec2', 'security-group/*'),
          Condition: { StringEquals: { 'aws:ResourceTag/redshift-ingress:managed': 'true' } },
        }),
  };
  // The reconciler's prunes: revoke only, on the same groups.
  const pruneVpcRules = {
    ...changeVpcSecurityGroups,
    Sid: 'PruneManagedVpcRules',
    Action: 'ec2:RevokeSecurityGroupIngress',
  };
  // An authorize that tags its new rule is also authorized against the rule it creates (resource type
  // security-group-rule); which group it goes on is still held by the statement above.
  const createVpcRules = {
    Sid: 'CreateVpcSecurityGroupRules',
    Effect: 'Allow',
    Action: 'ec2:AuthorizeSecurityGroupIngress',
    Resource: arn('ec2', 'security-group-rule/*'),
  };
  const tagVpcRules = {
    Sid: 'TagNewVpcSecurityGroupRules',
    Effect: 'Allow',
    Action: 'ec2:CreateTags',
    Resource: arn('ec2', 'security-group-rule/*'),
    Condition: {
      StringEquals: { 'ec2:CreateAction': 'AuthorizeSecurityGroupIngress' },
      'ForAllValues:StringEquals': {
        'aws:TagKeys': ['redshift-ingress:managed', 'redshift-ingress:request-id'],
      },
    },
  };
  // IAM matches ARNs case-sensitively; cluster identifiers are lower case. Workgroup ARNs carry an id, not
  // the name, so GetWorkgroup cannot be scoped by name: ALLOWED_WORKGROUPS holds the names.
  const describeClusters = {
    Sid: 'ReadAllowedClusters',
    Effect: 'Allow',
    Action: 'redshift:DescribeClusters',
    Resource: allowedClusters.map((pattern) => arn('redshift', `cluster:${pattern.toLowerCase()}`)),
  };
  const getWorkgroup = {
    Sid: 'ReadWorkgroups',
    Effect: 'Allow',
    Action: 'redshift-serverless:GetWorkgroup',
    Resource: arn('redshift-serverless', 'workgroup/*'),
  };

  return {
    allowedGroups: allowedGroups.join(','),
    allowedClusters: allowedClusters.join(','),
    allowedWorkgroups: allowedWorkgroups.join(','),
    allowedSecurityGroupIds: allowedSecurityGroupIds.join(','),
    allowedPrefixListIds: allowedPrefixListIds.join(','),
    minCidrPrefixV6,
    // Strings, not booleans: CloudFormation conditions compare strings.
    hasAllowedGroups: String(allowedGroups.length > 0),
    hasAllowedClusters: String(allowedClusters.length > 0),
    hasAllowedWorkgroups: String(allowedWorkgroups.length > 0),
    hasVpcTargets: String(
      allowedClusters.length + allowedWorkgroups.length + allowedSecurityGroupIds.length > 0,
    ),
    changeVpcSecurityGroups,
    pruneVpcRules,
    createVpcRules,
    tagVpcRules,
    describeClusters,
    getWorkgroup,
    allowedEc2OwnerIds: allowedEc2OwnerIds.join(','),
    producerPrincipals,
    operatorPrincipals,
    // Strings, not booleans: CloudFormation conditions compare strings.
    hasProducerPrincipals: String(producerPrincipals.length > 0),
    hasOperatorPrincipals: String(operatorPrincipals.length > 0),
    fifoRequests: String(fifoRequests),
    // A FIFO queue's name must end in .fifo, and so must its DLQ's (a FIFO queue's DLQ is FIFO).
    requestsQueueSuffix: fifoRequests ? '.fifo' : '',
    hasAlarmTopic: String(alarmTopicArn !== ''),
    alarmTopicArn,
    reconcileEnabled,
    reconcileRate,
    // Principals the requests queue accepts SendMessage from: the reconciler, the named producers and the
    // operators (who send when they redrive the DLQ).
    requestSenders: [
      { 'Fn::GetAtt': ['ReconcileRole', 'Arn'] },
      ...new Set([...producerPrincipals, ...operatorPrincipals]),
    ],
    redshiftIngressResources,
    minCidrPrefix,
    requireApproval,
    maxReceiveCount,
    concurrency,
    retryBaseSeconds,
    retryMaxSeconds,
    maxPrunePerRun,
    batchSize,
    maximumBatchingWindow,
    maximumConcurrency,
    authorizeTimeout,
    requestsVisibilityTimeout,
    requestsRetention,
  };
};
