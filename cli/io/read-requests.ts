import { extname } from 'node:path';
import { looksLikeIpv6Cidr } from '../../src/domain/cidr.js';
import type { Approval, Problem, RequestBody } from '../../src/domain/request.js';
import { requestFields, validateRequest } from '../../src/domain/request.js';
import { parseAnyRequest, type RequestBodyV2, validateRequestV2 } from '../../src/domain/request-v2.js';
import { ingressRequestV2Schema } from '../../src/domain/request-v2-schema.js';
import { nearestKnown } from '../../src/domain/suggest.js';
import { UsageError } from '../errors.js';
import { type CsvCells, splitCsvLine } from './csv.js';

/** The input formats `submit` reads. */
export const InputFormat = {
  auto: 'auto',
  list: 'list',
  csv: 'csv',
  tsv: 'tsv',
  ndjson: 'ndjson',
} as const;
/** The input formats `submit` reads. */
export type InputFormat = (typeof InputFormat)[keyof typeof InputFormat];

/** A request body as the requests queue receives it, validated. */
export type { RequestBody, RequestBodyV2 };

/** A request body of either contract version, validated, with its request id. */
export type AnyRequestBody = (RequestBody | RequestBodyV2) & { readonly requestId: string };

/**
 * What a line leaves out, filled from the flags; a line's own values win. The target fields fill a line
 * only as a whole, and only a line that names no target of its own.
 */
export interface RequestDefaults {
  readonly clusterSecurityGroupName?: string;
  readonly clusterIdentifier?: string;
  readonly workgroupName?: string;
  /** With a cluster or workgroup: which of its security groups; alone: the target itself. */
  readonly securityGroupId?: string;
  /** The port of VPC targets; a number, or NaN for text that is not one (the contract then says why). */
  readonly port?: number;
  readonly action?: 'authorize' | 'revoke';
  readonly reason?: string;
  readonly requestedBy?: string;
  readonly approval?: Approval;
  /** Request ids are `<prefix>-<line number>` unless a line names its own. */
  readonly requestIdPrefix: string;
}

/** A valid request and the line it came from. */
export interface LineRequest {
  readonly line: number;
  readonly body: AnyRequestBody;
}

/** An invalid line and every problem found in it. */
export interface InvalidLine {
  readonly line: number;
  readonly problems: readonly Problem[];
}

/** The requests read from one input. */
export interface ReadResult {
  readonly format: Exclude<InputFormat, 'auto'>;
  readonly requests: readonly LineRequest[];
  readonly invalid: readonly InvalidLine[];
}

/** Options of {@link readRequests}. */
export interface ReadOptions {
  /** The file name (or `stdin`), to guess the format from its extension. */
  readonly source: string;
  readonly format: InputFormat;
  readonly defaults: RequestDefaults;
}

/** CSV columns: the flag's name or the contract's field name, compared without case, `-` or `_`. */
const CSV_COLUMNS: Readonly<Record<string, string>> = {
  group: 'clusterSecurityGroupName',
  clustersecuritygroupname: 'clusterSecurityGroupName',
  cluster: 'clusterIdentifier',
  clusteridentifier: 'clusterIdentifier',
  workgroup: 'workgroupName',
  workgroupname: 'workgroupName',
  securitygroup: 'securityGroupId',
  securitygroupid: 'securityGroupId',
  cidr: 'cidrIp',
  cidrip: 'cidrIp',
  cidripv6: 'cidrIpv6',
  sourcegroup: 'sourceSecurityGroupId',
  sourcesecuritygroupid: 'sourceSecurityGroupId',
  sourceowner: 'sourceSecurityGroupOwnerId',
  sourcesecuritygroupownerid: 'sourceSecurityGroupOwnerId',
  prefixlist: 'prefixListId',
  prefixlistid: 'prefixListId',
  port: 'port',
  ec2group: 'ec2SecurityGroupName',
  ec2securitygroupname: 'ec2SecurityGroupName',
  owner: 'ec2SecurityGroupOwnerId',
  ec2securitygroupownerid: 'ec2SecurityGroupOwnerId',
  action: 'action',
  requestid: 'requestId',
  reason: 'reason',
  requestedby: 'requestedBy',
  ticket: 'approval.ticket',
  approvedby: 'approval.approvedBy',
  approvedat: 'approval.approvedAt',
};

