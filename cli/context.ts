/** Something text can be written to: a process stream, or a buffer in tests. */
export interface TextSink {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** The world a command runs in: its streams, environment, directory and cancellation. */
export interface CliIo {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  readonly stdin: AsyncIterable<string | Buffer>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Aborted on Ctrl-C: long polls end, held messages are released, summaries still print. */
  readonly signal: AbortSignal;
}

/** Options every command accepts: where AWS is and where the queues are. */
export interface GlobalOptions {
  readonly endpoint?: string;
  readonly region?: string;
  readonly profile?: string;
  readonly queueUrl?: string;
  readonly resultsUrl?: string;
  readonly dlqUrl?: string;
  readonly stackOutputs?: string;
}

/** Writes one line to a sink. */
export function writeLine(sink: TextSink, line = ''): void {
  sink.write(`${line}\n`);
}
