// The floor plus the desired-state reader (YAML and its zod schema): what the reconcile handler adds.
export { parseDesiredState } from '../../src/domain/desired-state-yaml.js';
export * from './clients-only.js';
