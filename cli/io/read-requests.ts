import { extname } from 'node:path';
import type { Approval, Problem, RequestBody } from '../../src/domain/request.js';
import { REQUEST_FIELDS, validateRequest } from '../../src/domain/request.js';
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
export type { RequestBody };

/** What a line leaves out, filled from the flags; a line's own values win. */
export interface RequestDefaults {
  readonly clusterSecurityGroupName?: string;
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
  readonly body: RequestBody & { readonly requestId: string };
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
  cidr: 'cidrIp',
  cidrip: 'cidrIp',
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
  'group, cidr, ec2-group, owner, action, request-id, reason, requested-by, ticket, approved-by, approved-at';

type Draft = Record<string, unknown>;
type Parsed = { line: number; draft: Draft } | { line: number; problems: Problem[] };

/**
 * Reads requests from text: a plain list (one IPv4 address or CIDR per line, `# comment` as the
 * reason), CSV with a header, or NDJSON request bodies. Blank lines and `#` lines are skipped.
 *
 * @throws UsageError when the input as a whole cannot be read (a bad CSV header, a list without a group)
 */
export function readRequests(text: string, options: ReadOptions): ReadResult {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const format = options.format === 'auto' ? detectFormat(options.source, lines) : options.format;
  const parsed =
    format === 'ndjson'
      ? parseNdjson(lines)
      : format === 'csv' || format === 'tsv'
        ? parseCsv(lines, options, format)
        : parseList(lines, options);

  const requests: LineRequest[] = [];
  const invalid: InvalidLine[] = [];
  const lineOfRequestId = new Map<string, number>();
  for (const item of parsed) {
    if ('problems' in item) {
      invalid.push(item);
      continue;
    }
    const result = prepareRequest(item.draft, options.defaults, item.line);
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

/**
 * Completes a draft with the defaults (its own values win) and validates it as the service does.
 *
 * @param line the line number, for the generated request id
 */
export function prepareRequest(
  draft: Draft,
  defaults: RequestDefaults,
  line: number,
): { ok: true; body: LineRequest['body'] } | { ok: false; problems: Problem[] } {
  const approval = mergeApproval(defaults.approval, draft.approval);
  const complete: Draft = {
    ...draft,
    ...fill(draft, 'requestId', `${defaults.requestIdPrefix}-${line}`),
    ...fill(draft, 'action', defaults.action),
    ...fill(draft, 'clusterSecurityGroupName', defaults.clusterSecurityGroupName),
    ...fill(draft, 'reason', defaults.reason),
    ...fill(draft, 'requestedBy', defaults.requestedBy),
    ...(approval !== undefined && { approval }),
  };
  const result = validateRequest(complete);
  if (!result.ok) return { ok: false, problems: result.problems.map(withSuggestion) };
  return { ok: true, body: { ...result.value, requestId: result.value.requestId as string } };
}

/** The approval's fields, for suggestions under `approval.`. */
const APPROVAL_FIELDS = ['ticket', 'approvedBy', 'approvedAt'] as const satisfies readonly (keyof Approval)[];

/** `cidrIP: is not a known field` becomes `...; did you mean \`cidrIp\`?` when a known field is that close. */
function withSuggestion(problem: Problem): Problem {
  if (problem.reason !== 'is not a known field') return problem;
  const [parent, name] = problem.field.startsWith('approval.')
    ? [APPROVAL_FIELDS, problem.field.slice('approval.'.length)]
    : [REQUEST_FIELDS, problem.field];
  const suggestion = nearestKnown(name, parent);
  return suggestion === undefined
    ? problem
    : { ...problem, reason: `${problem.reason}; did you mean \`${suggestion}\`?` };
}

function fill(draft: Draft, key: string, value: unknown): Draft {
  return draft[key] === undefined && value !== undefined ? { [key]: value } : {};
}

function mergeApproval(defaults: Approval | undefined, own: unknown): unknown {
  if (defaults === undefined || Object.keys(defaults).length === 0) return own;
  if (own === undefined) return defaults;
  // A line's approval that is not an object is left for validateRequest to reject, naming it.
  if (typeof own !== 'object' || own === null || Array.isArray(own)) return own;
  return { ...defaults, ...own };
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

function parseList(lines: readonly string[], options: ReadOptions): Parsed[] {
  if (options.defaults.clusterSecurityGroupName === undefined) {
    throw new UsageError(`--group: is required for a plain list of addresses (${options.source})`);
  }
  const parsed: Parsed[] = [];
  lines.forEach((text, index) => {
    const hash = text.indexOf('#');
    const target = (hash === -1 ? text : text.slice(0, hash)).trim();
    const comment = hash === -1 ? '' : text.slice(hash + 1).trim();
    if (target === '') return;
    const line = index + 1;
    if (/\s/.test(target)) {
      parsed.push({
        line,
        problems: [
          {
            field: 'cidrIp',
            reason: `expected one IPv4 address or CIDR per line (a reason goes after #), got "${target}"`,
          },
        ],
      });
      return;
    }
    parsed.push({ line, draft: { version: 1, cidrIp: target, ...(comment !== '' && { reason: comment }) } });
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

function parseCsv(lines: readonly string[], options: ReadOptions, format: 'csv' | 'tsv'): Parsed[] {
  const headerIndex = lines.findIndex((line) => line.trim() !== '' && !line.trim().startsWith('#'));
  if (headerIndex === -1) return [];
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
        `${location}: header: unknown column "${name}"; ${suggestion === undefined ? '' : `did you mean "${suggestion}"? `}the columns are ${CSV_HEADER_HELP}`,
      );
    }
    return field;
  });
  const duplicate = fields.find((field, index) => fields.indexOf(field) !== index);
  if (duplicate !== undefined) throw new UsageError(`${location}: header: names ${duplicate} twice`);
  if (
    !fields.includes('clusterSecurityGroupName') &&
    options.defaults.clusterSecurityGroupName === undefined
  ) {
    throw new UsageError(`${location}: header: has no group column; add one or pass --group`);
  }

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
    const draft: Draft = { version: 1 };
    const approval: Record<string, string> = {};
    fields.forEach((field, column) => {
      const value = row.cells[column];
      if (value === undefined || value === '') return;
      if (field.startsWith('approval.')) approval[field.slice('approval.'.length)] = value;
      else draft[field] = value;
    });
    if (Object.keys(approval).length > 0) draft.approval = approval;
    parsed.push({ line, draft });
  }
  return parsed;
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
    parsed.push({ line, draft: json as Draft });
  });
  return parsed;
}
