import { runWorker } from './run-worker.js';

// Loaded after the worker has set the environment: the baseline reads RESULTS_QUEUE_URL at import.
await runWorker(() => import('../baseline/powertools-handler.js'));
