import { RedshiftClient } from '@aws-sdk/client-redshift';
import { SQSClient } from '@aws-sdk/client-sqs';

// The floor of cold start and memory: what any function calling SQS and Redshift pays before doing
// anything. The clients are exported so tree-shaking keeps them, as a handler would.

/** The SQS client with the SDK's defaults (the handlers give theirs a logger, and nothing else). */
export const sqs = new SQSClient({});
/** The Redshift client with the SDK's defaults. */
export const redshift = new RedshiftClient({});
