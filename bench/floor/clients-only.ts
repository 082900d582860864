import { RedshiftClient } from '@aws-sdk/client-redshift';
import { SQSClient } from '@aws-sdk/client-sqs';

// The floor of cold start and memory: what any function calling SQS and Redshift pays before doing
// anything. The clients are exported so tree-shaking keeps them, as a handler would.

/** The SQS client, constructed as the handlers construct theirs. */
export const sqs = new SQSClient({});
/** The Redshift client, constructed as the handlers construct theirs. */
export const redshift = new RedshiftClient({});
