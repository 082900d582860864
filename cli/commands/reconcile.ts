import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createEc2Ingress } from '../../src/adapters/ec2.js';
import { createRedshiftClusters, createRedshiftIngress } from '../../src/adapters/redshift.js';
import { createRedshiftServerlessWorkgroups } from '../../src/adapters/redshift-serverless.js';
import { createQueuePublisher } from '../../src/adapters/sqs.js';
import { silentLogger } from '../../src/app/ports.js';
import { makeReconcile } from '../../src/app/reconcile.js';
import type { VpcReconcilePorts } from '../../src/app/reconcile-vpc.js';
import { type Config, loadConfig } from '../../src/config.js';
import { type DesiredState, DesiredStateError, type ReadOptions } from '../../src/domain/desired-state.js';
import { parseDesiredState } from '../../src/domain/desired-state-yaml.js';
import { ConfigurationError } from '../../src/domain/errors.js';
import { makePolicyCheck } from '../../src/domain/policy.js';
import { hasDrift, planReconciliation } from '../../src/domain/reconcile-plan.js';
import { hasVpcDrift } from '../../src/domain/reconciliation-report.js';
import {
  createRedshiftClient,
  createSqsClient,
  createVpcClients,
  isLoopbackUrl,
  targetUrls,
} from '../clients.js';
import { type CliIo, type GlobalOptions, writeLine } from '../context.js';
import { DEFAULT_DESIRED_STATE, defaultDesiredStatePath } from '../default-desired-state.js';
import { UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { formatPlan } from '../io/format-plan.js';
import { createQueueResolver } from '../queues.js';

/** Options of `plan` and `reconcile`. */
export interface ReconcileCommandOptions {
  readonly desiredState?: string;
  readonly maxPrune?: string;
  readonly allowedGroups?: string;
  /** `reconcile --apply`: enqueue the requests and publish the report, as the scheduled run does. */
  readonly apply?: boolean;
  readonly json?: boolean;
}

/**
 * `plan` and `reconcile`: compares the desired state with the cluster security groups. A plan
 * changes nothing and exits 1 on drift; `reconcile --apply` enqueues the requests and publishes
 * the report exactly as the scheduled reconcile handler does.
 */
export async function runReconcile(
  options: ReconcileCommandOptions,
  globals: GlobalOptions,
  io: CliIo,
): Promise<ExitCode> {
  const given = options.desiredState ?? (io.env.DESIRED_STATE_PATH?.trim() || undefined);
  const targets = targetUrls(globals, io.env);
  const local = targets.length > 0 && targets.every(isLoopbackUrl);
  if (given === undefined && options.apply && !local) {
    // The example's ranges are for the local stack; applying them to an account must be asked for by name.
    throw new UsageError(
      `reconcile --apply: name the document to apply with --desired-state FILE or DESIRED_STATE_PATH; the default ${DEFAULT_DESIRED_STATE} holds example ranges meant for the local stack`,
    );
  }
  const source = given ?? DEFAULT_DESIRED_STATE;
  const config = reconcileConfig(options, io.env);
  // The same policy refuses a document's sources as the reconcile function's, when it reads the document.
  const checkPolicy = makePolicyCheck(config.policy);
  const desired = await readDesiredState(given ?? defaultDesiredStatePath(), io, source, { checkPolicy });
  const queues = createQueueResolver(globals, io.env, io.cwd);
  const requestsUrl = options.apply ? queues.require('requests') : undefined;
  const resultsUrl = options.apply ? queues.find('results') : undefined;

  const redshiftClient = await createRedshiftClient(globals, io.env);
  const sqs = createSqsClient(globals, io.env);
  // A document of cluster security groups only loads neither the EC2 nor the Serverless SDK.
  const vpcClients = desired.vpcTargets !== undefined ? await createVpcClients(globals, io.env) : undefined;
  try {
    // One listing serves both the drift verdict and the run, so they cannot disagree. A document without
    // cluster security groups lists none: a VPC-by-default account refuses the call.
    const current = desired.groups.length > 0 ? await createRedshiftIngress(redshiftClient).listGroups() : [];
    const v1Drift = hasDrift(planReconciliation(desired, current, { maxPrunePerRun: config.maxPrunePerRun }));
    let vpc: VpcReconcilePorts | undefined;
    if (vpcClients !== undefined) {
      const ec2 = createEc2Ingress(vpcClients.ec2);
      const clusters = createRedshiftClusters(redshiftClient);
      const workgroups = createRedshiftServerlessWorkgroups(vpcClients.serverless);
      vpc = {
        targets: {
          describeCluster: (id) => clusters.describeCluster(id),
          getWorkgroup: (name) => workgroups.getWorkgroup(name),
          describeGroups: (ids) => ec2.describeGroups(ids),
        },
        rules: ec2,
      };
    }
    const reconcile = makeReconcile({
      currentRules: { listGroups: async () => current },
      ...(vpc !== undefined && { vpc }),
      ...(requestsUrl !== undefined && { requests: createQueuePublisher(sqs, requestsUrl) }),
      ...(resultsUrl !== undefined && { results: createQueuePublisher(sqs, resultsUrl) }),
      config,
      logger: silentLogger,
    });
    const report = await reconcile(desired, { dryRun: !options.apply });
    const drift = v1Drift || (report.version === 2 && hasVpcDrift(report.targets));

    if (options.json) writeLine(io.stdout, JSON.stringify(report));
    else writeLine(io.stdout, formatPlan(report, source, drift));
    if (options.apply && resultsUrl === undefined) {
      writeLine(
        io.stderr,
        'note: the report was not published: no results queue URL (--results-url, RESULTS_QUEUE_URL)',
      );
    }
    if (options.apply) {
      const left = report.version === 2 ? report.counts.refused + report.counts.overLimit : 0;
      return report.counts.errors + left > 0 ? ExitCode.failed : ExitCode.ok;
    }
    return drift ? ExitCode.failed : ExitCode.ok;
  } finally {
    redshiftClient.destroy();
    sqs.destroy();
    vpcClients?.ec2.destroy();
    vpcClients?.serverless.destroy();
  }
}

async function readDesiredState(
  path: string,
  io: CliIo,
  source: string,
  options: ReadOptions,
): Promise<DesiredState> {
  let text: string;
  try {
    text = await readFile(resolve(io.cwd, path), 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new UsageError(`--desired-state ${source}: cannot be read (${reason})`, { cause: error });
  }
  try {
    return parseDesiredState(text, source, options);
  } catch (error) {
    if (error instanceof DesiredStateError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
}

/**
 * The policy and prune cap, read from the same variables and by the same parser as the handler's
 * configuration, so a plan predicts the run. Without ALLOWED_GROUPS every group is assumed allowed:
 * the authorize handler applies its own policy to whatever is enqueued.
 */
function reconcileConfig(
  options: ReconcileCommandOptions,
  env: Readonly<Record<string, string | undefined>>,
): Pick<Config, 'policy' | 'maxPrunePerRun'> {
  try {
    const config = loadConfig({
      // loadConfig insists on a results queue; the policy and prune cap do not depend on it.
      RESULTS_QUEUE_URL: 'http://127.0.0.1/unused',
      ALLOWED_GROUPS: options.allowedGroups ?? env.ALLOWED_GROUPS ?? '*',
      // Unset, a target allowlist allows every target of the document, as ALLOWED_GROUPS does here.
      ALLOWED_CLUSTERS: env.ALLOWED_CLUSTERS ?? '*',
      ALLOWED_WORKGROUPS: env.ALLOWED_WORKGROUPS ?? '*',
      ALLOWED_SECURITY_GROUP_IDS: env.ALLOWED_SECURITY_GROUP_IDS ?? '*',
      MIN_CIDR_PREFIX_V6: env.MIN_CIDR_PREFIX_V6,
      ALLOWED_PREFIX_LIST_IDS: env.ALLOWED_PREFIX_LIST_IDS,
      MIN_CIDR_PREFIX: env.MIN_CIDR_PREFIX,
      ALLOWED_EC2_OWNER_IDS: env.ALLOWED_EC2_OWNER_IDS,
      REQUIRE_APPROVAL: env.REQUIRE_APPROVAL,
      MAX_PRUNE_PER_RUN: options.maxPrune ?? env.MAX_PRUNE_PER_RUN,
    });
    return { policy: config.policy, maxPrunePerRun: config.maxPrunePerRun };
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    const problems = error.problems.map((problem) =>
      problem
        .replace(
          /^ALLOWED_GROUPS:/,
          options.allowedGroups !== undefined ? '--allowed-groups:' : 'ALLOWED_GROUPS:',
        )
        .replace(
          /^MAX_PRUNE_PER_RUN:/,
          options.maxPrune !== undefined ? '--max-prune:' : 'MAX_PRUNE_PER_RUN:',
        ),
    );
    throw new UsageError(problems.join('\n'), { cause: error });
  }
}
