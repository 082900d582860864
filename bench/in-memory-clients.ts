import { createHash, randomUUID } from 'node:crypto';
import { RedshiftClient } from '@aws-sdk/client-redshift';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';

/** The part of a Smithy HTTP request the in-memory services read. */
interface WireRequest {
  readonly headers: Record<string, string>;
  readonly body?: unknown;
}

/** A Smithy HTTP response, as a client's request handler returns it. */
interface WireResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: Uint8Array;
}

/** The request handler contract of SDK v3 clients (`config.requestHandler`). */
interface RequestHandler {
  handle(request: WireRequest): Promise<{ response: WireResponse }>;
  destroy?(): void;
}

type Send = (this: { config: { requestHandler: unknown } }, ...args: unknown[]) => Promise<unknown>;

/** What the in-memory services answered, for checking that a run did what it claims. */
export interface InMemoryCalls {
  /** Calls per `service.Operation`, e.g. `sqs.SendMessageBatch`. */
  readonly calls: Record<string, number>;
}

const encoder = new TextEncoder();
const REDSHIFT_NAMESPACE = 'http://redshift.amazonaws.com/doc/2012-12-01/';

/**
 * Answers SDK requests in memory, with no network and no delay, so a benchmark counts what the
 * handler and the SDK cost per message: serialization, signing, middleware, parsing and checksums.
 *
 * Mocking `send` (aws-sdk-client-mock) would skip all of that, and it is not the same for every
 * handler: one that makes two calls per message pays it twice, which is the point of comparing.
 */
function createInMemoryTransport(calls: Record<string, number>): RequestHandler {
  const count = (key: string): void => {
    calls[key] = (calls[key] ?? 0) + 1;
  };
  return {
    async handle(request) {
      const body = bodyText(request.body);
      const target = request.headers['x-amz-target'];
      if (target?.startsWith('AmazonSQS.')) return { response: answerSqs(target.slice(10), body, count) };
      if (target?.startsWith('AWSStepFunctions.')) {
        count(`sfn.${target.slice(17)}`);
        return { response: json(200, {}) };
      }
      return { response: answerRedshift(body, count) };
    },
  };
}

function answerSqs(operation: string, body: string, count: (key: string) => void): WireResponse {
  count(`sqs.${operation}`);
  const input = JSON.parse(body) as {
    MessageBody?: string;
    Entries?: { Id: string; MessageBody?: string }[];
  };
  // The SDK checks MD5OfMessageBody of every message it sends, so the answer must carry the real digest.
  if (operation === 'SendMessage') {
    return json(200, { MessageId: randomUUID(), MD5OfMessageBody: md5(input.MessageBody ?? '') });
  }
  if (operation === 'SendMessageBatch') {
    return json(200, {
      Successful: (input.Entries ?? []).map((entry) => ({
        Id: entry.Id,
        MessageId: randomUUID(),
        MD5OfMessageBody: md5(entry.MessageBody ?? ''),
      })),
      Failed: [],
    });
  }
  if (operation === 'ChangeMessageVisibilityBatch') {
    return json(200, { Successful: (input.Entries ?? []).map((entry) => ({ Id: entry.Id })), Failed: [] });
  }
  return json(400, {
    __type: 'com.amazonaws.sqs#UnsupportedOperation',
    message: `the in-memory SQS does not answer ${operation}`,
  });
}

function answerRedshift(body: string, count: (key: string) => void): WireResponse {
  const params = new URLSearchParams(body);
  const action = params.get('Action') ?? 'Unknown';
  count(`redshift.${action}`);
  if (action !== 'AuthorizeClusterSecurityGroupIngress' && action !== 'RevokeClusterSecurityGroupIngress') {
    return xml(
      400,
      `<ErrorResponse xmlns="${REDSHIFT_NAMESPACE}"><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>the in-memory Redshift does not answer ${action}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
    );
  }
  const group = escapeXml(params.get('ClusterSecurityGroupName') ?? '');
  const cidr = params.get('CIDRIP');
  const rules =
    action === 'RevokeClusterSecurityGroupIngress'
      ? '<IPRanges/><EC2SecurityGroups/>'
      : cidr !== null
        ? `<IPRanges><IPRange><Status>authorized</Status><CIDRIP>${escapeXml(cidr)}</CIDRIP><Tags/></IPRange></IPRanges><EC2SecurityGroups/>`
        : `<IPRanges/><EC2SecurityGroups><EC2SecurityGroup><Status>authorized</Status><EC2SecurityGroupName>${escapeXml(params.get('EC2SecurityGroupName') ?? '')}</EC2SecurityGroupName><EC2SecurityGroupOwnerId>${escapeXml(params.get('EC2SecurityGroupOwnerId') ?? '')}</EC2SecurityGroupOwnerId><Tags/></EC2SecurityGroup></EC2SecurityGroups>`;
  return xml(
    200,
    `<${action}Response xmlns="${REDSHIFT_NAMESPACE}"><${action}Result><ClusterSecurityGroup><ClusterSecurityGroupName>${group}</ClusterSecurityGroupName><Description>${group}</Description>${rules}<Tags/></ClusterSecurityGroup></${action}Result><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`,
  );
}

const decoder = new TextDecoder();

// The SDK hands over a string or bytes (JSON protocols serialize to a Uint8Array subclass).
function bodyText(body: unknown): string {
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return decoder.decode(body);
  return '';
}

function json(statusCode: number, value: unknown): WireResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() },
    body: encoder.encode(JSON.stringify(value)),
  };
}

function xml(statusCode: number, text: string): WireResponse {
  return { statusCode, headers: { 'content-type': 'text/xml' }, body: encoder.encode(text) };
}

function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (char) => `&#${char.charCodeAt(0)};`);
}

/**
 * Makes every SQS, Redshift and Step Functions client of this process, including those a handler
 * module builds at its top level, answer from memory.
 *
 * The handlers construct their clients with a logger only and take no transport, so the switch happens at
 * `send`: each client's `config.requestHandler` is replaced before the SDK resolves its middleware
 * stack, which reads the handler at that moment. Everything above the socket still runs.
 */
export function installInMemoryClients(): InMemoryCalls {
  const calls: Record<string, number> = {};
  const transport = createInMemoryTransport(calls);
  for (const clientClass of [SQSClient, RedshiftClient, SFNClient]) {
    const prototype = clientClass.prototype as unknown as { send: Send };
    const inherited = (Object.getPrototypeOf(prototype) as { send: Send }).send;
    prototype.send = function send(...args) {
      this.config.requestHandler = transport;
      return inherited.apply(this, args);
    };
  }
  return { calls };
}
