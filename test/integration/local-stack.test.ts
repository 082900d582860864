import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localQueueSettings } from '../../local/run-local.js';
import { startLocalService } from '../../local/service.js';
import { ensureQueues, QueueConflictError } from '../../local/stack.js';
import { ConfigurationError } from '../../src/domain/errors.js';
import { startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

let emulator: TestEmulator;
beforeAll(async () => {
  emulator = await startTestEmulator();
});
afterAll(async () => {
  await emulator?.close();
});

/** Creates a queue the way a person or an earlier run might have, before the stack starts. */
async function createQueue(name: string, attributes: Record<string, string> = {}): Promise<string> {
  const { QueueUrl } = await emulator.sqs.send(
    new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
  );
  return QueueUrl as string;
}

async function arnOf(url: string): Promise<string> {
  const { Attributes } = await emulator.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  return Attributes?.QueueArn as string;
}

describe('ensureQueues against queues that already exist', () => {
  it('adopts a requests queue with another visibility timeout and maxReceiveCount, and reports the values it has', async () => {
    // Prepare
    const dlq = await createQueue('adopt-requests-dlq', { MessageRetentionPeriod: '1209600' });
    await createQueue('adopt-requests', {
      VisibilityTimeout: '7',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: await arnOf(dlq), maxReceiveCount: '3' }),
    });

    // Act
    const queues = await ensureQueues(emulator.sqs, { prefix: 'adopt' });

    // Assess
    expect(queues.requestsDlq.url).toBe(dlq);
    expect(queues.requestsSettings).toEqual({ maxReceiveCount: 3, visibilityTimeoutSeconds: 7 });
  });

  it('refuses a requests queue whose redrive policy names another DLQ, naming the attribute, both values and the fix', async () => {
    // Prepare
    const elsewhere = await createQueue('somewhere-else');
    await createQueue('foreign-requests', {
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: await arnOf(elsewhere), maxReceiveCount: '5' }),
    });

    // Act
    const attempt = ensureQueues(emulator.sqs, { prefix: 'foreign' });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(QueueConflictError);
    await expect(attempt).rejects.toBeInstanceOf(ConfigurationError);
    const error = (await attempt.catch((caught: unknown) => caught)) as Error;
    expect(error.message).toMatch(
      /^queue foreign-requests already exists with RedrivePolicy deadLetterTargetArn arn:aws:sqs:[^ ]+:somewhere-else, not arn:aws:sqs:[^ ]+:foreign-requests-dlq: delete it \(aws --endpoint-url <endpoint> sqs delete-queue --queue-url http:\/\/[^ ]+\/foreign-requests\) and start again$/,
    );
  });

  it('refuses a value asked for that the queue does not have, saying how to ask for the queue’s own', async () => {
    // Prepare
    await ensureQueues(emulator.sqs, { prefix: 'asked', maxReceiveCount: 5, visibilityTimeoutSeconds: 30 });

    // Act
    const error = (await ensureQueues(emulator.sqs, {
      prefix: 'asked',
      maxReceiveCount: 3,
      visibilityTimeoutSeconds: 10,
    }).catch((caught: unknown) => caught)) as Error;

    // Assess: one line per attribute.
    expect(error).toBeInstanceOf(QueueConflictError);
    expect(error.message.split('\n')).toEqual([
      expect.stringMatching(
        /^queue asked-requests already exists with RedrivePolicy maxReceiveCount 5, not 3: ask for 5 \(MAX_RECEIVE_COUNT=5 npm start\), or delete it /,
      ),
      expect.stringMatching(
        /^queue asked-requests already exists with VisibilityTimeout 30, not 10: ask for 30 \(REQUESTS_VISIBILITY_TIMEOUT=30 npm start\), or delete it /,
      ),
    ]);
  });

  it('refuses a DLQ that keeps messages less than 14 days', async () => {
    // Prepare
    await createQueue('short-requests-dlq', { MessageRetentionPeriod: '345600' });

    // Act
    const attempt = ensureQueues(emulator.sqs, { prefix: 'short' });

    // Assess
    await expect(attempt).rejects.toThrow(
      /queue short-requests-dlq already exists with MessageRetentionPeriod 345600, not 1209600 \(14 days\): dead letters would expire sooner/,
    );
  });
});

describe('startLocalService on an endpoint whose queues exist', () => {
  it('gives the handler the adopted queue’s maxReceiveCount as MAX_RECEIVE_COUNT', async () => {
    // Prepare: queues of an earlier run with other settings, on an endpoint that is not embedded.
    await ensureQueues(emulator.sqs, { prefix: 'earlier', maxReceiveCount: 3, visibilityTimeoutSeconds: 4 });
    const before = process.env.MAX_RECEIVE_COUNT;

    // Act
    const service = await startLocalService({
      endpoint: emulator.emulator.url,
      queues: { prefix: 'earlier' },
      env: { ALLOWED_GROUPS: 'analytics-*', POWERTOOLS_LOG_LEVEL: 'SILENT' },
      eventSource: { waitTimeSeconds: 0 },
    });
    const seen = process.env.MAX_RECEIVE_COUNT;
    await service.stop();
    if (before === undefined) delete process.env.MAX_RECEIVE_COUNT;
    else process.env.MAX_RECEIVE_COUNT = before;

    // Assess
    expect(service.queues.requestsSettings).toEqual({ maxReceiveCount: 3, visibilityTimeoutSeconds: 4 });
    expect(seen).toBe('3');
  });
});

describe('localQueueSettings', () => {
  it('reads MAX_RECEIVE_COUNT and REQUESTS_VISIBILITY_TIMEOUT, leaving out what is not set', () => {
    // Act
    const set = localQueueSettings({ MAX_RECEIVE_COUNT: '3', REQUESTS_VISIBILITY_TIMEOUT: '4' }, true);
    const unset = localQueueSettings({}, false);

    // Assess
    expect(set).toEqual({ fifo: true, maxReceiveCount: 3, visibilityTimeoutSeconds: 4 });
    expect(unset).toEqual({ fifo: false });
  });

  it('names every bad variable', () => {
    // Act
    const read = () =>
      localQueueSettings({ MAX_RECEIVE_COUNT: '0', REQUESTS_VISIBILITY_TIMEOUT: '2.5' }, false);

    // Assess
    expect(read).toThrow(ConfigurationError);
    expect(read).toThrow(
      'Invalid configuration: MAX_RECEIVE_COUNT: must be a whole number from 1 to 1000, got "0"; REQUESTS_VISIBILITY_TIMEOUT: must be a whole number from 1 to 43200, got "2.5"',
    );
  });
});
