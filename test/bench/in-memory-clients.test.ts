import {
  AuthorizeClusterSecurityGroupIngressCommand,
  RedshiftClient,
  RevokeClusterSecurityGroupIngressCommand,
} from '@aws-sdk/client-redshift';
import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { installInMemoryClients } from '../../bench/in-memory-clients.js';

// Installed once for this file's process: it changes every client of the process, by design.
const inMemory = installInMemoryClients();
const config = { region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } };
const queueUrl = 'https://sqs.us-east-1.amazonaws.com/000000000000/results';

describe('in-memory SDK clients', () => {
  it('accepts SQS sends with the MD5 digests the SDK checks', async () => {
    // Prepare
    const sqs = new SQSClient(config);

    // Act
    const single = await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'one' }));
    const batch = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          { Id: 'a', MessageBody: 'two' },
          { Id: 'b', MessageBody: 'three' },
        ],
      }),
    );

    // Assess
    expect(single.MD5OfMessageBody).toBe('f97c5d29941bfb1b2fdab0874906ab82');
    expect(batch.Successful?.map((entry) => entry.Id)).toEqual(['a', 'b']);
    expect(batch.Failed).toEqual([]);
  });

  it('answers Authorize and Revoke with the group, parsed by the real client', async () => {
    // Prepare
    const redshift = new RedshiftClient(config);
    const input = { ClusterSecurityGroupName: 'analytics-prod', CIDRIP: '203.0.113.0/24' };

    // Act
    const authorized = await redshift.send(new AuthorizeClusterSecurityGroupIngressCommand(input));
    const revoked = await redshift.send(new RevokeClusterSecurityGroupIngressCommand(input));

    // Assess
    expect(authorized.ClusterSecurityGroup?.ClusterSecurityGroupName).toBe('analytics-prod');
    expect(authorized.ClusterSecurityGroup?.IPRanges).toEqual([
      expect.objectContaining({ CIDRIP: '203.0.113.0/24', Status: 'authorized' }),
    ]);
    expect(revoked.ClusterSecurityGroup?.ClusterSecurityGroupName).toBe('analytics-prod');
  });

  it('counts every call per service and operation', async () => {
    // Prepare
    const sqs = new SQSClient(config);
    const before = { ...inMemory.calls };

    // Act
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'one' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'two' }));

    // Assess
    expect((inMemory.calls['sqs.SendMessage'] ?? 0) - (before['sqs.SendMessage'] ?? 0)).toBe(2);
  });
});
