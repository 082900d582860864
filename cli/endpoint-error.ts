import { asAwsError } from '../src/adapters/aws-error.js';
import { CliError } from './errors.js';
import { ExitCode } from './exit-codes.js';

/** The endpoint could not be reached or did not answer as AWS does: one message, exit 5. */
export class EndpointError extends CliError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, ExitCode.awsError, options);
    this.name = 'EndpointError';
  }
}

/** What to check when an endpoint fails, for every message below. */
const FIX =
  'is the local stack running (npm start)? Otherwise pass --endpoint, or fix AWS_ENDPOINT_URL or the queue URL';

/**
 * The one-line explanation of an error that says nothing about the queue but everything about the
 * endpoint: no connection (no HTTP status), or an HTTP answer the SDK could not read as AWS's
 * (an HTML page, an empty body). Undefined for an AWS service's own error.
 *
 * @param where the endpoint or queue URL the call went to, as the person gave it
 */
export function describeEndpointFailure(error: unknown, where?: string): string | undefined {
  const aws = asAwsError(error);
  const status = aws.$metadata?.httpStatusCode;
  const target = where === undefined ? 'the endpoint' : originOf(where);
  if (status === undefined) {
    // Node's socket errors carry a code (ECONNREFUSED, ENOTFOUND); a timeout may carry only a name.
    if (
      aws.code === undefined &&
      !/ECONN|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|socket|TimeoutError/i.test(`${aws.name} ${aws.message}`)
    )
      return undefined;
    const reason = aws.code ?? aws.name;
    return `cannot reach ${target} (${reason}): ${FIX}`;
  }
  // An AWS service's errors carry $fault; a body the SDK could not parse (an HTML page) does not, and an
  // answer without an error code becomes the SDK's "UnknownError".
  const unreadable =
    aws.$fault === undefined ||
    /Deserialization error|hidden field|UnknownError/.test(aws.message) ||
    aws.name === 'Unknown' ||
    aws.name === 'UnknownError';
  if (!unreadable) return undefined;
  return `${target} answered HTTP ${status}, but not as an AWS service does (is it an AWS endpoint?): ${FIX}`;
}

/** `http://127.0.0.1:4566` of a queue URL, or the text itself when it is not a URL. */
function originOf(url: string): string {
  return URL.canParse(url) ? new URL(url).origin : url;
}
