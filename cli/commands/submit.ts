import { createHash, randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import { createQueuePublisher, type OutgoingMessage } from '../../src/adapters/sqs.js';
import { requestMessageGroupId } from '../../src/domain/message-group.js';
import { isSuccess } from '../../src/domain/outcome.js';
import type { Approval, Problem } from '../../src/domain/request.js';
import { createSqsClient } from '../clients.js';
import { type CliIo, type GlobalOptions, writeLine } from '../context.js';
import { formatDuration } from '../duration.js';
import { UsageError } from '../errors.js';
import { ExitCode, worstExitCode } from '../exit-codes.js';
import { countStatuses, formatCounts, outcomeCells } from '../io/outcome-cells.js';
import { plural } from '../io/plural.js';
import { createProgress } from '../io/progress.js';
import { readInput } from '../io/read-input.js';
import {
  type InputFormat,
  type InvalidLine,
  type LineRequest,
  prepareRequest,
  type ReadResult,
  type RequestDefaults,
  readRequests,
} from '../io/read-requests.js';
import { formatTable } from '../io/table.js';
import { createQueueResolver } from '../queues.js';
import { type WaitResult, waitForOutcomes } from '../sqs/wait-for-outcomes.js';

/** Options of `submit`. */
export interface SubmitOptions {
  readonly group?: string;
  readonly cidr?: string;
  readonly ec2Group?: string;
  readonly owner?: string;
  readonly revoke?: boolean;
  readonly reason?: string;
  readonly ticket?: string;
  readonly approvedBy?: string;
  readonly approvedAt?: string;
  readonly requestedBy?: string;
  readonly requestId?: string;
  readonly requestIdPrefix?: string;
  readonly format: InputFormat;
  readonly wait?: boolean;
  readonly timeout: number;
  readonly json?: boolean;
}

/** Requests sent per publish call: small enough for a smooth progress bar, large enough to keep 4 batches in flight. */
const SEND_SLICE = 100;

/** Flag names of the request fields, so a single request's problems name what the person typed. */
const FLAG_OF_FIELD: Readonly<Record<string, string>> = {
  clusterSecurityGroupName: '--group',
  cidrIp: '--cidr',
  ec2SecurityGroupName: '--ec2-group',
  ec2SecurityGroupOwnerId: '--owner',
  requestId: '--request-id',
  reason: '--reason',
  requestedBy: '--requested-by',
  'approval.ticket': '--ticket',
  'approval.approvedBy': '--approved-by',
  'approval.approvedAt': '--approved-at',
};

/**
 * `submit`: validates requests locally with the checks the service runs, sends the valid ones with
 * SendMessageBatch and, with `--wait`, waits for their outcomes.
 */
export async function runSubmit(
  file: string | undefined,
  options: SubmitOptions,
  globals: GlobalOptions,
  io: CliIo,
): Promise<ExitCode> {
  const queues = createQueueResolver(globals, io.env, io.cwd);
  const queueUrl = queues.require('requests');
  const resultsUrl = options.wait ? queues.require('results') : undefined;
  const defaults = requestDefaults(options, io);

  const input =
    file === undefined ? fromFlags(options, defaults) : await fromFile(file, options, defaults, io);
  for (const line of input.invalid) {
    for (const problem of line.problems)
      writeLine(io.stderr, `${input.source}:${line.line}: ${problem.field}: ${problem.reason}`);
  }
  if (input.requests.length === 0) {
    throw new UsageError(
      input.invalid.length > 0
        ? `${input.source}: no valid request to send (${plural(input.invalid.length, 'invalid line')})`
        : `${input.source}: holds no requests`,
    );
  }

  const sqs = createSqsClient(globals);
  try {
    const unsent = await send(sqs, queueUrl, input.requests, io);
    for (const [request, reason] of unsent) {
      writeLine(
        io.stderr,
        `${input.source}:${request.line}: could not send ${request.body.requestId}: ${reason}`,
      );
    }
    const sent = input.requests.filter((request) => !unsent.has(request));
    const invalidNote =
      input.invalid.length > 0 ? `; ${plural(input.invalid.length, 'invalid line')} skipped` : '';
    const unsentNote = unsent.size > 0 ? `; ${unsent.size} not accepted by the queue` : '';
    if (!options.json)
      writeLine(
        io.stdout,
        `Sent ${plural(sent.length, 'request')} to ${queueUrl}${invalidNote}${unsentNote}`,
      );

    const codes: ExitCode[] = [];
    if (input.invalid.length > 0) codes.push(ExitCode.partiallyInvalid);
    if (unsent.size > 0) codes.push(ExitCode.awsError);

    let waited: WaitResult | undefined;
    if (resultsUrl !== undefined && sent.length > 0) {
      if (!options.json)
        writeLine(
          io.stdout,
          `Waiting up to ${formatDuration(options.timeout)} for their outcomes on ${resultsUrl}`,
        );
      const progress = createProgress(io.stderr, sent.length, 'outcomes', 10);
      waited = await waitForOutcomes(
        sqs,
        resultsUrl,
        sent.map((request) => request.body.requestId),
        {
          timeoutMs: options.timeout,
          signal: io.signal,
          onProgress: (received) => progress.update(received),
        },
      );
      progress.finish();
      if (waited.unreleased > 0) {
        writeLine(
          io.stderr,
          `warning: ${plural(waited.unreleased, 'other message')} could not be made visible again; they return when their visibility timeout ends`,
        );
      }
      if (waited.undeleted > 0) {
        writeLine(
          io.stderr,
          `warning: ${plural(waited.undeleted, 'outcome')} of these requests could not be deleted from the results queue; they will be read again`,
        );
      }
      if (waited.missing.length > 0) codes.push(ExitCode.timeout);
      if ([...waited.outcomes.values()].some((outcome) => !isSuccess(outcome.status)))
        codes.push(ExitCode.failed);
      if (!options.json) printSummary(io, sent, waited, options.timeout);
    }

    if (options.json) {
      writeLine(
        io.stdout,
        JSON.stringify(jsonSummary(queueUrl, input, sent, unsent, waited, options.timeout)),
      );
    }
    return worstExitCode(codes);
  } finally {
    sqs.destroy();
  }
}

interface Input {
  readonly source: string;
  readonly requests: readonly LineRequest[];
  readonly invalid: readonly InvalidLine[];
}

function fromFlags(options: SubmitOptions, defaults: RequestDefaults): Input {
  if (options.cidr === undefined && options.ec2Group === undefined && options.owner === undefined) {
    throw new UsageError(
      'submit: give --cidr, or --ec2-group with --owner, or a file of requests (- for stdin)',
    );
  }
  if (options.group === undefined) throw new UsageError('--group: is required');
  const draft = {
    version: 1,
    ...(options.cidr !== undefined && { cidrIp: options.cidr }),
    ...(options.ec2Group !== undefined && { ec2SecurityGroupName: options.ec2Group }),
    ...(options.owner !== undefined && { ec2SecurityGroupOwnerId: options.owner }),
    ...(options.requestId !== undefined && { requestId: options.requestId }),
  };
  const result = prepareRequest(draft, defaults, 1);
  if (!result.ok) throw new UsageError(result.problems.map(flagProblem).join('\n'));
  return { source: 'flags', requests: [{ line: 1, body: result.body }], invalid: [] };
}

async function fromFile(
  file: string,
  options: SubmitOptions,
  defaults: RequestDefaults,
  io: CliIo,
): Promise<ReadResult & { source: string }> {
  for (const [flag, value] of [
    ['--cidr', options.cidr],
    ['--ec2-group', options.ec2Group],
    ['--owner', options.owner],
    ['--request-id', options.requestId],
  ] as const) {
    if (value !== undefined) {
      throw new UsageError(
        `${flag}: applies to a single request; the lines of ${file} name their own (see --help)`,
      );
    }
  }
  const { text, source } = await readInput(file, io);
  return { ...readRequests(text, { source, format: options.format, defaults }), source };
}

function requestDefaults(options: SubmitOptions, io: CliIo): RequestDefaults {
  const prefix = options.requestIdPrefix ?? defaultPrefix();
  if (!/^[\w.:/@+=-]{1,100}$/.test(prefix)) {
    throw new UsageError(
      `--request-id-prefix: must be 1-100 letters, digits or . _ : / @ + = -, got "${prefix}"`,
    );
  }
  const approval: Approval = {
    ...(options.ticket !== undefined && { ticket: options.ticket }),
    ...(options.approvedBy !== undefined && { approvedBy: options.approvedBy }),
    ...(options.approvedAt !== undefined && { approvedAt: options.approvedAt }),
  };
  return {
    requestIdPrefix: prefix,
    requestedBy: options.requestedBy ?? `cli:${currentUser(io)}`,
    ...(options.group !== undefined && { clusterSecurityGroupName: options.group }),
    ...(options.revoke && { action: 'revoke' as const }),
    ...(options.reason !== undefined && { reason: options.reason }),
    ...(Object.keys(approval).length > 0 && { approval }),
  };
}

/** `cli-20261127T050000Z-1a2b3c`: sortable, and unique enough that two runs never share request ids. */
function defaultPrefix(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
  return `cli-${stamp}-${randomBytes(3).toString('hex')}`;
}

function currentUser(io: CliIo): string {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry (some containers): fall back to what the shell says.
    return io.env.USER ?? io.env.USERNAME ?? 'unknown';
  }
}

