// The floor plus the domain as the authorize handler imports it: the request contract's zod/mini schema
// (with CIDR parsing), the outcome builder and the policy; what validation adds to a cold start. The
// schema is built on first use (src/shared/on-first-use.ts), so the row measures its code, not its building.
export * from '../../src/domain/outcome.js';
export * from '../../src/domain/policy.js';
export * from '../../src/domain/request.js';
export * from './clients-only.js';
