import type { RedshiftClient } from '@aws-sdk/client-redshift';
import { SQSClient } from '@aws-sdk/client-sqs';
import { sdkLogger } from '../src/adapters/sdk-logger.js';
import type { GlobalOptions } from './context.js';

/**
 * The client settings the flags give; what they leave out the SDK resolves as usual
 * (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_SQS, AWS_REGION, AWS_PROFILE, the shared config files).
 * Constructing a client reads no credentials and makes no call.
 */
function clientConfig(options: GlobalOptions): { endpoint?: string; region?: string; profile?: string } {
  return {
    ...(options.endpoint !== undefined && { endpoint: options.endpoint }),
    ...(options.region !== undefined && { region: options.region }),
    ...(options.profile !== undefined && { profile: options.profile }),
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

/** Creates the SQS client of one invocation from `--endpoint`, `--region` and `--profile`. */
export function createSqsClient(options: GlobalOptions): SQSClient {
  return new SQSClient({ ...clientConfig(options), logger: sqsLogger });
}

/** Creates the Redshift client, loading its SDK only for the commands that need it. */
export async function createRedshiftClient(options: GlobalOptions): Promise<RedshiftClient> {
  const { RedshiftClient } = await import('@aws-sdk/client-redshift');
  return new RedshiftClient(clientConfig(options));
}
