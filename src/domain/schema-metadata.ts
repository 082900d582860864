import * as z from 'zod/mini';
// Every schema module imports this one: zod's fallback messages are installed before any of them parses.
import './messages.js';

// What the published JSON Schemas say beyond the checks: ids, titles, descriptions (zod/mini's form of
// classic zod's `.meta`). The registry is zod's global one, which `z.toJSONSchema` reads by default.

/** Metadata of a published schema: its `$id`, title, description and any JSON Schema keywords. */
export type SchemaMetadata = z.core.GlobalMeta;

/** The schema, with metadata for the JSON Schema rendered from it. */
export function withMetadata<T extends z.ZodMiniType>(schema: T, metadata: SchemaMetadata): T {
  z.globalRegistry.add(schema, metadata);
  return schema;
}

/** The schema, with a description in the JSON Schema rendered from it. */
export function described<T extends z.ZodMiniType>(schema: T, description: string): T {
  return withMetadata(schema, { description });
}
