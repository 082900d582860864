import {
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rejectionOf, startTestEmulator, type TestEmulator } from '../helpers/emulator.js';

let stack: TestEmulator;

beforeAll(async () => {
  stack = await startTestEmulator({ maxAttempts: 1 });
});

afterAll(async () => {
  await stack.close();
});

beforeEach(() => {
  stack.emulator.reset();
});

async function markToken(token: string, state: string): Promise<number> {
  const response = await fetch(`${stack.emulator.url}/_emulator/sfn/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, state }),
  });
  return response.status;
}

describe('task callbacks', () => {
  it('records SendTaskSuccess and reports a second answer to the same token as TaskTimedOut', async () => {
    // Prepare
    const output = JSON.stringify({ status: 'authorized', requestId: 'chg-1042-nyc' });

    // Act
    const answer = await stack.sfn.send(new SendTaskSuccessCommand({ taskToken: 'token-1', output }));
    const second = await rejectionOf(
      stack.sfn.send(new SendTaskSuccessCommand({ taskToken: 'token-1', output })),
    );

    // Assess
    expect(answer.$metadata.httpStatusCode).toBe(200);
    expect(second).toMatchObject({ name: 'TaskTimedOut', $metadata: { httpStatusCode: 400 } });
    expect(stack.emulator.sfnCalls).toEqual([
      { operation: 'SendTaskSuccess', input: { taskToken: 'token-1', output }, at: expect.any(Number) },
    ]);
  });

  it('records SendTaskFailure with error and cause', async () => {
    // Act
    await stack.sfn.send(
      new SendTaskFailureCommand({
        taskToken: 'token-2',
        error: 'AuthorizationQuotaExceededFault',
        cause: 'rejected',
      }),
    );

    // Assess
    expect(stack.emulator.sfnCalls[0]).toMatchObject({
      operation: 'SendTaskFailure',
      input: { taskToken: 'token-2', error: 'AuthorizationQuotaExceededFault', cause: 'rejected' },
    });
  });

  it('accepts heartbeats without closing the task', async () => {
    // Act
    await stack.sfn.send(new SendTaskHeartbeatCommand({ taskToken: 'token-3' }));
    await stack.sfn.send(new SendTaskHeartbeatCommand({ taskToken: 'token-3' }));
    await stack.sfn.send(new SendTaskSuccessCommand({ taskToken: 'token-3', output: '{}' }));

    // Assess
    expect(stack.emulator.sfnCalls.map((call) => call.operation)).toEqual([
      'SendTaskHeartbeat',
      'SendTaskHeartbeat',
      'SendTaskSuccess',
    ]);
  });

  it('refuses tokens marked timed out or invalid through the admin endpoint', async () => {
    // Prepare
    const timedOutStatus = await markToken('late', 'timed-out');
    const invalidStatus = await markToken('forged', 'invalid');
    const badState = await markToken('x', 'closed');

    // Act
    const late = await rejectionOf(
      stack.sfn.send(new SendTaskSuccessCommand({ taskToken: 'late', output: '{}' })),
    );
    const lateHeartbeat = await rejectionOf(
      stack.sfn.send(new SendTaskHeartbeatCommand({ taskToken: 'late' })),
    );
    const forged = await rejectionOf(
      stack.sfn.send(new SendTaskFailureCommand({ taskToken: 'forged', error: 'E', cause: 'C' })),
    );

    // Assess
    expect([timedOutStatus, invalidStatus, badState]).toEqual([200, 200, 400]);
    expect(late).toMatchObject({ name: 'TaskTimedOut' });
    expect(lateHeartbeat).toMatchObject({ name: 'TaskTimedOut' });
    expect(forged).toMatchObject({ name: 'InvalidToken' });
    expect(stack.emulator.sfnCalls).toEqual([]);
  });

  it('refuses output that is not JSON or is over 256 KiB', async () => {
    // Act
    const notJson = await rejectionOf(
      stack.sfn.send(new SendTaskSuccessCommand({ taskToken: 't', output: '{oops' })),
    );
    const tooLarge = await rejectionOf(
      stack.sfn.send(
        new SendTaskSuccessCommand({ taskToken: 't', output: JSON.stringify({ pad: 'x'.repeat(262_144) }) }),
      ),
    );

    // Assess
    expect(notJson).toMatchObject({ name: 'InvalidOutput' });
    expect(tooLarge).toMatchObject({ name: 'ValidationException' });
  });

  it('lists recorded calls over the admin endpoint', async () => {
    // Prepare
    await stack.sfn.send(new SendTaskSuccessCommand({ taskToken: 'token-4', output: '{"ok":true}' }));

    // Act
    const response = await fetch(`${stack.emulator.url}/_emulator/sfn/calls`);
    const body = (await response.json()) as { calls: Array<{ operation: string; input: unknown }> };

    // Assess
    expect(body.calls).toEqual([
      {
        operation: 'SendTaskSuccess',
        input: { taskToken: 'token-4', output: '{"ok":true}' },
        at: expect.any(Number),
      },
    ]);
  });
});
