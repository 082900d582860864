// The floor plus the YAML reader of the desired state (the `yaml` library and its line numbers): what
// the reconcile function would carry if it read the YAML itself instead of the JSON compiled at packaging.
export { parseDesiredState } from '../../src/domain/desired-state-yaml.js';
export * from './clients-only.js';
