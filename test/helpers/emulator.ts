import { RedshiftClient } from '@aws-sdk/client-redshift';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { type Emulator, type EmulatorOptions, startEmulator } from '../../local/emulator/index.js';

/** Options of {@link startTestEmulator}: emulator options plus the SDK clients' `maxAttempts`. */
export interface TestEmulatorOptions extends Omit<EmulatorOptions, 'port' | 'host'> {
  /** Attempts per SDK call, retries included; 1 turns retries off. Default 3, as the SDK. */
  maxAttempts?: number;
}

/** A running emulator on a free loopback port with real SDK clients pointed at it. */
export interface TestEmulator extends EmulatorClients {
  readonly emulator: Emulator;
  /** Builds another set of clients, e.g. with a different `maxAttempts`. */
  clients(maxAttempts: number): EmulatorClients;
  /** Destroys the clients and closes the emulator. */
  close(): Promise<void>;
}

/** SDK clients pointed at one emulator. */
export interface EmulatorClients {
  readonly sqs: SQSClient;
  readonly redshift: RedshiftClient;
  readonly sfn: SFNClient;
}

const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/** Builds real SQS, Redshift and SFN clients for an emulator URL, with dummy credentials and us-east-1. */
export function createClients(endpoint: string, maxAttempts = 3): EmulatorClients {
  const config = { endpoint, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts };
  return { sqs: new SQSClient(config), redshift: new RedshiftClient(config), sfn: new SFNClient(config) };
}

/** Starts an emulator on 127.0.0.1 with a free port and returns it with SQS, Redshift and SFN clients. */
export async function startTestEmulator(options: TestEmulatorOptions = {}): Promise<TestEmulator> {
  const { maxAttempts = 3, ...emulatorOptions } = options;
  const emulator = await startEmulator({ ...emulatorOptions, port: 0, host: '127.0.0.1' });
  const created: Array<{ destroy(): void }> = [];
  const clients = (attempts: number): EmulatorClients => {
    const set = createClients(emulator.url, attempts);
    created.push(set.sqs, set.redshift, set.sfn);
    return set;
  };
  const defaults = clients(maxAttempts);
  return {
    emulator,
    ...defaults,
    clients,
    close: async () => {
      for (const client of created) client.destroy();
      await emulator.close();
    },
  };
}

/** Resolves to the error a promise rejects with, so a test can act first and assess later without unhandled rejections. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
