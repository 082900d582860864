// The floor plus the desired-state reader the reconcile function deploys: the JSON compiled when the
// service is packaged, checked again at cold start (written-out checks, src/domain/desired-state.ts).
export { loadDesiredState } from '../../src/load-desired-state.js';
export * from './clients-only.js';
