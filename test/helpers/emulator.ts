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
export interface TestEmulator {
  readonly emulator: Emulator;
  readonly sqs: SQSClient;
  readonly redshift: RedshiftClient;
  readonly sfn: SFNClient;
  /** Builds another set of clients, e.g. with a different `maxAttempts`. */
  clients(maxAttempts: number): { sqs: SQSClient; redshift: RedshiftClient; sfn: SFNClient };
  /** Destroys the clients and closes the emulator. */
  close(): Promise<void>;
}

const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/** Starts an emulator on 127.0.0.1 with a free port and returns it with SQS, Redshift and SFN clients. */
export async function startTestEmulator(options: TestEmulatorOptions = {}): Promise<TestEmulator> {
  const { maxAttempts = 3, ...emulatorOptions } = options;
  const emulator = await startEmulator({ ...emulatorOptions, port: 0, host: '127.0.0.1' });
  const created: Array<{ destroy(): void }> = [];
  const clients = (attempts: number): { sqs: SQSClient; redshift: RedshiftClient; sfn: SFNClient } => {
    const config = { endpoint: emulator.url, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: attempts };
    const set = { sqs: new SQSClient(config), redshift: new RedshiftClient(config), sfn: new SFNClient(config) };
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
