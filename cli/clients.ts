import type { EC2Client } from '@aws-sdk/client-ec2';
import type { RedshiftClient } from '@aws-sdk/client-redshift';
import type { RedshiftServerlessClient } from '@aws-sdk/client-redshift-serverless';
import { SQSClient } from '@aws-sdk/client-sqs';
import { sdkLogger } from '../src/adapters/sdk-logger.js';
import type { GlobalOptions } from './context.js';

type Env = Readonly<Record<string, string | undefined>>;

/** The region LocalStack's `awslocal` assumes, used against a loopback endpoint when none is configured. */
export const LOCAL_REGION = 'us-east-1';
/** The dummy key LocalStack's `awslocal` sends; the embedded emulator accepts any. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;

/** Whether a URL names this machine (localhost, 127.0.0.0/8, ::1): an emulator, never an AWS account. */
export function isLoopbackUrl(url: string | undefined): boolean {
  if (url === undefined || !URL.canParse(url)) return false;
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return (
    host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
  );
}

/**
 * Where the calls of this invocation go: the endpoint the flags or the SDK's variables name, else the
 * queue URLs (the SQS client sends to a queue URL's host).
 */
export function targetUrls(options: GlobalOptions, env: Env): string[] {
  const endpoint = options.endpoint ?? env.AWS_ENDPOINT_URL_SQS ?? env.AWS_ENDPOINT_URL;
  if (endpoint !== undefined && endpoint !== '') return [endpoint];
  return [
    options.queueUrl ?? env.REQUESTS_QUEUE_URL,
    options.resultsUrl ?? env.RESULTS_QUEUE_URL,
    options.dlqUrl ?? env.REQUESTS_DLQ_URL,
  ].filter((url): url is string => url !== undefined && url !== '');
}

/**
 * The client settings the flags give; what they leave out the SDK resolves as usual
 * (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_SQS, AWS_REGION, AWS_PROFILE, the shared config files), and
 * AWS_DEFAULT_REGION where AWS_REGION is unset, as the AWS CLI reads it.
 * Against a loopback endpoint with no region or credentials configured, the region and dummy
 * credentials LocalStack's `awslocal` assumes fill in, so the local stack needs no AWS setup.
 * Constructing a client reads no credentials and makes no call.
 */
function clientConfig(
  options: GlobalOptions,
  env: Env,
): { endpoint?: string; region?: string; profile?: string; credentials?: typeof LOCAL_CREDENTIALS } {
  const urls = targetUrls(options, env);
  const local = urls.length > 0 && urls.every(isLoopbackUrl);
  // The SDK reads AWS_REGION only; AWS_DEFAULT_REGION is the AWS CLI's, set by many shells for it.
  const region =
    options.region ??
    (env.AWS_REGION ? undefined : env.AWS_DEFAULT_REGION || (local ? LOCAL_REGION : undefined));
  const credentialsGiven =
    options.profile !== undefined || Boolean(env.AWS_ACCESS_KEY_ID) || Boolean(env.AWS_PROFILE);
  return {
    ...(options.endpoint !== undefined && { endpoint: options.endpoint }),
    ...(region !== undefined && { region }),
    ...(options.profile !== undefined && { profile: options.profile }),
    ...(local && !credentialsGiven && { credentials: LOCAL_CREDENTIALS }),
  };
}

/**
 * The SDK's warnings on the console, less its notice that a queue URL names another host than the
 * resolved endpoint: the tool sends to the queue URL's host on purpose (the URL comes from the stack
 * that owns the queue). The tool reports each failed call itself, so the SDK's own lines are left out.
 */
const sqsLogger = sdkLogger((warning) => {
  if (!warning.startsWith('QueueUrl=')) console.warn(warning);
});

/** Creates the SQS client of one invocation from `--endpoint`, `--region`, `--profile` and the environment. */
export function createSqsClient(options: GlobalOptions, env: Env = process.env): SQSClient {
  return new SQSClient({ ...clientConfig(options, env), logger: sqsLogger });
}

/** Creates the Redshift client, loading its SDK only for the commands that need it. */
export async function createRedshiftClient(
  options: GlobalOptions,
  env: Env = process.env,
): Promise<RedshiftClient> {
  const { RedshiftClient } = await import('@aws-sdk/client-redshift');
  return new RedshiftClient(clientConfig(options, env));
}

/** The EC2 and Redshift Serverless clients of a run over VPC targets, their SDKs loaded only then. */
export async function createVpcClients(
  options: GlobalOptions,
  env: Env = process.env,
): Promise<{ ec2: EC2Client; serverless: RedshiftServerlessClient }> {
  const [{ EC2Client }, { RedshiftServerlessClient }] = await Promise.all([
    import('@aws-sdk/client-ec2'),
    import('@aws-sdk/client-redshift-serverless'),
  ]);
  const config = clientConfig(options, env);
  return { ec2: new EC2Client(config), serverless: new RedshiftServerlessClient(config) };
}
