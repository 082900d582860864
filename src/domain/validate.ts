// Small helpers for reading JSON values and naming where a problem sits; the contracts' checks
// themselves are their zod schemas (request-schema.ts, desired-state-schema.ts).

/** A step of a path into a document: an object key or an array index. */
export type PathSegment = string | number;

/** What a JSON value is, as a person says it: `null`, `an array`, `a number`. */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** A JSON object: not null, not an array. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The reason a value of the wrong kind is refused: `is required` when it is missing. */
export function wrongKind(what: string, value: unknown): string {
  return value === undefined ? 'is required' : `must be ${what}, got ${kindOf(value)}`;
}

/** A path as a person reads it: `approval.ticket`, `groups.analytics.cidrIps.2`; the document itself is `body`. */
export function fieldOf(path: readonly PropertyKey[]): string {
  return path.map(fieldName).join('.') || 'body';
}

/** A path segment as a person reads it: plain names bare, anything else quoted and shortened. */
function fieldName(segment: PropertyKey): string {
  const text = String(segment);
  if (/^[A-Za-z_$][\w$-]{0,63}$/.test(text) || /^\d{1,9}$/.test(text)) return text;
  return JSON.stringify(truncate(text, 64));
}

/** The text cut at `max` characters, marked with `...` when it was cut. */
export function truncate(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max)}...`;
}
