// The floor plus the domain as the authorize handler imported it before its checks were written out: the
// same modules and the request contract's zod/mini schema, built at import (docs/benchmarks.md).
export * from '../../src/domain/request-schema.js';
export * from './with-domain.js';
