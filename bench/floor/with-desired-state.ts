// The floor plus the desired-state reader the reconcile function deploys: the JSON compiled when the
// service is packaged, checked again at the first run (its zod/mini schema, src/domain/desired-state-schema.ts,
// built on first use: this row measures the reader's code, not the schema's building).
export { loadDesiredState } from '../../src/load-desired-state.js';
export * from './clients-only.js';
