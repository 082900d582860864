import type { IngressRequest, ParseResult, Problem, RequestContext } from './request.js';
import { type AnyParseResult, type IngressRequestV2, requestContextOf } from './request-v2.js';

// SQS accepts in a message (body and string attributes) only the characters of XML 1.0:
// #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF.
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html
// A JSON body may carry any of the others as an escape (`\uffff`, a lone `\ud800`), and JSON.parse turns
// the escape into the character itself; echoed into an outcome as is, it makes SQS refuse the outcome on
// every delivery.

// Written as the complement of SQS's list, so it reads as AWS documents it; with the `u` flag a lone
// surrogate is a code point of its own, outside every range.
/** One character SQS refuses in a message: a C0 control other than tab, LF and CR, a lone surrogate, U+FFFE or U+FFFF. */
export const SQS_REFUSED_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

const SQS_REFUSED_CHARACTERS = new RegExp(SQS_REFUSED_CHARACTER.source, 'gu');

/** The character put in place of each refused one: U+FFFD REPLACEMENT CHARACTER, which SQS accepts. */
export const REPLACEMENT_CHARACTER = '\uFFFD';

/** The text with each character SQS refuses replaced by U+FFFD; text SQS accepts comes back unchanged. */
export function makeSqsSafe(text: string): string {
  return SQS_REFUSED_CHARACTER.test(text)
    ? text.replace(SQS_REFUSED_CHARACTERS, REPLACEMENT_CHARACTER)
    : text;
}

/** A JSON value with every string in it, keys included, made safe for SQS; other values are kept as they are. */
export function makeSqsSafeDeep<T>(value: T): T {
  if (typeof value === 'string') return makeSqsSafe(value) as T;
  if (Array.isArray(value)) return value.map(makeSqsSafeDeep) as T;
  if (typeof value === 'object' && value !== null) {
    const safe: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) safe[makeSqsSafe(key)] = makeSqsSafeDeep(item);
    return safe as T;
  }
  return value;
}

/** Why a text SQS cannot carry is refused, naming the first such character (`U+FFFF at character 3`), or undefined. */
export function describeSqsRefusedText(text: string): string | undefined {
  const match = SQS_REFUSED_CHARACTER.exec(text);
  if (match === null) return undefined;
  const codePoint = (match[0].codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0');
  const count = text.match(SQS_REFUSED_CHARACTERS)?.length ?? 1;
  const others = count > 1 ? ` and ${count - 1} more` : '';
  return `contains U+${codePoint} at character ${match.index + 1}${others}, which SQS and the AWS APIs refuse`;
}

/**
 * The problems of a valid request whose fields sent to AWS (the rule, the task token) hold characters SQS
 * refuses: such a value cannot be named in an outcome as the API received it, so the request is rejected.
 * Fields only echoed into the outcome (requestedBy, reason, approval) are made safe there instead.
 */
export function findSqsRefusedFields(request: IngressRequest | IngressRequestV2): Problem[] {
  const problems: Problem[] = [];
  const check = (field: string, value: string | undefined) => {
    const reason = value === undefined ? undefined : describeSqsRefusedText(value);
    if (reason !== undefined) problems.push({ field, reason });
  };
  const { rule } = request;
  // A VPC rule's target and source are ids and networks the schema holds to plain ASCII; checked alike.
  const fields = 'target' in rule ? { ...rule.target, ...rule.source } : rule;
  for (const [field, value] of Object.entries(fields)) check(field, value);
  check('taskToken', request.taskToken);
  return problems;
}

/** A parse result in which a valid request with fields SQS or AWS refuse (see {@link findSqsRefusedFields}) is rejected. */
export function rejectSqsRefusedFields<P extends ParseResult | AnyParseResult>(parsed: P): P {
  if (!parsed.ok) return parsed;
  const problems = findSqsRefusedFields(parsed.request);
  if (problems.length === 0) return parsed;
  const { request } = parsed;
  const refusedToken = problems.some((problem) => problem.field === 'taskToken');
  // A token Step Functions cannot have issued is not answered.
  const { taskToken: _refused, ...withoutToken } = requestContextOf(request);
  const context: RequestContext = refusedToken ? withoutToken : requestContextOf(request);
  return {
    ok: false,
    problems,
    context,
    ...(request.version === 2 && { version: 2 }),
  } as unknown as P;
}
