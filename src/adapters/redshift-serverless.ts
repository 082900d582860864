import { GetWorkgroupCommand, type RedshiftServerlessClient } from '@aws-sdk/client-redshift-serverless';
import { RejectedError, TransientError } from '../domain/errors.js';
import type { ResolvedTarget } from '../domain/vpc.js';
import { asAwsError, describeTransient } from './aws-error.js';

/** The Redshift Serverless operations the VPC path needs, with SDK errors already classified. */
export interface RedshiftServerlessWorkgroups {
  /**
   * Reads a workgroup's VPC security groups and port.
   *
   * @throws RejectedError when the workgroup does not exist or its name is invalid
   * @throws TransientError when it may be read later
   */
  getWorkgroup(workgroupName: string): Promise<ResolvedTarget>;
}

/** The port a workgroup listens on unless created with another one. */
const DEFAULT_WORKGROUP_PORT = 5439;

/** Creates the Redshift Serverless adapter over a client; the only code that reads its error names. */
export function createRedshiftServerlessWorkgroups(
  client: RedshiftServerlessClient,
): RedshiftServerlessWorkgroups {
  return {
    async getWorkgroup(workgroupName) {
      try {
        const { workgroup } = await client.send(new GetWorkgroupCommand({ workgroupName }));
        return {
          securityGroupIds: workgroup?.securityGroupIds ?? [],
          port: workgroup?.port ?? workgroup?.endpoint?.port ?? DEFAULT_WORKGROUP_PORT,
        };
      } catch (thrown) {
        const error = asAwsError(thrown);
        if (error.name === 'ResourceNotFoundException') {
          throw new RejectedError(
            error.name,
            `Redshift Serverless workgroup "${workgroupName}" does not exist in this account and region: ${error.message}`,
            { cause: thrown },
          );
        }
        if (error.name === 'ValidationException') {
          throw new RejectedError(
            error.name,
            `Redshift Serverless refused the workgroup name "${workgroupName}": ${error.message}`,
            { cause: thrown },
          );
        }
        // Throttling, InternalServerException, 5xx, access denied and network errors may pass.
        const transient = describeTransient(error);
        throw new TransientError(
          transient.code,
          `cannot read workgroup "${workgroupName}": ${transient.message}`,
          { cause: thrown },
        );
      }
    },
  };
}
