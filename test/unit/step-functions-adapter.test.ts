import {
  InvalidOutput,
  KmsAccessDeniedException,
  KmsInvalidStateException,
  KmsThrottlingException,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createTaskCallbacks } from '../../src/adapters/step-functions.js';
import { TransientError } from '../../src/domain/errors.js';

const sfnMock = mockClient(SFNClient);
const callbacks = createTaskCallbacks(new SFNClient({ region: 'us-east-1' }));
const metadata = { $metadata: { httpStatusCode: 400, attempts: 1 } };

describe('createTaskCallbacks', () => {
  beforeEach(() => sfnMock.reset());

  it.each([
    [
      'KmsAccessDeniedException',
      () => new KmsAccessDeniedException({ message: 'denied', ...metadata }),
      /key policy/,
    ],
    [
      'KmsInvalidStateException',
      () => new KmsInvalidStateException({ message: 'disabled', ...metadata }),
      /disabled or pending deletion/,
    ],
    [
      'KmsThrottlingException',
      () => new KmsThrottlingException({ message: 'slow down', ...metadata }),
      /KMS throttled/,
    ],
  ])('retries %s as transient, the task still waiting', async (code, makeError, message) => {
    // Prepare
    const sdkError = makeError();
    sfnMock.on(SendTaskSuccessCommand).rejects(sdkError);
    sfnMock.on(SendTaskFailureCommand).rejects(sdkError);

    // Act
    const success = await callbacks.succeed('token', '{}').catch((error: unknown) => error);
    const failure = await callbacks.fail('token', 'E', 'cause').catch((error: unknown) => error);

    // Assess
    for (const error of [success, failure]) {
      expect(error).toBeInstanceOf(TransientError);
      expect(error).toMatchObject({ code, message: expect.stringMatching(message), cause: sdkError });
    }
  });

  it('drops an answer Step Functions refuses as InvalidOutput: the same output would be refused again', async () => {
    // Prepare
    sfnMock
      .on(SendTaskSuccessCommand)
      .rejects(new InvalidOutput({ message: 'output too large', ...metadata }));

    // Act
    const result = await callbacks.succeed('token', '{}');

    // Assess
    expect(result).toEqual({
      delivered: false,
      reason: 'InvalidOutput: output too large (Step Functions refuses this answer; not retried)',
    });
  });

  it('labels a failure with no HTTP answer NetworkError, although the SDK set $metadata on it', async () => {
    // Prepare: the SDK's retry middleware adds attempts and totalRetryDelay to every final error.
    const socket = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), {
      code: 'ECONNREFUSED',
      $metadata: { attempts: 3, totalRetryDelay: 120 },
    });
    sfnMock.on(SendTaskSuccessCommand).rejects(socket);

    // Act
    const error = await callbacks.succeed('token', '{}').catch((thrown: unknown) => thrown);

    // Assess
    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({
      code: 'NetworkError',
      message: expect.stringMatching(/^network error \(ECONNREFUSED\)/),
    });
  });
});
