import {
  AuthorizationAlreadyExistsFault,
  AuthorizationNotFoundFault,
  AuthorizationQuotaExceededFault,
  ClusterSecurityGroupNotFoundFault,
  InvalidClusterSecurityGroupStateFault,
  RedshiftServiceException,
} from '@aws-sdk/client-redshift';

const metadata = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });

/** Errors as the SDK raises them for Redshift faults and transport failures. */
export const redshiftErrors = {
  alreadyExists: () =>
    new AuthorizationAlreadyExistsFault({ message: 'already authorized', ...metadata(400) }),
  notFound: () => new AuthorizationNotFoundFault({ message: 'no such authorization', ...metadata(404) }),
  quota: () => new AuthorizationQuotaExceededFault({ message: 'quota exceeded', ...metadata(400) }),
  groupNotFound: () =>
    new ClusterSecurityGroupNotFoundFault({ message: 'group not found', ...metadata(404) }),
  groupState: () =>
    new InvalidClusterSecurityGroupStateFault({ message: 'being modified', ...metadata(400) }),
  invalidParameter: () =>
    new RedshiftServiceException({
      name: 'InvalidParameterValue',
      $fault: 'client',
      message: 'bad CIDR',
      ...metadata(400),
    }),
  invalidCombination: () =>
    new RedshiftServiceException({
      name: 'InvalidParameterCombination',
      $fault: 'client',
      message: 'bad combination',
      ...metadata(400),
    }),
  throttling: () =>
    Object.assign(
      new RedshiftServiceException({
        name: 'Throttling',
        $fault: 'client',
        message: 'Rate exceeded',
        ...metadata(400),
      }),
      { $retryable: { throttling: true } },
    ),
  serverError: () =>
    new RedshiftServiceException({
      name: 'InternalFailure',
      $fault: 'server',
      message: 'oops',
      ...metadata(500),
    }),
  accessDenied: () =>
    new RedshiftServiceException({
      name: 'AccessDenied',
      $fault: 'client',
      message: 'not authorized',
      ...metadata(403),
    }),
  network: () => Object.assign(new Error('socket hang up'), { name: 'Error', code: 'ECONNRESET' }),
  unknown: () =>
    new RedshiftServiceException({
      name: 'SomethingNew',
      $fault: 'client',
      message: 'never seen',
      ...metadata(400),
    }),
};
