// The checks the functions run on every request and on the desired state, written out rather than built
// from a schema library: constructing zod schemas was the largest part of a cold start after the AWS SDK
// (docs/benchmarks.md). The contracts are still written as zod schemas (request-schema.ts,
// desired-state-schema.ts), the JSON Schemas are published from them, and a conformance test holds these
// checks to the same answers (test/unit/validator-conformance.test.ts).

/** A step of a path into a document: an object key or an array index. */
export type PathSegment = string | number;

/** One thing wrong with a document: where (a path) and why. */
export interface Issue {
  readonly path: readonly PathSegment[];
  readonly reason: string;
}

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

/**
 * The issues found in one document.
 *
 * A value of the wrong kind (or a missing one) is counted apart: checks across fields (a target given
 * twice, duplicates in a list) run only where no value below them had the wrong kind, since their input
 * is then incomplete and what they would say is noise.
 */
export class Issues {
  readonly list: Issue[] = [];
  /** How many issues so far were a value of the wrong kind, or missing. */
  wrongKinds = 0;

  /** A value that is of the right kind but fails a check. */
  add(path: readonly PathSegment[], reason: string): void {
    this.list.push({ path, reason });
  }

  /** A value that is missing or of the wrong kind: `is required`, or `must be <what>, got <kind>`. */
  addWrongKind(path: readonly PathSegment[], reason: string): void {
    this.list.push({ path, reason });
    this.wrongKinds += 1;
  }
}

/** The reason a value of the wrong kind is refused: `is required` when it is missing. */
export function wrongKind(what: string, value: unknown): string {
  return value === undefined ? 'is required' : `must be ${what}, got ${kindOf(value)}`;
}

/** The checks of a string field. */
export interface StringRule {
  /** Refuses the empty string with `must not be empty`. */
  readonly nonEmpty?: boolean;
  /** The most characters, counted as Unicode code points, as JSON Schema's maxLength and zod count them. */
  readonly maxLength?: number;
  readonly pattern?: RegExp;
  /** Why a string not matching `pattern` is refused. */
  readonly patternReason?: string;
  /** A check of its own, run after the others: the reason the string is refused, or undefined. */
  readonly refine?: (value: string) => string | undefined;
  /** The reason a value that is not a string (or is missing) is refused; `must be a string` by default. */
  readonly notAString?: (value: unknown) => string;
}

/**
 * Checks a string field, adding every failed check to `issues`.
 *
 * @returns the string if it passes every check, else undefined
 */
export function checkString(
  value: unknown,
  path: readonly PathSegment[],
  rule: StringRule,
  issues: Issues,
): string | undefined {
  if (typeof value !== 'string') {
    issues.addWrongKind(path, rule.notAString?.(value) ?? wrongKind('a string', value));
    return undefined;
  }
  const before = issues.list.length;
  if (rule.nonEmpty && value.length === 0) issues.add(path, 'must not be empty');
  if (rule.maxLength !== undefined && value.length > rule.maxLength && codePoints(value) > rule.maxLength) {
    issues.add(path, `must be at most ${rule.maxLength} characters`);
  }
  if (rule.pattern !== undefined && !rule.pattern.test(value)) {
    issues.add(path, rule.patternReason ?? 'has the wrong format');
  }
  const refused = rule.refine?.(value);
  if (refused !== undefined) issues.add(path, refused);
  return issues.list.length === before ? value : undefined;
}

/**
 * The number of Unicode code points of a string: its UTF-16 length less one per surrogate pair, so an emoji
 * counts once (a lone surrogate counts once too).
 */
export function codePoints(value: string): number {
  let count = value.length;
  for (let index = 0; index < value.length - 1; index += 1) {
    const high = value.charCodeAt(index);
    if (high >= 0xd800 && high <= 0xdbff) {
      const low = value.charCodeAt(index + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        count -= 1;
        index += 1;
      }
    }
  }
  return count;
}

/** Names each key of `value` not in `known`, in the document's order: `is not a known field`. */
export function checkKnownKeys(
  value: Readonly<Record<string, unknown>>,
  known: ReadonlySet<string>,
  path: readonly PathSegment[],
  issues: Issues,
): void {
  for (const key of Object.keys(value)) {
    if (!known.has(key)) issues.add([...path, key], 'is not a known field');
  }
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
