import { createVpcAdapters } from '../../src/adapters/vpc-adapters.js';

// The floor plus the chunk the authorize handler imports with its first request on a VPC target: the
// EC2 and Redshift Serverless clients and their adapters. What the first VPC request of a container
// pays once, beside the cold start every request pays.
export * from './clients-only.js';

/** The VPC adapters, built as the authorize handler builds them on first use. */
export const vpc = createVpcAdapters({});
