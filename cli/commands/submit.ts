import { createHash, randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { requestMessageGroupId } from '../../src/domain/message-group.js';
import { isSuccess } from '../../src/domain/outcome.js';
import type { Approval, Problem } from '../../src/domain/request.js';
import { REQUEST_ID_CHARACTERS } from '../../src/domain/request-schema.js';
import { createSqsClient } from '../clients.js';
import { type CliIo, type GlobalOptions, writeLine } from '../context.js';
import { formatDuration } from '../duration.js';
import { UsageError } from '../errors.js';
import { ExitCode, worstExitCode } from '../exit-codes.js';
import {
  countStatuses,
  formatCounts,
  outcomeCells,
  RULE_HEADERS,
  ruleCells,
  ruleRow,
} from '../io/outcome-cells.js';
import { plural } from '../io/plural.js';
import { createProgress, createWaitProgress } from '../io/progress.js';
import { readInput } from '../io/read-input.js';
import {
  defaultsProblems,
  type InputFormat,
  type InvalidLine,
  type LineRequest,
  portFromText,
  prepareRow,
  type ReadResult,
  type RequestDefaults,
  readRequests,
} from '../io/read-requests.js';
import { formatTable } from '../io/table.js';
import { createQueueResolver } from '../queues.js';
import { type MessageToSend, sendMessages } from '../sqs/send-messages.js';
import { type WaitResult, waitForOutcomes } from '../sqs/wait-for-outcomes.js';

/** Options of `submit`. */
export interface SubmitOptions {
  /** A provisioned cluster in a VPC (request v2). */
  readonly cluster?: string;
  /** A Redshift Serverless workgroup (request v2). */
  readonly workgroup?: string;
  /** A VPC security group: the target, or which group of the cluster or workgroup (request v2). */
  readonly securityGroup?: string;
  /** A cluster security group (request v1). */
  readonly group?: string;
  /** An IPv4 or IPv6 address or CIDR; IPv6 becomes `cidrIpv6` (VPC targets only). */
  readonly cidr?: string;
  readonly sourceGroup?: string;
  readonly sourceOwner?: string;
  readonly prefixList?: string;
  /** The port as typed; the contract checks it. */
  readonly port?: string;
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
  /** Validate and report, send nothing. */
  readonly dryRun?: boolean;
  readonly timeout: number;
  readonly json?: boolean;
}

/** Flag names of the request fields, so a single request's problems name what the person typed. */
const FLAG_OF_FIELD: Readonly<Record<string, string>> = {
  clusterIdentifier: '--cluster',
  workgroupName: '--workgroup',
  securityGroupId: '--security-group',
  clusterSecurityGroupName: '--group',
  cidrIp: '--cidr',
  // --cidr takes either family; an IPv6 one is sent as cidrIpv6.
  cidrIpv6: '--cidr (IPv6)',
  sourceSecurityGroupId: '--source-group',
  sourceSecurityGroupOwnerId: '--source-owner',
  prefixListId: '--prefix-list',
  port: '--port',
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
  if (options.dryRun && options.wait)
    throw new UsageError('--dry-run: sends nothing, so there is nothing to --wait for');
  const queues = createQueueResolver(globals, io.env, io.cwd);
  // A dry run sends nothing, so it needs no queue; it names the queue when one is configured.
  const queueUrl = options.dryRun ? queues.find('requests') : queues.require('requests');
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

  const invalidNote =
    input.invalid.length > 0 ? `; ${plural(input.invalid.length, 'invalid line')} skipped` : '';
  if (options.dryRun || queueUrl === undefined) return reportDryRun(io, input, queueUrl, options.json);

  const sqs = createSqsClient(globals, io.env);
  try {
    const { sent, unsent } = await send(sqs, queueUrl, input.requests, io);
    for (const [request, reason] of unsent) {
      writeLine(
        io.stderr,
        `${input.source}:${request.line}: could not send ${request.body.requestId}: ${reason}`,
      );
    }
    const unsentNote = unsent.size > 0 ? `; ${unsent.size} not accepted by the queue` : '';
    // A single request names its id: the key of its outcome in `results` and in the consumers' logs.
    const what =
      sent.length === 1 && input.requests.length === 1
        ? `request ${sent[0]?.request.body.requestId}`
        : plural(sent.length, 'request');
    if (!options.json) writeLine(io.stdout, `Sent ${what} to ${queueUrl}${invalidNote}${unsentNote}`);

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
      const progress = createWaitProgress(io.stderr, sent.length, options.timeout);
      try {
        waited = await waitForOutcomes(
          sqs,
          resultsUrl,
          sent.map((entry) => entry.messageId),
          {
            timeoutMs: options.timeout,
            signal: io.signal,
            onProgress: (received) => progress.update(received),
          },
        );
      } finally {
        progress.finish();
      }
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
      if (waited.missing.length > 0) codes.push(io.signal.aborted ? ExitCode.interrupted : ExitCode.timeout);
      if ([...waited.outcomes.values()].some((outcome) => !isSuccess(outcome.status)))
        codes.push(ExitCode.failed);
      if (!options.json) printSummary(io, sent, waited, options.timeout);
      if (waited.missing.length > 0 && !io.signal.aborted) {
        const hint = await missingOutcomesHint(sqs, queueUrl);
        if (hint !== undefined) writeLine(io.stderr, hint);
      }
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

/** The flags that give the source of a single request, with the request field each fills. */
const SOURCE_FLAGS = [
  ['--cidr', 'cidr', 'cidrIp'],
  ['--source-group', 'sourceGroup', 'sourceSecurityGroupId'],
  ['--source-owner', 'sourceOwner', 'sourceSecurityGroupOwnerId'],
  ['--prefix-list', 'prefixList', 'prefixListId'],
  ['--ec2-group', 'ec2Group', 'ec2SecurityGroupName'],
  ['--owner', 'owner', 'ec2SecurityGroupOwnerId'],
] as const satisfies readonly (readonly [string, keyof SubmitOptions, string])[];

/**
 * One request from the flags: version 1 for a cluster security group (`--group`) with nothing only
 * version 2 has, else version 2; the contract then says what does not go together, in the flags' names.
 */
function fromFlags(options: SubmitOptions, defaults: RequestDefaults): Input {
  if (SOURCE_FLAGS.every(([, option]) => options[option] === undefined)) {
    throw new UsageError(
      'submit: give a source (--cidr, --source-group, --prefix-list, or --ec2-group with --owner) and a target (--cluster, --workgroup, --security-group or --group), or a file of requests (- for stdin)',
    );
  }
  const row: Record<string, unknown> = {
    ...(options.requestId !== undefined && { requestId: options.requestId }),
    // The request's own port, so that --group with --port is refused rather than left out.
    ...(options.port !== undefined && { port: portFromText(options.port) }),
  };
  for (const [, option, field] of SOURCE_FLAGS) {
    if (options[option] !== undefined) row[field] = options[option];
  }
  const result = prepareRow(row, defaults, 1, { vpcInput: true });
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
    ...SOURCE_FLAGS.map(([name, option]) => [name, options[option]] as const),
    ['--request-id', options.requestId] as const,
  ]) {
    if (value !== undefined) {
      throw new UsageError(
        `${flag}: applies to a single request; the lines of ${file} name their own (see --help)`,
      );
    }
  }
  // The target and port flags are part of every line that names no target: refused once, not per line.
  const problems = defaultsProblems(defaults);
  if (problems.length > 0) throw new UsageError(problems.map(flagProblem).join('\n'));
  const { text, source } = await readInput(file, io);
  return { ...readRequests(text, { source, format: options.format, defaults }), source };
}

function requestDefaults(options: SubmitOptions, io: CliIo): RequestDefaults {
  const prefix = options.requestIdPrefix ?? defaultPrefix();
  if (prefix.length > 100 || !REQUEST_ID_CHARACTERS.test(prefix)) {
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
    ...(options.cluster !== undefined && { clusterIdentifier: options.cluster }),
    ...(options.workgroup !== undefined && { workgroupName: options.workgroup }),
    ...(options.securityGroup !== undefined && { securityGroupId: options.securityGroup }),
    ...(options.port !== undefined && { port: portFromText(options.port) }),
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

/** The rule fields a contract reason names, put in the flags' words; plain words (`port`) are left alone. */
const FIELD_IN_REASON =
  /\b(clusterIdentifier|workgroupName|securityGroupId|clusterSecurityGroupName|cidrIp|cidrIpv6|sourceSecurityGroupId|sourceSecurityGroupOwnerId|prefixListId|ec2SecurityGroupName|ec2SecurityGroupOwnerId)\b/g;

/** A problem of a single request in the words of its flags: `--cidr: give either --cidr or --ec2-group with --owner, not both`. */
function flagProblem(problem: Problem): string {
  const reason = problem.reason
    // The contract lists the two address families apart; --cidr is both.
    .replace(/\bcidrIp, cidrIpv6\b/g, 'cidrIp')
    .replace(FIELD_IN_REASON, (field) => FLAG_OF_FIELD[field] ?? field);
  return `${FLAG_OF_FIELD[problem.field] ?? problem.field}: ${reason}`;
}

/** A request the queue accepted, with the SQS message id its outcome will carry. */
interface SentRequest {
  readonly request: LineRequest;
  readonly messageId: string;
}

async function send(
  sqs: SQSClient,
  queueUrl: string,
  requests: readonly LineRequest[],
  io: CliIo,
): Promise<{ sent: SentRequest[]; unsent: Map<LineRequest, string> }> {
  const progress = createProgress(io.stderr, requests.length, 'requests sent');
  try {
    const result = await sendMessages(sqs, queueUrl, requests.map(toMessage), (done) =>
      progress.update(done),
    );
    const sent: SentRequest[] = [];
    const unsent = new Map<LineRequest, string>();
    requests.forEach((request, index) => {
      const messageId = result.messageIds.get(index);
      if (messageId !== undefined) sent.push({ request, messageId });
      else unsent.set(request, result.failed.get(index) ?? 'not sent');
    });
    return { sent, unsent };
  } finally {
    progress.finish();
  }
}

function toMessage(request: LineRequest): MessageToSend {
  const body = JSON.stringify(request.body);
  return {
    body,
    // FIFO requests queues: one target's changes stay in order. Deduplication is by content, not by
    // request id, so a resubmission carrying a new task token is not dropped (see the README).
    groupId: requestMessageGroupId(request.body),
    deduplicationId: createHash('sha256').update(body).digest('hex'),
  };
}

/**
 * Why outcomes may be missing after a timeout, from the requests queue's counts: requests still queued
 * mean no consumer is running; an empty queue means the service took them and another consumer of the
 * results queue took their outcomes, as `npm start` does unless started with `--no-outcomes`.
 */
async function missingOutcomesHint(sqs: SQSClient, queueUrl: string): Promise<string | undefined> {
  try {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    const queued = Number(Attributes.ApproximateNumberOfMessages ?? 0);
    const inFlight =
      Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) +
      Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0);
    if (queued > 0 && inFlight === 0)
      return `note: ${plural(queued, 'message')} wait on the requests queue and none is being processed: is the service running against ${queueUrl}?`;
    if (queued + inFlight > 0)
      return `note: ${plural(queued + inFlight, 'message')} are still on the requests queue (being processed or retried): wait longer with --timeout, or read them later with results`;
    return 'note: the requests queue is empty, so the service processed these requests, but their outcomes did not reach this command: another consumer of the results queue took them. A local stack started without --no-outcomes prints and deletes every outcome: run it as `npm start -- --no-outcomes` (or `redshift-ingress local --no-outcomes`) to leave them to submit --wait and results.';
  } catch {
    // The hint is a courtesy: a role that may not read the queue's attributes still gets the summary.
    return undefined;
  }
}

/** `--dry-run`: what would be sent, line by line; nothing is sent. */
function reportDryRun(io: CliIo, input: Input, queueUrl: string | undefined, json?: boolean): ExitCode {
  const code = input.invalid.length > 0 ? ExitCode.partiallyInvalid : ExitCode.ok;
  if (json) {
    writeLine(
      io.stdout,
      JSON.stringify({
        dryRun: true,
        ...(queueUrl !== undefined && { queueUrl }),
        source: input.source,
        valid: input.requests.map((request) => ({ line: request.line, body: request.body })),
        invalid: input.invalid.map((line) => ({ line: line.line, problems: line.problems })),
      }),
    );
    return code;
  }
  const rows = input.requests.map((request) => [
    request.body.requestId,
    String(request.line),
    request.body.action,
    ...ruleRow(ruleCells(request.body)),
  ]);
  writeLine(io.stdout, formatTable(['REQUEST-ID', 'LINE', 'ACTION', ...RULE_HEADERS], rows));
  const invalidNote =
    input.invalid.length > 0 ? `; ${plural(input.invalid.length, 'invalid line')} reported above` : '';
  writeLine(
    io.stdout,
    `Dry run: ${plural(input.requests.length, 'valid request')}${invalidNote}; nothing sent${queueUrl === undefined ? '' : ` to ${queueUrl}`}`,
  );
  return code;
}

function printSummary(io: CliIo, sent: readonly SentRequest[], waited: WaitResult, timeoutMs: number): void {
  const rows = sent.map(({ request, messageId }) => {
    const outcome = waited.outcomes.get(messageId);
    // No outcome: the rule as asked; the group and port the service would resolve are not known.
    if (outcome === undefined)
      return [
        request.body.requestId,
        String(request.line),
        '(no outcome)',
        ...ruleRow(ruleCells(request.body)),
        '',
      ];
    const cells = outcomeCells(outcome);
    return [request.body.requestId, String(request.line), outcome.status, ...ruleRow(cells), cells.detail];
  });
  writeLine(io.stdout);
  writeLine(io.stdout, formatTable(['REQUEST-ID', 'LINE', 'STATUS', ...RULE_HEADERS, 'DETAIL'], rows));
  writeLine(io.stdout);
  const counts = countStatuses([...waited.outcomes.values()].map((outcome) => outcome.status));
  if (waited.missing.length > 0) counts['no outcome'] = waited.missing.length;
  writeLine(io.stdout, `${plural(sent.length, 'request')}: ${formatCounts(counts)}`);
  if (waited.missing.length > 0) {
    const missing = new Set(waited.missing);
    const ids = sent
      .filter((entry) => missing.has(entry.messageId))
      .map((entry) => entry.request.body.requestId);
    const why = io.signal.aborted ? 'Stopped waiting' : `Timed out after ${formatDuration(timeoutMs)}`;
    writeLine(io.stdout, `${why}; no outcome yet for: ${ids.join(', ')}`);
  }
}

function jsonSummary(
  queueUrl: string,
  input: Input,
  sent: readonly SentRequest[],
  unsent: ReadonlyMap<LineRequest, string>,
  waited: WaitResult | undefined,
  timeoutMs: number,
): unknown {
  return {
    queueUrl,
    source: input.source,
    sent: sent.map(({ request, messageId }) => ({
      line: request.line,
      requestId: request.body.requestId,
      messageId,
    })),
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
        outcomes: sent.flatMap(({ messageId }) => {
          const outcome = waited.outcomes.get(messageId);
          return outcome === undefined ? [] : [outcome];
        }),
        missing: sent
          .filter(({ messageId }) => !waited.outcomes.has(messageId))
          .map(({ request }) => request.body.requestId),
      },
    }),
  };
}