/** The CSV header names documented in `submit --help`. */
export const CSV_HEADER_HELP =
  'group, cidr, cluster, workgroup, security-group, source-group, source-owner, prefix-list, port, ec2-group, owner, action, request-id, reason, requested-by, ticket, approved-by, approved-at';

/** The fields of a request v1 and of a request v2, from the schemas that check them. */
const FIELDS_V1: readonly string[] = requestFields();
const FIELDS_V2: readonly string[] = Object.keys(ingressRequestV2Schema().def.shape);
/** The fields only a request v2 has: a row giving one of them is written as version 2. */
const ONLY_V2 = FIELDS_V2.filter((field) => !FIELDS_V1.includes(field));
/** The fields that name what a rule is applied to; the flags' target fills a line that names none. */
const TARGET_FIELDS = ['clusterIdentifier', 'workgroupName', 'securityGroupId', 'clusterSecurityGroupName'];

type Draft = Record<string, unknown>;
/**
 * A line read: a body as written (NDJSON, `versioned`), or the fields of a row (CSV, TSV, a list) whose
 * contract version follows from what it gives; or the problems that kept it from being read.
 */
type Parsed = { line: number; draft: Draft; versioned: boolean } | { line: number; problems: Problem[] };

/**
 * Reads requests from text: a plain list (one address or CIDR per line, `# comment` as the reason),
 * CSV or TSV with a header, or NDJSON request bodies. Blank lines and `#` lines are skipped.
 *
 * @throws UsageError when the input as a whole cannot be read (a bad CSV header, a list without a target)
 */
export function readRequests(text: string, options: ReadOptions): ReadResult {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const format = options.format === 'auto' ? detectFormat(options.source, lines) : options.format;
  const { parsed, vpcColumns } =
    format === 'ndjson'
      ? { parsed: parseNdjson(lines), vpcColumns: false }
      : format === 'csv' || format === 'tsv'
        ? parseCsv(lines, options, format)
        : { parsed: parseList(lines, options), vpcColumns: false };

  const requests: LineRequest[] = [];
  const invalid: InvalidLine[] = [];
  const lineOfRequestId = new Map<string, number>();
  for (const item of parsed) {
    if ('problems' in item) {
      invalid.push(item);
      continue;
    }
    const result = item.versioned
      ? prepareRequest(item.draft, options.defaults, item.line)
      : prepareRow(item.draft, options.defaults, item.line, { vpcInput: vpcColumns });
    if (!result.ok) {
      invalid.push({ line: item.line, problems: result.problems });
      continue;
    }
    const first = lineOfRequestId.get(result.body.requestId);
    if (first !== undefined) {
      invalid.push({
        line: item.line,
        problems: [
          { field: 'requestId', reason: `"${result.body.requestId}" is already used by line ${first}` },
        ],
      });
      continue;
    }
    lineOfRequestId.set(result.body.requestId, item.line);
    requests.push({ line: item.line, body: result.body });
  }
  return { format, requests, invalid };
}

/** A prepared request: the body to send, or every problem found in it. */
export type Prepared = { ok: true; body: LineRequest['body'] } | { ok: false; problems: Problem[] };

/**
 * Completes a request body as written (its own `version`) with the defaults its version knows (its own
 * values win) and validates it as the service does.
 *
 * @param line the line number, for the generated request id
 */
export function prepareRequest(draft: Draft, defaults: RequestDefaults, line: number): Prepared {
  const known = draft.version === 2 ? FIELDS_V2 : FIELDS_V1;
  return validateBody(withDefaults(draft, defaults, line, known));
}

/** Options of {@link prepareRow}. */
export interface RowOptions {
  /**
   * A row that names no target is written as version 2 (whose reason names every kind of target) when
   * the input speaks of VPC targets: the flags, or a header with a column only version 2 has.
   */
  readonly vpcInput: boolean;
}

