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

/** The XML namespace of EC2's answers. */
export const EC2_XML_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';

/** The content types of AWS JSON 1.0 (SQS, Step Functions) and 1.1 (Redshift Serverless). */
export type JsonVersion = '1.0' | '1.1';

/** A successful AWS JSON 1.0 (or 1.1) answer. */
export function jsonResponse(output: unknown, requestId: string, version: JsonVersion = '1.0'): WireResponse {
  return {
    status: 200,
    headers: { 'content-type': `application/x-amz-json-${version}`, 'x-amzn-requestid': requestId },
    body: JSON.stringify(output ?? {}),
  };
}

/**
 * An AWS JSON 1.0 error: `__type` is `namespace#Code`, and awsQuery-compatible services (SQS) add
 * `x-amzn-query-error: Code;Sender`, which the SDK reads first to pick the exception class.
 */
export function jsonErrorResponse(
  namespace: string,
  error: ApiError,
  requestId: string,
  version: JsonVersion = '1.0',
): WireResponse {
  const headers: Record<string, string> = {
    'content-type': `application/x-amz-json-${version}`,
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

/** A successful `ec2` query answer: `<ActionResponse><requestId/>…</ActionResponse>`, with no Result element. */
export function ec2Response(action: string, resultXml: string, requestId: string): WireResponse {
  return {
    status: 200,
    headers: { 'content-type': 'text/xml;charset=UTF-8' },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${EC2_XML_NAMESPACE}">${textElement('requestId', requestId)}${resultXml}</${action}Response>`,
  };
}

/** An `ec2` query error: `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>`. */
export function ec2ErrorResponse(error: ApiError, requestId: string): WireResponse {
  const detail = textElement('Code', error.code) + textElement('Message', error.message);
  return {
    status: error.statusCode,
    headers: { 'content-type': 'text/xml;charset=UTF-8' },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response>${element('Errors', element('Error', detail))}${textElement('RequestID', requestId)}</Response>`,
  };
}
