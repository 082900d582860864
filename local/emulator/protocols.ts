import type { ApiError } from './errors.js';
import { element, escapeXml, textElement } from './xml.js';

/** An HTTP answer before it is written: status, headers and body text. */
export interface WireResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The XML namespace of Redshift's awsQuery answers. */
export const REDSHIFT_XML_NAMESPACE = 'http://redshift.amazonaws.com/doc/2012-12-01/';

const JSON_CONTENT_TYPE = 'application/x-amz-json-1.0';

/** A successful AWS JSON 1.0 answer. */
export function jsonResponse(output: unknown, requestId: string): WireResponse {
  return {
    status: 200,
    headers: { 'content-type': JSON_CONTENT_TYPE, 'x-amzn-requestid': requestId },
    body: JSON.stringify(output ?? {}),
  };
}

/**
 * An AWS JSON 1.0 error: `__type` is `namespace#Code`, and awsQuery-compatible services (SQS) add
 * `x-amzn-query-error: Code;Sender`, which the SDK reads first to pick the exception class.
 */
export function jsonErrorResponse(namespace: string, error: ApiError, requestId: string): WireResponse {
  const headers: Record<string, string> = {
    'content-type': JSON_CONTENT_TYPE,
    'x-amzn-requestid': requestId,
  };
  if (error.queryCode !== undefined) headers['x-amzn-query-error'] = `${error.queryCode};${error.party}`;
  return {
    status: error.statusCode,
    headers,
    body: JSON.stringify({ __type: `${namespace}#${error.code}`, message: error.message }),
  };
}

/** A successful awsQuery answer: `<ActionResponse><ActionResult>…</ActionResult><ResponseMetadata>`. */
export function queryResponse(
  action: string,
  resultXml: string | undefined,
  requestId: string,
): WireResponse {
  const result = resultXml === undefined ? '' : element(`${action}Result`, resultXml);
  const metadata = element('ResponseMetadata', textElement('RequestId', requestId));
  return {
    status: 200,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body: `<${action}Response xmlns="${REDSHIFT_XML_NAMESPACE}">${result}${metadata}</${action}Response>`,
  };
}

/** An awsQuery error: `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`. */
export function queryErrorResponse(error: ApiError, requestId: string): WireResponse {
  const detail =
    textElement('Type', error.party) +
    textElement('Code', error.code) +
    textElement('Message', error.message);
  return {
    status: error.statusCode,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body: `<ErrorResponse xmlns="${escapeXml(REDSHIFT_XML_NAMESPACE)}">${element('Error', detail)}${textElement('RequestId', requestId)}</ErrorResponse>`,
  };
}