/**
 * Completes the fields of a row or of the flags with the defaults and writes them as a request body:
 * version 1 for a cluster security group with nothing only version 2 has (the body v1 producers have
 * always sent), else version 2, where an IPv6 address given as `cidrIp` (the `cidr` column, `--cidr`)
 * becomes `cidrIpv6`. Then validates it as the service does.
 *
 * @param line the line number, for the generated request id
 */
export function prepareRow(
  row: Draft,
  defaults: RequestDefaults,
  line: number,
  options: RowOptions,
): Prepared {
  const filled = withDefaults(row, defaults, line, FIELDS_V2);
  const version = ONLY_V2.some((field) => filled[field] !== undefined)
    ? 2
    : filled.clusterSecurityGroupName !== undefined || !options.vpcInput
      ? 1
      : 2;
  const body: Draft = { version, ...filled };
  if (
    version === 2 &&
    typeof body.cidrIp === 'string' &&
    body.cidrIpv6 === undefined &&
    looksLikeIpv6Cidr(body.cidrIp)
  ) {
    body.cidrIpv6 = body.cidrIp;
    delete body.cidrIp;
  }
  return validateBody(body);
}

/**
 * What the flags' part of every line would be refused for, checked once with the contract before the
 * lines are read: the target flags (their names, one target, the kind `--port` needs). The source, which each line
 * gives, is a documentation range valid for every target kind, so no problem is about it.
 */
export function defaultsProblems(defaults: RequestDefaults): Problem[] {
  const target = targetOf(defaults);
  if (Object.keys(target).length === 0) return [];
  const probe = {
    version: 2,
    ...target,
    ...(defaults.port !== undefined && { port: defaults.port }),
    cidrIp: '192.0.2.0/24',
  };
  const result = validateRequestV2(probe);
  return result.ok ? [] : result.problems;
}

/** The target fields the defaults give. */
function targetOf(defaults: RequestDefaults): Draft {
  const target: Draft = {};
  for (const field of TARGET_FIELDS) {
    const value = (defaults as unknown as Draft)[field];
    if (value !== undefined) target[field] = value;
  }
  return target;
}

/**
 * A draft with what it leaves out taken from the defaults, only the fields `known` has. The port is
 * that of VPC targets, so a line on a cluster security group (its own or the flags') takes none.
 */
function withDefaults(
  draft: Draft,
  defaults: RequestDefaults,
  line: number,
  known: readonly string[],
): Draft {
  const ownTarget = TARGET_FIELDS.some((field) => draft[field] !== undefined);
  const complete: Draft = { ...draft };
  const fill = (field: string, value: unknown): void => {
    if (value !== undefined && complete[field] === undefined && known.includes(field))
      complete[field] = value;
  };
  fill('requestId', `${defaults.requestIdPrefix}-${line}`);
  fill('action', defaults.action);
  if (!ownTarget) for (const [field, value] of Object.entries(targetOf(defaults))) fill(field, value);
  if (complete.clusterSecurityGroupName === undefined) fill('port', defaults.port);
  fill('reason', defaults.reason);
  fill('requestedBy', defaults.requestedBy);
  const approval = mergeApproval(defaults.approval, draft.approval);
  if (approval !== undefined) complete.approval = approval;
  return complete;
}

/**
 * Validates a complete body against the contract of its version, as the service reads it; the body is
 * what goes on the queue, as written with `action` defaulted.
 */
function validateBody(complete: Draft): Prepared {
  const result = complete.version === 2 ? validateRequestV2(complete) : validateRequest(complete);
  if (result.ok) return { ok: true, body: { ...result.value, requestId: result.value.requestId as string } };
  // Neither version: the service's own reading says which versions it takes.
  const problems =
    complete.version === 1 || complete.version === 2
      ? result.problems
      : problemsOf(parseAnyRequest(JSON.stringify(complete), 'unsent'), result.problems);
  // Suggestions come from the version whose reading the problems are (version 1 unless it says 2).
  const known = complete.version === 2 ? FIELDS_V2 : FIELDS_V1;
  return { ok: false, problems: problems.map((problem) => withSuggestion(problem, known)) };
}

