// The floor plus the request and outcome contracts (zod schemas, CIDR parsing) and the policy: what
// validation adds to a cold start.
export * from '../../src/domain/outcome.js';
export * from '../../src/domain/policy.js';
export * from '../../src/domain/request.js';
export * from './clients-only.js';
