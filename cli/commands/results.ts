import { formatOutcome, formatReport } from '../../local/format.js';
import { Status } from '../../src/domain/outcome.js';
import { createSqsClient } from '../clients.js';
import { type CliIo, type GlobalOptions, writeLine } from '../context.js';
import { describeEndpointFailure, EndpointError } from '../endpoint-error.js';
import { UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { outcomeCells, RULE_HEADERS, ruleRow } from '../io/outcome-cells.js';
import { plural } from '../io/plural.js';
import { type AnyOutcome, readResultBody } from '../io/result-message.js';
import { formatTable } from '../io/table.js';
import { createQueueResolver } from '../queues.js';
import { createQueueReader, type ReceivedMessage } from '../sqs/queue-reader.js';

/** Options of `results`. */
export interface ResultsOptions {
  readonly follow?: boolean;
  readonly status?: string;
  readonly max?: number;
  readonly ack?: boolean;
  readonly json?: boolean;
}

/** Long poll of `--follow`: the most SQS allows, so an idle queue costs few calls. */
const FOLLOW_WAIT_SECONDS = 20;
/** Long poll of a one-off read: long enough that SQS queries all its servers before saying "empty". */
const DRAIN_WAIT_SECONDS = 1;
/**
 * How long a shown message stays hidden while the command runs. When `--follow` runs longer, the
 * message comes back, is recognised by its id and held again without being shown twice.
 */
const HOLD_SECONDS = 300;

const STATUSES = new Set<string>(Object.values(Status));

/**
 * `results`: shows what the results queue holds, as a table or NDJSON. Nothing is consumed unless
 * `--ack` is given: shown messages are made visible again when the command ends.
 */
export async function runResults(
  options: ResultsOptions,
  globals: GlobalOptions,
  io: CliIo,
): Promise<ExitCode> {
  const statuses = parseStatuses(options.status);
  const queueUrl = createQueueResolver(globals, io.env, io.cwd).require('results');
  const sqs = createSqsClient(globals, io.env);
  const reader = createQueueReader(sqs, queueUrl, { visibilitySeconds: HOLD_SECONDS, signal: io.signal });
  const table: AnyOutcome[] = [];
  let shown = 0;
  let undeleted = 0;
  try {
    while (!io.signal.aborted && (options.max === undefined || shown < options.max)) {
      const messages = await reader
        .receive({
          waitSeconds: options.follow ? FOLLOW_WAIT_SECONDS : DRAIN_WAIT_SECONDS,
          ...(options.max !== undefined && { max: options.max - shown }),
        })
        .catch((error: unknown) => {
          const failure = describeEndpointFailure(error, queueUrl);
          throw failure === undefined ? error : new EndpointError(failure, { cause: error });
        });
      if (messages.length === 0) {
        if (options.follow) continue;
        break;
      }
      const matched: ReceivedMessage[] = [];
      for (const message of messages) {
        if (options.max !== undefined && shown >= options.max) break;
        const read = readResultBody(message.body);
        if (read.kind === 'unknown') {
          writeLine(io.stderr, `warning: message ${message.messageId} is skipped: ${read.reason}`);
          continue;
        }
        // A status filter asks for outcomes; reports have no status.
        if (statuses !== undefined && (read.kind !== 'outcome' || !statuses.has(read.outcome.status)))
          continue;
        matched.push(message);
        shown += 1;
        if (options.json)
          writeLine(io.stdout, JSON.stringify(read.kind === 'outcome' ? read.outcome : read.report));
        else if (read.kind === 'report') writeLine(io.stdout, formatReport(read.report));
        else if (options.follow) writeLine(io.stdout, formatOutcome(read.outcome));
        else table.push(read.outcome);
      }
      if (options.ack && matched.length > 0) undeleted += (await reader.delete(matched)).size;
    }
  } finally {
    const unreleased = await reader.release();
    sqs.destroy();
    if (unreleased > 0) {
      writeLine(
        io.stderr,
        `warning: ${plural(unreleased, 'message')} could not be made visible again; they return within ${HOLD_SECONDS}s`,
      );
    }
  }

  if (table.length > 0) {
    writeLine(
      io.stdout,
      formatTable(
        ['STATUS', 'REQUEST-ID', ...RULE_HEADERS, 'PROCESSED-AT', 'DETAIL'],
        table.map((outcome) => {
          const cells = outcomeCells(outcome);
          return [outcome.status, outcome.requestId, ...ruleRow(cells), outcome.processedAt, cells.detail];
        }),
      ),
    );
  }
  if (!options.json) {
    const what = options.ack ? 'deleted (--ack)' : 'left on the queue (--ack deletes them)';
    writeLine(io.stderr, `${plural(shown, 'result')} shown, ${what}`);
  }
  if (undeleted > 0) {
    writeLine(io.stderr, `error: ${undeleted} shown messages could not be deleted; they will be read again`);
    return ExitCode.awsError;
  }
  return ExitCode.ok;
}

function parseStatuses(text: string | undefined): ReadonlySet<string> | undefined {
  if (text === undefined) return undefined;
  const statuses = text
    .split(',')
    .map((status) => status.trim())
    .filter((status) => status !== '');
  const unknown = statuses.filter((status) => !STATUSES.has(status));
  if (statuses.length === 0 || unknown.length > 0) {
    throw new UsageError(
      `--status: ${unknown.length > 0 ? `unknown status ${unknown.map((s) => `"${s}"`).join(', ')}` : 'is empty'}; the statuses are ${[...STATUSES].join(', ')}`,
    );
  }
  return new Set(statuses);
}
