import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { RedshiftClient } from '@aws-sdk/client-redshift';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import { createRedshiftClusters, createRedshiftIngress } from '../src/adapters/redshift.js';
import { serviceSdkLogger } from '../src/adapters/sdk-logger.js';
import { createQueuePublisher } from '../src/adapters/sqs.js';
import { makeReconcile, type Reconcile } from '../src/app/reconcile.js';
import type { VpcReconcilePorts } from '../src/app/reconcile-vpc.js';
import { loadConfig } from '../src/config.js';
import type { ReadOptions } from '../src/domain/desired-state.js';
import { makePolicyCheck } from '../src/domain/policy.js';
import type { AnyReconciliationReport } from '../src/domain/reconciliation-report.js';
import { loadDesiredState } from '../src/load-desired-state.js';

// Cold start: configuration and the desired state are read once; either being invalid fails the init with
// every problem named (a source the policy refuses included). The desired state is JSON, compiled and
// validated from the user's YAML when the service is packaged (scripts/desired-state-plugin.mjs), so this
// bundle carries no YAML parser. The EC2 and Redshift Serverless clients are imported only when the
// document names VPC targets: a deployment of cluster security groups never loads the EC2 SDK.
const config = loadConfig(process.env, 'reconcile');
const checkPolicy = makePolicyCheck(config.policy) as unknown as NonNullable<ReadOptions['checkPolicy']>;
const desiredState = loadDesiredState(config.desiredStatePath, { checkPolicy });
const logger = new Logger({ serviceName: 'redshift-ingress' });
const awsLogger = serviceSdkLogger(logger);
const sqs = new SQSClient({ logger: awsLogger });
const redshift = new RedshiftClient({ logger: awsLogger });

/** The VPC ports over the EC2 and Serverless clients, imported when a run first needs them. */
async function loadVpcPorts(): Promise<VpcReconcilePorts> {
  const [
    { EC2Client },
    { RedshiftServerlessClient },
    { createEc2Ingress },
    { createRedshiftServerlessWorkgroups },
  ] = await Promise.all([
    import('@aws-sdk/client-ec2'),
    import('@aws-sdk/client-redshift-serverless'),
    import('../src/adapters/ec2.js'),
    import('../src/adapters/redshift-serverless.js'),
  ]);
  const ec2 = createEc2Ingress(new EC2Client({ logger: awsLogger }));
  const workgroups = createRedshiftServerlessWorkgroups(new RedshiftServerlessClient({ logger: awsLogger }));
  const clusters = createRedshiftClusters(redshift);
  return {
    targets: {
      describeCluster: (id) => clusters.describeCluster(id),
      getWorkgroup: (name) => workgroups.getWorkgroup(name),
      describeGroups: (ids) => ec2.describeGroups(ids),
    },
    rules: ec2,
  };
}

const base = {
  currentRules: createRedshiftIngress(redshift),
  requests: createQueuePublisher(sqs, config.requestsQueueUrl as string),
  results: createQueuePublisher(sqs, config.resultsQueueUrl),
  config,
  logger,
};
let reconciler: Promise<Reconcile> | undefined;

/** The reconciler, built by the first run; a failed import is tried again by the next run. */
function reconcilerOnce(): Promise<Reconcile> {
  reconciler ??= (async () => {
    if (desiredState.vpcTargets === undefined) return makeReconcile(base);
    return makeReconcile({ ...base, vpc: await loadVpcPorts() });
  })().catch((error: unknown) => {
    reconciler = undefined;
    throw error;
  });
  return reconciler;
}

/** The reconcile entry point, run on a schedule: enqueues what is missing, prunes managed extras, reports drift. */
export const handler = middy<unknown, AnyReconciliationReport>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async () => (await reconcilerOnce())(desiredState));
