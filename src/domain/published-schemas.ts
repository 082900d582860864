import * as z from 'zod/mini';
import { desiredStateSchema, desiredStateV2Schema } from './desired-state-schema.js';
import { outcomeSchema } from './outcome-schema.js';
import { outcomeV2Schema } from './outcome-v2-schema.js';
import { reconciliationReportSchema, reconciliationReportV2Schema } from './reconciliation-report-schema.js';
import { ingressRequestSchema } from './request-schema.js';
import { ingressRequestV2Schema } from './request-v2-schema.js';

/** The zod schemas published as JSON Schema files under `schemas/`, by file name. */
export const PUBLISHED_SCHEMAS: Readonly<
  Record<string, { schema: () => z.ZodMiniType; io: 'input' | 'output' }>
> = {
  // Producers write requests, so the file describes what is accepted (defaults may be omitted).
  'ingress-request.v1.schema.json': { schema: ingressRequestSchema, io: 'input' },
  'ingress-request.v2.schema.json': { schema: ingressRequestV2Schema, io: 'input' },
  'ingress-outcome.v1.schema.json': { schema: () => outcomeSchema, io: 'output' },
  'ingress-outcome.v2.schema.json': { schema: () => outcomeV2Schema, io: 'output' },
  'reconciliation-report.v1.schema.json': { schema: () => reconciliationReportSchema, io: 'output' },
  'reconciliation-report.v2.schema.json': { schema: () => reconciliationReportV2Schema, io: 'output' },
  // People write desired states, so the file describes what is accepted (defaults may be omitted).
  'desired-state.v1.schema.json': { schema: desiredStateSchema, io: 'input' },
  'desired-state.v2.schema.json': { schema: desiredStateV2Schema, io: 'input' },
};

/**
 * Renders every published schema as the text of its file; the request and desired-state schemas are also
 * what the functions check with.
 */
export function renderPublishedSchemas(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [file, { schema, io }] of Object.entries(PUBLISHED_SCHEMAS)) {
    files[file] = `${JSON.stringify(z.toJSONSchema(schema(), { io, target: 'draft-2020-12' }), null, 2)}\n`;
  }
  return files;
}
