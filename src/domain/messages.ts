import * as z from 'zod/mini';
import type { Problem } from './request.js';
import { fieldOf, kindOf, wrongKind } from './validate.js';

// zod/mini carries no message catalogue: without one, a failed check says only "Invalid input". The
// contracts' schemas name their own errors (`mustBe`, the checks' messages); the fallback below words
// whatever is left, such as a consumer validating an outcome or a report, the way those do.

/**
 * The error of a schema given the wrong kind of value: `must be a string, got a number`, or
 * `is required` when the field is missing. Other issues keep the messages of their checks.
 */
export function mustBe(what: string): {
  error: (issue: { readonly code?: string; readonly input?: unknown }) => string | undefined;
} {
  return {
    error: (issue) => (issue.code === 'invalid_type' ? wrongKind(what, issue.input) : undefined),
  };
}

const EXPECTED: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
};

/** Issue fields the fallback reads; zod gives each code its own. */
interface RawIssue {
  readonly code?: string;
  readonly input?: unknown;
  readonly expected?: string;
  readonly values?: readonly unknown[];
  readonly origin?: string;
  readonly minimum?: number | bigint;
  readonly maximum?: number | bigint;
  readonly inclusive?: boolean;
  readonly format?: string;
}

/** The message of an issue no schema worded: `must be one of "authorize", "revoke"`; undefined leaves zod's. */
function fallbackMessage(issue: RawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined
        ? 'is required'
        : `must be ${EXPECTED[issue.expected ?? ''] ?? issue.expected}, got ${kindOf(issue.input)}`;
    case 'invalid_value': {
      if (issue.input === undefined) return 'is required';
      const values = (issue.values ?? []).map((value) => JSON.stringify(value));
      return values.length === 1 ? `must be ${values[0]}` : `must be one of ${values.join(', ')}`;
    }
    case 'too_small':
      return `must be ${issue.inclusive === false ? 'more than' : 'at least'} ${issue.minimum}${unitOf(issue)}`;
    case 'too_big':
      return `must be ${issue.inclusive === false ? 'less than' : 'at most'} ${issue.maximum}${unitOf(issue)}`;
    case 'invalid_format':
      return issue.format === 'datetime'
        ? 'must be an ISO 8601 date-time'
        : `must be a valid ${issue.format}`;
    case 'invalid_union':
      return 'matches none of the allowed forms';
    default:
      return undefined;
  }
}

function unitOf(issue: RawIssue): string {
  if (issue.origin === 'string') return ' characters';
  if (issue.origin === 'array' || issue.origin === 'set') return ' items';
  return '';
}

// Process-wide, as zod's classic API installs its English messages: every parse, whoever calls it.
z.config({ customError: fallbackMessage });

/** One problem of a document where it sits: the path of the value and why it is refused. */
export interface PathProblem {
  readonly path: readonly PropertyKey[];
  readonly reason: string;
}

/**
 * Turns zod issues into problems at their paths, the one place where zod's issues become what a person
 * reads: one problem per unknown key, a record key's own reason, and no length complaint about a value
 * already refused as the wrong kind (zod runs a string's length checks on anything with a `length`: an
 * array given for a string would also be told it `must not be empty`).
 */
export function locateIssues(issues: readonly z.core.$ZodIssue[]): PathProblem[] {
  const wrongKindAt = new Set(
    issues.filter((issue) => issue.code === 'invalid_type').map((issue) => pathKey(issue.path)),
  );
  const problems: PathProblem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        problems.push({ path: [...issue.path, key], reason: 'is not a known field' });
      continue;
    }
    if ((issue.code === 'too_small' || issue.code === 'too_big') && wrongKindAt.has(pathKey(issue.path))) {
      continue;
    }
    // A record key's own message (its regex's) says more than "Invalid key in record".
    const reason = issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
    problems.push({ path: issue.path, reason });
  }
  return problems;
}

/** Turns zod issues into field-naming problems, one per unknown key. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): Problem[] {
  return locateIssues(issues).map(({ path, reason }) => ({ field: fieldOf(path), reason }));
}

function pathKey(path: readonly PropertyKey[]): string {
  return path.map(String).join('\u0000');
}
