// The floor plus the desired-state reader the reconcile function deploys: the JSON compiled when the
// service is packaged, checked again at cold start (its zod/mini schema, src/domain/desired-state-schema.ts).
export { loadDesiredState } from '../../src/load-desired-state.js';
export * from './clients-only.js';
