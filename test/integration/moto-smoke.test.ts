import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithMoto, type MotoServer, startMoto } from '../helpers/moto.js';

describeWithMoto('moto, the third-party emulator the VPC and SQS suites also run against', () => {
  let moto: MotoServer;
  let sqs: SQSClient;
  beforeAll(async () => {
    moto = await startMoto();
    sqs = new SQSClient({
      endpoint: moto.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  });
  afterAll(async () => {
    sqs?.destroy();
    await moto?.close();
  });

  it('answers on loopback and forgets everything on reset', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'smoke' }));
    expect(QueueUrl).toContain('smoke');
    await moto.reset();
    await expect(
      sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] })),
    ).rejects.toMatchObject({ name: expect.stringMatching(/QueueDoesNotExist|NonExistentQueue/) });
  });
});
