import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { sdkLogger, serviceSdkLogger } from '../../src/adapters/sdk-logger.js';
import type { LoggerPort } from '../../src/app/ports.js';

/** A logger that records what reaches it: WARN lines, and the name of any other level used. */
function recordingLogger(): LoggerPort & { warnings: unknown[][]; others: string[] } {
  const warnings: unknown[][] = [];
  const others: string[] = [];
  return {
    warnings,
    others,
    debug: () => others.push('debug'),
    info: () => others.push('info'),
    warn: (message, ...extra) => warnings.push([message, ...extra]),
    error: () => others.push('error'),
  };
}

/** An SQS client answering every call in memory with `status` and `body`. */
function sqsAnswering(logger: LoggerPort, status: number, body: object): SQSClient {
  return new SQSClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    logger: serviceSdkLogger(logger),
    requestHandler: {
      handle: async () => ({
        response: {
          statusCode: status,
          headers: { 'content-type': 'application/x-amz-json-1.0' },
          body: new TextEncoder().encode(JSON.stringify(body)),
        },
      }),
    },
  });
}

describe('serviceSdkLogger', () => {
  it("turns the SDK's warnings into WARN lines and drops its per-call lines", async () => {
    // Prepare: a queue URL in another region than the client's makes the SQS client warn.
    const logger = recordingLogger();
    const client = sqsAnswering(logger, 200, { Attributes: {} });
    const QueueUrl = 'https://sqs.eu-west-1.amazonaws.com/123456789012/requests';

    // Act
    await client.send(new GetQueueAttributesCommand({ QueueUrl }));

    // Assess
    expect(logger.warnings).toEqual([
      [
        'AWS SDK warning',
        {
          sdkWarning: expect.stringContaining(
            `QueueUrl=${QueueUrl} differs from SQSClient resolved endpoint`,
          ),
        },
      ],
    ]);
    expect(logger.others).toEqual([]);
  });

  it('logs nothing for a failed call: the service reports its failures itself', async () => {
    // Prepare
    const logger = recordingLogger();
    const client = sqsAnswering(logger, 400, {
      __type: 'com.amazonaws.sqs#QueueDoesNotExist',
      message: 'gone',
    });
    const QueueUrl = 'https://sqs.us-east-1.amazonaws.com/123456789012/requests';

    // Act
    const act = client.send(new GetQueueAttributesCommand({ QueueUrl }));

    // Assess
    await expect(act).rejects.toThrow('gone');
    expect(logger.warnings).toEqual([]);
    expect(logger.others).toEqual([]);
  });

  it('words errors and objects the SDK passes as one line of text', () => {
    // Prepare
    const logger = recordingLogger();

    // Act
    serviceSdkLogger(logger).warn('Credential renew failed: ', new TypeError('bad URL'), {
      socketsInUse: 50,
    });

    // Assess
    expect(logger.warnings).toEqual([
      ['AWS SDK warning', { sdkWarning: 'Credential renew failed: TypeError: bad URL {"socketsInUse":50}' }],
    ]);
  });
});

describe('serviceSdkLogger, repeated warnings', () => {
  it('logs one text at most once per interval, then says how many it left out', () => {
    // Prepare
    const logger = recordingLogger();
    let clock = 0;
    const sdk = serviceSdkLogger(logger, { intervalMs: 60_000, now: () => clock });
    const queueUrl = 'QueueUrl=https://sqs.example/q differs from SQSClient resolved endpoint';

    // Act: the same warning for every send of a minute, another text in between, then a later one.
    for (clock = 0; clock < 60_000; clock += 10_000) sdk.warn(queueUrl);
    sdk.warn('socket pool at capacity');
    clock = 60_000;
    sdk.warn(queueUrl);
    clock = 200_000;
    sdk.warn(queueUrl);

    // Assess
    expect(logger.warnings).toEqual([
      ['AWS SDK warning', { sdkWarning: queueUrl }],
      ['AWS SDK warning', { sdkWarning: 'socket pool at capacity' }],
      ['AWS SDK warning', { sdkWarning: queueUrl, sdkWarningRepeats: 5 }],
      ['AWS SDK warning', { sdkWarning: queueUrl }],
    ]);
  });

  it('remembers a bounded number of texts, forgetting the one logged longest ago', () => {
    // Prepare
    const logger = recordingLogger();
    const sdk = serviceSdkLogger(logger, { maxTexts: 2, now: () => 0 });

    // Act: a, b, then c forgets a; a is logged again (it forgets b), c and a are still remembered.
    for (const text of ['a', 'b', 'c', 'a', 'c', 'a']) sdk.warn(text);

    // Assess
    expect(logger.warnings.map(([, fields]) => (fields as { sdkWarning: string }).sdkWarning)).toEqual([
      'a',
      'b',
      'c',
      'a',
    ]);
  });

  it('forgets the text logged longest ago, a text left out keeping its place, and first says what it left out', () => {
    // Prepare
    const logger = recordingLogger();
    const sdk = serviceSdkLogger(logger, { maxTexts: 2, now: () => 0 });

    // Act: a, b, a (left out: a stays the oldest), c (forgets a), b (still remembered: left out).
    for (const text of ['a', 'b', 'a', 'c', 'b']) sdk.warn(text);

    // Assess
    expect(logger.warnings).toEqual([
      ['AWS SDK warning', { sdkWarning: 'a' }],
      ['AWS SDK warning', { sdkWarning: 'b' }],
      ['AWS SDK warning repeated', { sdkWarning: 'a', sdkWarningRepeats: 1 }],
      ['AWS SDK warning', { sdkWarning: 'c' }],
    ]);
  });

  it('logs a remembered text again after its interval without forgetting another', () => {
    // Prepare
    const logger = recordingLogger();
    let clock = 0;
    const sdk = serviceSdkLogger(logger, { intervalMs: 60_000, maxTexts: 2, now: () => clock });

    // Act
    sdk.warn('a');
    clock = 10_000;
    sdk.warn('b');
    clock = 61_000;
    sdk.warn('a');
    sdk.warn('b');

    // Assess: b, logged 51 s before, is still remembered and left out.
    expect(logger.warnings.map(([, fields]) => fields)).toEqual([
      { sdkWarning: 'a' },
      { sdkWarning: 'b' },
      { sdkWarning: 'a' },
    ]);
  });

  it('logs a text again when the clock went back rather than staying silent', () => {
    // Prepare
    const logger = recordingLogger();
    let clock = 100_000;
    const sdk = serviceSdkLogger(logger, { now: () => clock });

    // Act
    sdk.warn('a');
    clock = 0;
    sdk.warn('a');

    // Assess
    expect(logger.warnings).toHaveLength(2);
  });

  it('limits the warnings of a real client sending to a queue on another host than its endpoint', async () => {
    // Prepare
    const logger = recordingLogger();
    const client = sqsAnswering(logger, 200, { Attributes: {} });
    const QueueUrl = 'https://sqs.eu-west-1.amazonaws.com/123456789012/requests';

    // Act
    for (let call = 0; call < 5; call += 1) await client.send(new GetQueueAttributesCommand({ QueueUrl }));

    // Assess
    expect(logger.warnings).toHaveLength(1);
  });
});

describe('sdkLogger', () => {
  it("offers the SDK no per-call lines: it copies a call's input and output only for a logger with info or error", () => {
    // Act
    const logger = sdkLogger(() => {}) as unknown as Record<string, unknown>;

    // Assess: debug, which the SDK calls unguarded, is there; the per-call methods are not.
    expect(Object.keys(logger).sort()).toEqual(['debug', 'warn']);
  });
});
