import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { asAwsError } from '../src/adapters/aws-error.js';
import type { CliIo, GlobalOptions } from './context.js';
import { writeLine } from './context.js';
import { DEFAULT_DESIRED_STATE } from './default-desired-state.js';
import { parseDuration } from './duration.js';
import { describeEndpointFailure } from './endpoint-error.js';
import { CliError } from './errors.js';
import { EXIT_CODES_HELP, ExitCode } from './exit-codes.js';
import { CSV_HEADER_HELP, InputFormat } from './io/read-requests.js';

const QUEUE_HELP = `
Queue URLs come from, in order: --queue-url / --results-url / --dlq-url; REQUESTS_QUEUE_URL /
RESULTS_QUEUE_URL / REQUESTS_DLQ_URL; --stack-outputs FILE (RequestsQueueUrl, ResultsQueueUrl,
RequestsDlqUrl or their ...Arn). AWS: --endpoint or AWS_ENDPOINT_URL, --region or AWS_REGION,
--profile or AWS_PROFILE.`;

/**
 * Runs the command line `argv` (without `node` and the script) and resolves to the exit status;
 * never throws and never exits the process.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = createProgram(io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportError(error, io);
  }
}

function createProgram(io: CliIo, setExitCode: (code: number) => void): Command {
  const program = new Command('redshift-ingress')
    .description(
      'Submit ingress requests, watch their outcomes, plan and apply the desired state, operate the DLQ.',
    )
    .version(readVersion(), '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .showHelpAfterError('(add --help for usage)')
    .option('--endpoint <url>', 'AWS endpoint, e.g. the local stack (default: AWS_ENDPOINT_URL)')
    .option('--region <region>', 'AWS region (default: AWS_REGION or the profile)')
    .option('--profile <name>', 'shared config profile (default: AWS_PROFILE)')
    .option('--queue-url <url>', 'requests queue URL (default: REQUESTS_QUEUE_URL)')
    .option('--results-url <url>', 'results queue URL (default: RESULTS_QUEUE_URL)')
    .option('--dlq-url <url>', 'requests DLQ URL (default: REQUESTS_DLQ_URL)')
    .option('--stack-outputs <file>', "a deployed stack's outputs (JSON), for queue URLs not given otherwise")
    .addHelpText('after', `${QUEUE_HELP}\n${EXIT_CODES_HELP}`);

  const run =
    <A extends unknown[]>(action: (globals: GlobalOptions, ...args: A) => Promise<number>) =>
    async (...args: A): Promise<void> => {
      setExitCode(await action(program.opts<GlobalOptions>(), ...args));
    };

  program
    .command('submit')
    .summary('send requests: one from flags, or many from a file or stdin')
    .description(
      `Validates requests with the checks the service runs, reports every invalid line (file:line: field: reason), sends the valid ones with SendMessageBatch and, with --wait, waits for their outcomes and prints a summary.

A target and a source make a request. Targets: --cluster (a provisioned cluster in a VPC) or --workgroup (Redshift Serverless), whose security group is the only one, the one --security-group names, or the one tagged redshift-ingress:managed=true; --security-group alone (that VPC security group); --group (a cluster security group, EC2-Classic only: sent as a version 1 request, as ever). Sources: --cidr (IPv4, or IPv6 for a VPC target), --source-group with --source-owner when the group is another account's, --prefix-list; for --group, --cidr (IPv4) or --ec2-group with --owner. --port: the port to open on a VPC target (default: the endpoint's, 5439 for a bare security group). Tables show the target, the source, and the security group and port (those the service resolved, once an outcome says).

Input (a file, or - for stdin): a plain list (one address or CIDR per line, "# comment" becomes the reason; needs a target flag), CSV with a header (columns: ${CSV_HEADER_HELP}, or the request fields' names; tab-separated when the file ends in .tsv or its header holds tabs and no commas), or NDJSON request bodies of version 1 or 2. Flags fill what a line leaves out; a line's own values win, and a line that names a target uses its own whole. A line with a VPC target, or a value in a column only version 2 has (cluster, workgroup, security-group, source-group, source-owner, prefix-list, port, cidrIpv6), is sent as version 2. Request ids are <prefix>-<line number> unless a line names its own.`,
    )
    .argument('[file]', 'requests to send: list, CSV, TSV or NDJSON; - reads stdin')
    .option('--cluster <id>', 'provisioned cluster in a VPC')
    .option('--workgroup <name>', 'Redshift Serverless workgroup')
    .option(
      '--security-group <sg-id>',
      'VPC security group: the target, or with --cluster or --workgroup which of its groups to change',
    )
    .option('--group <name>', 'cluster security group (EC2-Classic; a version 1 request)')
    .option('--cidr <cidr>', 'IPv4 or IPv6 address or CIDR to allow (single request; IPv6: VPC targets)')
    .option('--source-group <sg-id>', 'VPC security group to allow (single request)')
    .option(
      '--source-owner <account-id>',
      "12-digit account of --source-group, when it is not the target's account (single request)",
    )
    .option('--prefix-list <pl-id>', 'managed prefix list to allow (single request)')
    .option('--port <port>', "TCP port to open on a VPC target (default: the endpoint's)")
    .option(
      '--ec2-group <name>',
      'EC2-Classic security group to allow on a --group, with --owner (single request)',
    )
    .option('--owner <account-id>', '12-digit owner account of --ec2-group (single request)')
    .option('--revoke', 'revoke instead of authorize')
    .option('--reason <text>', 'why, copied into the outcome')
    .option('--ticket <id>', 'approval.ticket')
    .option('--approved-by <who>', 'approval.approvedBy')
    .option('--approved-at <iso-date-time>', 'approval.approvedAt')
    .option('--requested-by <who>', 'requestedBy (default: cli:<your user name>)')
    .option('--request-id <id>', 'request id of a single request')
    .option('--request-id-prefix <prefix>', 'prefix of generated request ids (default: cli-<time>-<random>)')
    .addOption(
      new Option('--format <format>', 'input format')
        .choices(Object.values(InputFormat))
        .default(InputFormat.auto),
    )
    .option(
      '--wait',
      'wait for the outcomes (matched by the SQS message id of each request sent) and print a summary',
    )
    .option('--dry-run', 'validate and print what would be sent; send nothing')
    .addOption(durationOption('--timeout <duration>', 'how long --wait waits (60s, 5m)', '60s'))
    .option('--json', 'print one JSON summary instead of text')
    .addHelpText(
      'after',
      `
Examples:
  redshift-ingress submit --cluster analytics-prod --cidr 203.0.113.0/24 --ticket CHG-1042 --wait
  redshift-ingress submit --workgroup bi-serverless --source-group sg-0fedcba987654321f --source-owner 111122223333
  redshift-ingress submit --security-group sg-0123456789abcdef0 --cidr 2001:db8:1234::/48 --port 5439 --revoke
  redshift-ingress submit offices.txt --cluster analytics-prod --reason "office onboarding" --wait --timeout 5m
  redshift-ingress submit --group analytics-classic --cidr 198.51.100.0/24
  redshift-ingress dlq show --json | redshift-ingress submit -
  redshift-ingress submit offices.csv --dry-run
${EXIT_CODES_HELP}`,
    )
    .action(
      run(async (globals, file: string | undefined, options) => {
        const { runSubmit } = await import('./commands/submit.js');
        return runSubmit(file, options, globals, io);
      }),
    );

  program
    .command('results')
    .summary('read outcomes from the results queue')
    .description(
      'Shows the outcomes (and reconciliation reports) on the results queue. Nothing is consumed unless --ack is given: shown messages are made visible again when the command ends.',
    )
    .option('--follow', 'keep reading until Ctrl-C')
    .option('--status <list>', 'only these statuses, comma-separated (e.g. rejected,failed)')
    .addOption(integerOption('--max <n>', 'stop after showing n messages'))
    .option('--ack', 'delete the messages shown')
    .option('--json', 'one JSON body per line (NDJSON)')
    .addHelpText(
      'after',
      `
Examples:
  redshift-ingress results --status rejected,failed
  redshift-ingress results --follow --json
${EXIT_CODES_HELP}`,
    )
    .action(
      run(async (globals, options) => {
        const { runResults } = await import('./commands/results.js');
        return runResults(options, globals, io);
      }),
    );

  const reconcileOptions = (command: Command): Command =>
    command
      .option(
        '--desired-state <file>',
        `desired-state document (default: DESIRED_STATE_PATH or ${DEFAULT_DESIRED_STATE})`,
      )
      .option('--max-prune <n>', 'most revokes one run may enqueue (default: MAX_PRUNE_PER_RUN or 5)')
      .option(
        '--allowed-groups <patterns>',
        'the policy to check enqueued requests against (default: ALLOWED_GROUPS or *)',
      )
      .option('--json', 'print the reconciliation report as JSON');

  reconcileOptions(
    program
      .command('plan')
      .summary('show the drift between the desired state and the groups; exit 1 on drift')
      .description(
        'Compares the desired state with the cluster security groups and prints, per group, what a reconcile run would authorize (+), revoke (-) or report and keep (~). Changes nothing. Exits 1 when there is drift (for CI).',
      ),
  )
    .addHelpText(
      'after',
      `\nExample:\n  redshift-ingress plan --desired-state desired-state.yaml\n${EXIT_CODES_HELP}`,
    )
    .action(
      run(async (globals, options) => {
        const { runReconcile } = await import('./commands/reconcile.js');
        return runReconcile({ ...options, apply: false }, globals, io);
      }),
    );

  reconcileOptions(
    program
      .command('reconcile')
      .summary('run the reconciliation now (--apply), as the schedule does')
      .description(
        'Without --apply, the same as plan. With --apply, enqueues the requests for what differs and publishes the report to the results queue, exactly as the scheduled reconcile run. Exits 1 when drift is left that it could not enqueue.',
      ),
  )
    .option('--apply', 'enqueue the requests and publish the report')
    .addHelpText(
      'after',
      `\nExample:\n  redshift-ingress reconcile --apply --desired-state desired-state.yaml\n${EXIT_CODES_HELP}`,
    )
    .action(
      run(async (globals, options) => {
        const { runReconcile } = await import('./commands/reconcile.js');
        const code = await runReconcile(options, globals, io);
        if (!options.apply && !options.json)
          writeLine(io.stderr, 'note: nothing was enqueued; add --apply to reconcile');
        return code;
      }),
    );

  const dlq = program
    .command('dlq')
    .summary('count, show and redrive the requests DLQ')
    .description('The requests dead-letter queue: requests that failed transiently on every attempt.')
    .addHelpText('after', EXIT_CODES_HELP);
  dlq
    .command('count')
    .summary('how many messages the DLQ holds')
    .description('How many messages the DLQ holds (approximate, as SQS counts).')
    .option('--json', 'print the counts as JSON')
    .addHelpText(
      'after',
      `\nExample:\n  redshift-ingress dlq count --stack-outputs outputs.json\n${EXIT_CODES_HELP}`,
    )
    .action(
      run(async (globals, options) => {
        const { runDlqCount } = await import('./commands/dlq.js');
        return runDlqCount(options, globals, io);
      }),
    );
  dlq
    .command('show')
    .summary('print the messages of the DLQ without consuming them')
    .description('Prints the messages of the DLQ without consuming them.')
    .addOption(integerOption('--max <n>', 'show at most n messages'))
    .option('--json', 'print only the bodies, one per line (NDJSON; pipe into submit - to resubmit)')
    .addHelpText('after', `\nExample:\n  redshift-ingress dlq show --max 20\n${EXIT_CODES_HELP}`)
    .action(
      run(async (globals, options) => {
        const { runDlqShow } = await import('./commands/dlq.js');
        return runDlqShow(options, globals, io);
      }),
    );
  dlq
    .command('redrive')
    .summary('move every message of the DLQ back to its source queue')
    .description(
      'Moves every message of the DLQ back to its source queue (--queue-url, or the queue whose redrive policy names the DLQ): with StartMessageMoveTask where the endpoint supports it, otherwise by receive, send and delete (a message is deleted only after the source queue accepted it).',
    )
    .option('--fallback', 'move by receive, send and delete even where StartMessageMoveTask is available')
    .addOption(integerOption('--rate <n>', 'StartMessageMoveTask: most messages moved per second'))
    .addOption(durationOption('--timeout <duration>', 'how long to wait for the move to finish', '5m'))
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `\nExample:\n  redshift-ingress dlq redrive --stack-outputs outputs.json\n${EXIT_CODES_HELP}`,
    )
    .action(
      run(async (globals, options) => {
        const { runDlqRedrive } = await import('./commands/dlq.js');
        return runDlqRedrive(options, globals, io);
      }),
    );

  program
    .command('local')
    .summary('run the whole service on this machine (what npm start runs)')
    .description(
      'Runs the embedded AWS emulator on 127.0.0.1 (or uses --endpoint), the queues, demo groups and the real handlers; submits examples/requests/*.json and prints each outcome. Ctrl-C stops it. Without --port, an AWS_ENDPOINT_URL of the shell is used instead of the emulator (and said so); with --port it is refused, as is --port with --endpoint.',
    )
    .addOption(
      integerOption('--port <port>', 'port of the embedded emulator (0: any free port)').default(4566),
    )
    .option('--no-examples', 'do not submit the example requests')
    .option(
      '--no-outcomes',
      'leave outcomes on the results queue (for submit --wait and results) instead of printing them',
    )
    .option(
      '--fifo',
      "FIFO queues (names ending in .fifo), message group = the request's target, as the fifoRequests=true deployment",
    )
    .addOption(
      integerOption(
        '--reconcile-every <seconds>',
        'run the reconciler every so many seconds (0: never)',
      ).default(60),
    )
    .addHelpText(
      'after',
      `\nExamples:\n  redshift-ingress local --port 4566\n  redshift-ingress local --no-outcomes   # then, in another terminal: submit ... --wait\n${EXIT_CODES_HELP}`,
    )
    .action(
      run(async (globals, options, command: Command) => {
        const { runLocalCommand } = await import('./commands/local.js');
        // --port given on the command line, not its default: it then asks for the embedded emulator.
        const portGiven = command.getOptionValueSource('port') === 'cli';
        return runLocalCommand({ ...options, portGiven }, globals, io);
      }),
    );

  return program;
}

function durationOption(flags: string, description: string, fallback: string): Option {
  return new Option(flags, description)
    .argParser((value: string) => {
      const ms = parseDuration(value);
      if (ms === undefined || ms <= 0)
        throw new InvalidArgumentError('expected a duration such as 30s, 5m or 1h.');
      return ms;
    })
    .default(parseDuration(fallback), fallback);
}

function integerOption(flags: string, description: string): Option {
  return new Option(flags, description).argParser((value: string) => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number.');
    return Number(value);
  });
}

function reportError(error: unknown, io: CliIo): number {
  // Commander has already printed its message (or the help).
  if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  if (error instanceof CliError) {
    writeLine(io.stderr, `error: ${error.message}`);
    return error.exitCode;
  }
  const aws = asAwsError(error);
  // Node names the address it could not reach (connect ECONNREFUSED 127.0.0.1:4566).
  const address = /\b(\S+:\d+)\s*$/.exec(aws.message)?.[1];
  const endpointFailure = describeEndpointFailure(error, address);
  if (endpointFailure !== undefined) {
    writeLine(io.stderr, `error: ${endpointFailure}`);
    return ExitCode.awsError;
  }
  const hint = /region is missing/i.test(aws.message)
    ? ' (pass --region or set AWS_REGION)'
    : /credential/i.test(aws.message)
      ? ' (pass --profile, or set AWS_PROFILE or AWS_ACCESS_KEY_ID)'
      : '';
  const kind = aws.name === 'Error' ? '' : `${aws.name}: `;
  writeLine(io.stderr, `error: ${kind}${aws.message}${hint}`);
  return ExitCode.awsError;
}

function readVersion(): string {
  const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

/** The process's streams, environment and directory; Ctrl-C aborts the signal, a second Ctrl-C exits at once. */
export function createProcessIo(): CliIo {
  const controller = new AbortController();
  const interrupt = (): void => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    signal: controller.signal,
  };
}
