import { parseArgs } from 'node:util';
import { startEmulator } from './index.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4566' },
    host: { type: 'string', default: '127.0.0.1' },
    seed: { type: 'string', default: '1' },
    region: { type: 'string' },
    'account-id': { type: 'string' },
    'vpc-by-default': { type: 'boolean', default: false },
  },
  strict: true,
});

const port = Number(values.port);
const seed = Number(values.seed);
if (!Number.isInteger(port) || port < 0 || port > 65_535)
  throw new Error(`--port must be 0..65535, got ${values.port}`);
if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got ${values.seed}`);

const emulator = await startEmulator({
  port,
  host: values.host,
  seed,
  vpcByDefault: values['vpc-by-default'],
  ...(values.region === undefined ? {} : { region: values.region }),
  ...(values['account-id'] === undefined ? {} : { accountId: values['account-id'] }),
});
process.stdout.write(`${emulator.url}\n`);

const shutdown = (): void => {
  emulator.close().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exit(1);
    },
  );
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