/** A problem of a single request in the words of its flags: `--cidr: give either --cidr or --ec2-group with --owner, not both`. */
function flagProblem(problem: Problem): string {
  const reason = problem.reason.replace(
    /\b(cidrIp|ec2SecurityGroupName|ec2SecurityGroupOwnerId|clusterSecurityGroupName)\b/g,
    (field) => FLAG_OF_FIELD[field] ?? field,
  );
  return `${FLAG_OF_FIELD[problem.field] ?? problem.field}: ${reason}`;
}

async function send(
  sqs: Parameters<typeof createQueuePublisher>[0],
  queueUrl: string,
  requests: readonly LineRequest[],
  io: CliIo,
): Promise<Map<LineRequest, string>> {
  const publisher = createQueuePublisher(sqs, queueUrl);
  const unsent = new Map<LineRequest, string>();
  const progress = createProgress(io.stderr, requests.length, 'requests sent');
  for (let start = 0; start < requests.length; start += SEND_SLICE) {
    const slice = requests.slice(start, start + SEND_SLICE);
    const report = await publisher.publish(slice.map(toMessage));
    for (const request of slice) {
      const reason = report.failed.get(request.body.requestId);
      if (reason !== undefined) unsent.set(request, reason);
    }
    progress.update(start + slice.length);
  }
  progress.finish();
  return unsent;
}

