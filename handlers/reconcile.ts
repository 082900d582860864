import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { RedshiftClient } from '@aws-sdk/client-redshift';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import { createRedshiftClusters, createRedshiftIngress } from '../src/adapters/redshift.js';
import { serviceSdkLogger } from '../src/adapters/sdk-logger.js';
import { createQueuePublisher } from '../src/adapters/sqs.js';
import { loadVpcPortsOnFirstUse } from '../src/adapters/vpc-on-first-use.js';
import { makeReconcile } from '../src/app/reconcile.js';
import { loadConfig } from '../src/config.js';
import { makePolicyCheck } from '../src/domain/policy.js';
import type { AnyReconciliationReport } from '../src/domain/reconciliation-report.js';
import { loadDesiredState } from '../src/load-desired-state.js';
import { onFirstUse } from '../src/shared/on-first-use.js';

// Cold start: configuration is read once (a bad variable fails the init with every problem named) and
// clients are built once. The desired state is JSON, compiled and validated from the user's YAML when the
// service is packaged (scripts/desired-state-plugin.mjs), so this bundle carries no YAML parser; the
// function reads and checks it again with the first run of a container and keeps it: a file replaced
// after packaging fails that run, and every run after it, with every problem named (a source the policy
// refuses included) before any call. The EC2 and Redshift Serverless clients load with the first call on
// a VPC target: a deployment of cluster security groups never loads the EC2 SDK.
const config = loadConfig(process.env, 'reconcile');
const desiredState = onFirstUse(() =>
  loadDesiredState(config.desiredStatePath, { checkPolicy: makePolicyCheck(config.policy) }),
);
const logger = new Logger({ serviceName: 'redshift-ingress' });
const awsLogger = serviceSdkLogger(logger);
const sqs = new SQSClient({ logger: awsLogger });
const redshift = new RedshiftClient({ logger: awsLogger });

const reconcile = makeReconcile({
  currentRules: createRedshiftIngress(redshift),
  vpc: loadVpcPortsOnFirstUse(
    async () => (await import('../src/adapters/vpc-adapters.js')).createVpcAdapters({ logger: awsLogger }),
    createRedshiftClusters(redshift),
  ),
  requests: createQueuePublisher(sqs, config.requestsQueueUrl as string),
  results: createQueuePublisher(sqs, config.resultsQueueUrl),
  config,
  logger,
});

/** The reconcile entry point, run on a schedule: enqueues what is missing, prunes managed extras, reports drift. */
export const handler = middy<unknown, AnyReconciliationReport>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(() => reconcile(desiredState()));
