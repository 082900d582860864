import { isNode, LineCounter, parseDocument } from 'yaml';
import {
  type DesiredState,
  DesiredStateError,
  type Locate,
  type ReadOptions,
  readDesiredState,
} from './desired-state.js';

// The YAML reader of the desired state, apart from the schema so that a reader of JSON (the reconcile
// function, which gets the document compiled to JSON when it is packaged) does not carry a YAML parser.

/** A decoded document and how to place a path of it in its source text. */
interface Decoded {
  readonly value: unknown;
  readonly locate: Locate;
}

/**
 * Decodes YAML (or JSON, which YAML reads too) keeping line numbers.
 *
 * @throws DesiredStateError naming each syntax problem with its line
 */
function decode(text: string, source: string): Decoded {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new DesiredStateError(
      source,
      document.errors.map((error) => {
        const position = lineCounter.linePos(error.pos[0]);
        return {
          field: 'document',
          reason: error.message.split('\n')[0] ?? error.message,
          line: position.line,
          column: position.col,
        };
      }),
    );
  }
  return {
    value: document.toJS(),
    locate: (path) => {
      const offset = locate(document, path)?.range?.[0];
      if (offset === undefined) return undefined;
      const position = lineCounter.linePos(offset);
      return { line: position.line, column: position.col };
    },
  };
}

/**
 * Reads a desired-state document (YAML, or JSON which YAML reads too).
 *
 * @param text the document
 * @param source the file name, for messages
 * @param options what to check beyond the schema (the policy, when the reader knows it)
 * @throws DesiredStateError naming each problem with its line
 */
export function parseDesiredState(
  text: string,
  source = 'desired state',
  options: ReadOptions = {},
): DesiredState {
  const { value, locate } = decode(text, source);
  return readDesiredState(value, source, locate, options);
}

/**
 * Compiles a desired-state document (YAML or JSON) to the JSON text the reconcile function reads at run
 * time: the document as written, decoded, and validated here so that an invalid one fails the packaging
 * with its lines instead of the function's first run.
 *
 * The JSON is checked after encoding, so what is packaged is exactly what was validated.
 *
 * @param text the document
 * @param source the file name, for messages
 * @returns the document as JSON text, indented, ending with a newline
 * @throws DesiredStateError naming each problem with its line in `source`
 */
export function compileDesiredState(text: string, source = 'desired state'): string {
  const { value, locate } = decode(text, source);
  const json = JSON.stringify(value, null, 2) ?? 'null';
  readDesiredState(JSON.parse(json), source, locate);
  return `${json}\n`;
}

/** The deepest node of the document along a path, for a line number. */
function locate(
  document: ReturnType<typeof parseDocument>,
  path: readonly PropertyKey[],
): { range?: readonly number[] | null } | undefined {
  for (let depth = path.length; depth >= 0; depth -= 1) {
    const node: unknown =
      depth === 0 ? document.contents : document.getIn(path.slice(0, depth) as unknown[], true);
    if (isNode(node)) return node as { range?: readonly number[] | null };
  }
  return undefined;
}
