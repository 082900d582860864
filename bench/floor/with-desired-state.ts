// The floor plus the desired-state reader the reconcile function deploys: the JSON compiled when the
// service is packaged, validated by the zod/mini schema.
export { loadDesiredState } from '../../src/load-desired-state.js';
export * from './clients-only.js';
