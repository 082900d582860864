import { runWorker } from './run-worker.js';

// Loaded after the worker has set the environment: the handler reads its configuration at import.
await runWorker(() => import('../../handlers/authorize.js'));
