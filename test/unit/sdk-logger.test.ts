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

  it('logs the warning of every call, with nothing held back', async () => {
    // Prepare
    const logger = recordingLogger();
    const client = sqsAnswering(logger, 200, { Attributes: {} });
    const QueueUrl = 'https://sqs.eu-west-1.amazonaws.com/123456789012/requests';

    // Act
    for (let call = 0; call < 3; call += 1) await client.send(new GetQueueAttributesCommand({ QueueUrl }));

    // Assess
    expect(logger.warnings).toHaveLength(3);
    expect(new Set(logger.warnings.map(([message]) => message))).toEqual(new Set(['AWS SDK warning']));
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

describe('sdkLogger', () => {
  it("offers the SDK no per-call lines: it copies a call's input and output only for a logger with info or error", () => {
    // Act
    const logger = sdkLogger(() => {}) as unknown as Record<string, unknown>;

    // Assess: debug, which the SDK calls unguarded, is there; the per-call methods are not.
    expect(Object.keys(logger).sort()).toEqual(['debug', 'warn']);
  });
});
