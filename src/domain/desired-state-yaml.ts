import { isNode, LineCounter, parseDocument } from 'yaml';
import { type DesiredState, DesiredStateError, readDesiredState } from './desired-state.js';

// The YAML reader of the desired state, apart from the schema so that a reader of JSON (the reconcile
// function, which gets the document compiled to JSON when it is packaged) does not carry a YAML parser.

/**
 * Reads a desired-state document (YAML, or JSON which YAML reads too).
 *
 * @param text the document
 * @param source the file name, for messages
 * @throws DesiredStateError naming each problem with its line
 */
export function parseDesiredState(text: string, source = 'desired state'): DesiredState {
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
  return readDesiredState(document.toJS(), source, (path) => {
    const offset = locate(document, path)?.range?.[0];
    if (offset === undefined) return undefined;
    const position = lineCounter.linePos(offset);
    return { line: position.line, column: position.col };
  });
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
