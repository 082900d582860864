import { SFNClient } from '@aws-sdk/client-sfn';

// The floor plus the Step Functions client the authorize handler builds for task-token callbacks.
export * from './clients-only.js';

/** The Step Functions client, constructed as the authorize handler constructs it. */
export const sfn = new SFNClient({});
