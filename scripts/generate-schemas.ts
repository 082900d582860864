/**
 * Writes the published JSON Schema files from the contracts' zod schemas (src/domain/*-schema.ts), the
 * same schemas the functions check requests and the desired state with.
 * Usage: npm run schemas (a unit test fails while a file is stale).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderPublishedSchemas } from '../src/domain/published-schemas.js';

const directory = join(import.meta.dirname, '..', 'schemas');
for (const [file, text] of Object.entries(renderPublishedSchemas())) {
  writeFileSync(join(directory, file), text);
  console.log(`wrote schemas/${file}`);
}
