import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { ClusterNotFoundFault } from '@aws-sdk/client-redshift';
import {
  AccessDeniedException,
  InternalServerException,
  ResourceNotFoundException,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-redshift-serverless';

const metadata = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });

/** An EC2 error as the SDK raises it: EC2 has no modelled exceptions, so `name` is the wire code. */
export function ec2Error(
  code: string,
  httpStatusCode = 400,
  message = `${code} happened`,
): EC2ServiceException {
  return new EC2ServiceException({
    name: code,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    message,
    ...metadata(httpStatusCode),
  });
}

/** Redshift Serverless and DescribeClusters errors as the SDK raises them. */
export const vpcErrors = {
  clusterNotFound: () => new ClusterNotFoundFault({ message: 'Cluster nope not found.', ...metadata(404) }),
  workgroupNotFound: () =>
    new ResourceNotFoundException({ message: 'Workgroup not found', resourceName: 'nope', ...metadata(404) }),
  workgroupValidation: () =>
    new ValidationException({ message: 'workgroupName must be lowercase', ...metadata(400) }),
  workgroupThrottling: () =>
    Object.assign(new ThrottlingException({ message: 'Rate exceeded', ...metadata(400) }), {
      $retryable: { throttling: true },
    }),
  workgroupServerError: () => new InternalServerException({ message: 'oops', ...metadata(500) }),
  workgroupAccessDenied: () => new AccessDeniedException({ message: 'not authorized', ...metadata(403) }),
};

/** A transport failure: no `$metadata`, as the SDK raises it when the socket breaks. */
export const networkError = (): Error =>
  Object.assign(new Error('socket hang up'), { name: 'Error', code: 'ECONNRESET' });