function problemsOf(parsed: ReturnType<typeof parseAnyRequest>, fallback: Problem[]): Problem[] {
  return parsed.ok ? fallback : [...parsed.problems];
}

/** The approval's fields, for suggestions under `approval.`. */
const APPROVAL_FIELDS = ['ticket', 'approvedBy', 'approvedAt'] as const satisfies readonly (keyof Approval)[];

/** `cidrIP: is not a known field` becomes `...; did you mean \`cidrIp\`?` when a known field is that close. */
function withSuggestion(problem: Problem, known: readonly string[]): Problem {
  if (problem.reason !== 'is not a known field') return problem;
  const [parent, name] = problem.field.startsWith('approval.')
    ? [APPROVAL_FIELDS, problem.field.slice('approval.'.length)]
    : [known, problem.field];
  const suggestion = nearestKnown(name, parent);
  return suggestion === undefined
    ? problem
    : { ...problem, reason: `${problem.reason}; did you mean \`${suggestion}\`?` };
}

function mergeApproval(defaults: Approval | undefined, own: unknown): unknown {
  if (defaults === undefined || Object.keys(defaults).length === 0) return own;
  if (own === undefined) return defaults;
  // A line's approval that is not an object is left for the contract to reject, naming it.
  if (typeof own !== 'object' || own === null || Array.isArray(own)) return own;
  return { ...defaults, ...own };
}

/**
 * A port as text (a CSV cell, `--port`): decimal digits are the number; anything else is NaN, which the
 * contract refuses with its own reason, so the rule is stated once.
 */
export function portFromText(text: string): number {
  return /^\d+$/.test(text) ? Number(text) : Number.NaN;
}

function detectFormat(source: string, lines: readonly string[]): Exclude<InputFormat, 'auto'> {
  const extension = extname(source).toLowerCase();
  const first = lines.map((line) => line.trim()).find((line) => line !== '' && !line.startsWith('#'));
  const header = first ?? '';
  const tabbed = header.includes('\t') && !header.includes(',');
  if (extension === '.tsv' || extension === '.tab') return 'tsv';
  // A spreadsheet's "CSV" export is sometimes tab-separated: the header says which it is.
  if (extension === '.csv') return tabbed ? 'tsv' : 'csv';
  if (extension === '.ndjson' || extension === '.jsonl') return 'ndjson';
  if (first?.startsWith('{')) return 'ndjson';
  if (first?.includes(',')) return 'csv';
  if (tabbed) return 'tsv';
  return 'list';
}

const TARGET_FLAGS = '--cluster, --workgroup, --security-group or --group';

function parseList(lines: readonly string[], options: ReadOptions): Parsed[] {
  const target = targetOf(options.defaults);
  if (Object.keys(target).length === 0) {
    throw new UsageError(`a plain list of addresses (${options.source}) needs a target: ${TARGET_FLAGS}`);
  }
  // A cluster security group takes IPv4 only; a VPC target either family.
  const what =
    'clusterSecurityGroupName' in target ? 'one IPv4 address or CIDR' : 'one IPv4 or IPv6 address or CIDR';
  const parsed: Parsed[] = [];
  lines.forEach((text, index) => {
    const hash = text.indexOf('#');
    const address = (hash === -1 ? text : text.slice(0, hash)).trim();
    const comment = hash === -1 ? '' : text.slice(hash + 1).trim();
    if (address === '') return;
    const line = index + 1;
    if (/\s/.test(address)) {
      parsed.push({
        line,
        problems: [
          {
            field: 'cidrIp',
            reason: `expected ${what} per line (a reason goes after #), got "${address}"`,
          },
        ],
      });
      return;
    }
    parsed.push({
      line,
      draft: { cidrIp: address, ...(comment !== '' && { reason: comment }) },
      versioned: false,
    });
  });
  return parsed;
}

/**
 * Splits one tab-separated line (IANA text/tab-separated-values: a tab ends every value, and no
 * value holds a tab or a line break, so there is no quoting) into trimmed cells.
 */