function toMessage(request: LineRequest): OutgoingMessage {
  const body = JSON.stringify(request.body);
  return {
    id: request.body.requestId,
    body,
    // FIFO requests queues: one target's changes stay in order. Deduplication is by content, not by
    // request id, so a resubmission carrying a new task token is not dropped (see the README).
    groupId: requestMessageGroupId(request.body),
    deduplicationId: createHash('sha256').update(body).digest('hex'),
  };
}

function printSummary(io: CliIo, sent: readonly LineRequest[], waited: WaitResult, timeoutMs: number): void {
  const rows = sent.map((request) => {
    const outcome = waited.outcomes.get(request.body.requestId);
    if (outcome === undefined)
      return [
        request.body.requestId,
        String(request.line),
        '(no outcome)',
        request.body.clusterSecurityGroupName,
        '',
        '',
      ];
    const cells = outcomeCells(outcome);
    return [
      request.body.requestId,
      String(request.line),
      outcome.status,
      cells.group,
      cells.target,
      cells.detail,
    ];
  });
  writeLine(io.stdout);
  writeLine(io.stdout, formatTable(['REQUEST-ID', 'LINE', 'STATUS', 'GROUP', 'TARGET', 'DETAIL'], rows));
  writeLine(io.stdout);
  const counts = countStatuses([...waited.outcomes.values()].map((outcome) => outcome.status));
  if (waited.missing.length > 0) counts['no outcome'] = waited.missing.length;
  writeLine(io.stdout, `${plural(sent.length, 'request')}: ${formatCounts(counts)}`);
  if (waited.missing.length > 0) {
    const why = io.signal.aborted ? 'Stopped waiting' : `Timed out after ${formatDuration(timeoutMs)}`;
    writeLine(io.stdout, `${why}; no outcome yet for: ${waited.missing.join(', ')}`);
  }
}

function jsonSummary(
  queueUrl: string,
  input: Input,
  sent: readonly LineRequest[],
  unsent: ReadonlyMap<LineRequest, string>,
  waited: WaitResult | undefined,
  timeoutMs: number,
): unknown {
  return {
    queueUrl,
    source: input.source,
    sent: sent.map((request) => ({ line: request.line, requestId: request.body.requestId })),
    invalid: input.invalid.map((line) => ({ line: line.line, problems: line.problems })),
    unsent: [...unsent].map(([request, reason]) => ({
      line: request.line,
      requestId: request.body.requestId,
      reason,
    })),
    ...(waited !== undefined && {
      wait: {
        timeoutMs,
        counts: countStatuses([...waited.outcomes.values()].map((outcome) => outcome.status)),
        outcomes: sent.flatMap((request) => {
          const outcome = waited.outcomes.get(request.body.requestId);
          return outcome === undefined ? [] : [outcome];
        }),
        missing: waited.missing,
      },
    }),
  };
}