function splitTsvLine(line: string): CsvCells {
  return { ok: true, cells: line.split('\t').map((cell) => cell.trim()) };
}

function parseCsv(
  lines: readonly string[],
  options: ReadOptions,
  format: 'csv' | 'tsv',
): { parsed: Parsed[]; vpcColumns: boolean } {
  const headerIndex = lines.findIndex((line) => line.trim() !== '' && !line.trim().startsWith('#'));
  if (headerIndex === -1) return { parsed: [], vpcColumns: false };
  const headerText = lines[headerIndex] as string;
  const location = `${options.source}:${headerIndex + 1}`;
  if (format === 'csv' && headerText.includes('\t') && !headerText.includes(',')) {
    throw new UsageError(
      `${location}: header: is tab-separated, not comma-separated; pass --format tsv (or --format auto) to read it`,
    );
  }
  const split = format === 'tsv' ? splitTsvLine : splitCsvLine;
  const header = split(headerText);
  if (!header.ok) throw new UsageError(`${location}: header: ${header.reason}`);
  const fields = header.cells.map((name) => {
    const field = CSV_COLUMNS[name.toLowerCase().replace(/[-_\s]/g, '')];
    if (field === undefined) {
      const suggestion = nearestKnown(name, CSV_HEADER_HELP.split(', '));
      throw new UsageError(
        `${location}: header: unknown column "${name}"; ${suggestion === undefined ? '' : `did you mean "${suggestion}"? `}the columns are ${CSV_HEADER_HELP} (or the request fields' names)`,
      );
    }
    return field;
  });
  const duplicate = fields.find((field, index) => fields.indexOf(field) !== index);
  if (duplicate !== undefined) throw new UsageError(`${location}: header: names ${duplicate} twice`);
  const defaultTarget = Object.keys(targetOf(options.defaults)).length > 0;
  if (!fields.some((field) => TARGET_FIELDS.includes(field)) && !defaultTarget) {
    throw new UsageError(
      `${location}: header: has no target column (cluster, workgroup, security-group or group); add one or pass ${TARGET_FLAGS}`,
    );
  }
  const vpcColumns =
    fields.some((field) => ONLY_V2.includes(field)) ||
    (defaultTarget && options.defaults.clusterSecurityGroupName === undefined);

  const parsed: Parsed[] = [];
  for (let index = headerIndex + 1; index < lines.length; index += 1) {
    const text = lines[index] as string;
    if (text.trim() === '' || text.trim().startsWith('#')) continue;
    const line = index + 1;
    const row = split(text);
    if (!row.ok) {
      parsed.push({ line, problems: [{ field: 'line', reason: row.reason }] });
      continue;
    }
    if (row.cells.length > fields.length) {
      parsed.push({
        line,
        problems: [
          {
            field: 'line',
            reason: `has ${row.cells.length} values; the header names ${fields.length} columns`,
          },
        ],
      });
      continue;
    }
    const draft: Draft = {};
    const approval: Record<string, string> = {};
    fields.forEach((field, column) => {
      const value = row.cells[column];
      if (value === undefined || value === '') return;
      if (field.startsWith('approval.')) approval[field.slice('approval.'.length)] = value;
      else draft[field] = field === 'port' ? portFromText(value) : value;
    });
    if (Object.keys(approval).length > 0) draft.approval = approval;
    parsed.push({ line, draft, versioned: false });
  }
  return { parsed, vpcColumns };
}

function parseNdjson(lines: readonly string[]): Parsed[] {
  const parsed: Parsed[] = [];
  lines.forEach((text, index) => {
    if (text.trim() === '') return;
    const line = index + 1;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      parsed.push({
        line,
        problems: [{ field: 'body', reason: `is not valid JSON (${(error as Error).message})` }],
      });
      return;
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      const kind = json === null ? 'null' : Array.isArray(json) ? 'an array' : `a ${typeof json}`;
      parsed.push({ line, problems: [{ field: 'body', reason: `must be a JSON object, got ${kind}` }] });
      return;
    }
    parsed.push({ line, draft: json as Draft, versioned: true });
  });
  return parsed;
}
