import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ADMIN_PREFIX, type AdminTarget, handleAdmin } from './admin.js';
import type { Ec2Service } from './ec2.js';
import { ApiError } from './errors.js';
import { type FaultInjector, FaultKind, type ServiceName } from './faults.js';
import {
  ec2ErrorResponse,
  ec2Response,
  jsonErrorResponse,
  jsonResponse,
  queryErrorResponse,
  queryResponse,
  type WireResponse,
} from './protocols.js';
import type { RedshiftService } from './redshift.js';
import type { RedshiftServerlessService } from './redshift-serverless.js';
import type { SfnService } from './sfn.js';
import { type SqsService, sqsError } from './sqs.js';

/** What the server routes to. */
export interface ServerDependencies {
  readonly sqs: SqsService;
  readonly redshift: RedshiftService;
  readonly redshiftServerless: RedshiftServerlessService;
  readonly ec2: Ec2Service;
  readonly sfn: SfnService;
  readonly faults: FaultInjector;
  readonly admin: AdminTarget;
  /** Per `service.Operation` request counts, incremented as requests arrive. */
  readonly calls: Record<string, number>;
  /** Aborted when the emulator closes, ending long polls and injected delays. */
  readonly signal: AbortSignal;
}

type JsonService = 'sqs' | 'sfn' | 'redshift-serverless';
type QueryService = 'redshift' | 'ec2';

// One variant per service, so a check of `service` narrows to the body or the params.
type Route =
  | {
      [S in JsonService]: {
        readonly service: S;
        readonly operation: string;
        readonly body: Record<string, unknown>;
      };
    }[JsonService]
  | {
      [S in QueryService]: {
        readonly service: S;
        readonly operation: string;
        readonly params: URLSearchParams;
      };
    }[QueryService];

const JSON_NAMESPACES: Readonly<Record<JsonService, string>> = {
  sqs: 'com.amazonaws.sqs',
  sfn: 'com.amazonaws.sfn',
  'redshift-serverless': 'com.amazonaws.redshiftserverless',
};
const JSON_TARGETS: Readonly<Record<string, JsonService>> = {
  AmazonSQS: 'sqs',
  AWSStepFunctions: 'sfn',
  RedshiftServerless: 'redshift-serverless',
};
// Redshift Serverless speaks AWS JSON 1.1; SQS and Step Functions 1.0.
const JSON_VERSIONS: Readonly<Record<JsonService, '1.0' | '1.1'>> = {
  sqs: '1.0',
  sfn: '1.0',
  'redshift-serverless': '1.1',
};
// Form-encoded services are told apart by the API version they send.
const QUERY_VERSIONS: Readonly<Record<string, QueryService>> = {
  '2012-12-01': 'redshift',
  '2016-11-15': 'ec2',
};
// Far above any valid request (an SQS batch is at most 1 MiB), low enough to refuse a runaway client.
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** A request the server cannot route, answered in the protocol the client seems to speak. */
class RouteError extends Error {
  override readonly name = 'RouteError';
  readonly code: string;
  readonly json: boolean;

  constructor(code: string, message: string, json: boolean) {
    super(message);
    this.code = code;
    this.json = json;
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(
          new RouteError(
            'RequestEntityTooLarge',
            'request body too large',
            request.headers['x-amz-target'] !== undefined,
          ),
        );
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function routeOf(request: IncomingMessage, url: URL, body: string): Route {
  const target = request.headers['x-amz-target'];
  if (typeof target === 'string') {
    const [prefix = '', operation = ''] = target.split('.');
    const service = JSON_TARGETS[prefix];
    if (service === undefined || operation === '') {
      throw new RouteError('UnknownOperationException', `unknown X-Amz-Target ${target}`, true);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body === '' ? '{}' : body);
    } catch {
      throw new RouteError('SerializationException', 'request body is not JSON', true);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new RouteError('SerializationException', 'request body is not a JSON object', true);
    }
    return { service, operation, body: parsed as Record<string, unknown> };
  }
  const params = new URLSearchParams(request.method === 'GET' ? url.search : body);
  const action = params.get('Action');
  const service = QUERY_VERSIONS[params.get('Version') ?? ''];
  if (action === null || service === undefined) {
    throw new RouteError(
      action === null ? 'MissingAction' : 'InvalidAction',
      `expected X-Amz-Target, or a query Action with Version=${Object.keys(QUERY_VERSIONS).join(' or ')}`,
      false,
    );
  }
  return { service, operation: action, params };
}

/** The error each service sends for an injected fault, shaped as that service sends it. */
function injectedError(service: ServiceName, kind: FaultKind): ApiError {
  switch (kind) {
    case FaultKind.Throttling:
      // SQS throttles with RequestThrottled (403); awsQuery services with Throttling; EC2 with
      // RequestLimitExceeded (503); JSON services ThrottlingException.
      if (service === 'sqs') return sqsError('RequestThrottled', 'Request is throttled.');
      if (service === 'redshift') return new ApiError('Throttling', 'Rate exceeded');
      if (service === 'ec2')
        return new ApiError('RequestLimitExceeded', 'Request limit exceeded.', { statusCode: 503 });
      return new ApiError('ThrottlingException', 'Rate exceeded');
    case FaultKind.InvalidClusterSecurityGroupState:
      return new ApiError(
        'InvalidClusterSecurityGroupState',
        'The state of the cluster security group is not available.',
      );
    case FaultKind.ServiceUnavailable503:
      if (service === 'ec2') {
        return new ApiError('Unavailable', "The server is overloaded and can't handle the request.", {
          statusCode: 503,
        });
      }
      return new ApiError('ServiceUnavailable', 'Service is unable to handle request.', {
        statusCode: 503,
        queryCode: service === 'sqs' ? 'ServiceUnavailable' : undefined,
      });
    case FaultKind.AccessDenied:
      // EC2 says UnauthorizedOperation; awsQuery services AccessDenied; JSON services AccessDeniedException.
      if (service === 'ec2') {
        return new ApiError('UnauthorizedOperation', 'You are not authorized to perform this operation.', {
          statusCode: 403,
        });
      }
      if (service === 'redshift') {
        return new ApiError('AccessDenied', 'User is not authorized to perform this action.', {
          statusCode: 403,
        });
      }
      return new ApiError('AccessDeniedException', 'User is not authorized to perform this action.', {
        statusCode: service === 'sfn' ? 400 : 403,
        queryCode: service === 'sqs' ? 'AccessDenied' : undefined,
      });
    default:
      if (service === 'ec2') {
        return new ApiError('InternalError', 'An internal error has occurred.', { statusCode: 500 });
      }
      return new ApiError('InternalFailure', 'We encountered an internal error. Please try again.', {
        statusCode: 500,
        queryCode: service === 'sqs' ? 'InternalFailure' : undefined,
      });
  }
}

function errorResponse(route: Route, error: ApiError, requestId: string): WireResponse {
  if (route.service === 'redshift') return queryErrorResponse(error, requestId);
  if (route.service === 'ec2') return ec2ErrorResponse(error, requestId);
  return jsonErrorResponse(JSON_NAMESPACES[route.service], error, requestId, JSON_VERSIONS[route.service]);
}

function write(response: ServerResponse, wire: WireResponse): void {
  if (response.writableEnded || response.destroyed) return;
  response.writeHead(wire.status, { ...wire.headers, 'content-length': Buffer.byteLength(wire.body) });
  response.end(wire.body);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

async function answer(
  route: Route,
  dependencies: ServerDependencies,
  signal: AbortSignal,
  requestId: string,
  response: ServerResponse,
): Promise<void> {
  const { faults } = dependencies;
  const decision = faults.decide(route.service, route.operation);
  if (decision.delayMs > 0) await sleep(decision.delayMs, signal);
  const inject = (): void => {
    if (decision.error === FaultKind.DropConnection) {
      response.socket?.destroy();
      return;
    }
    if (decision.error !== undefined)
      write(response, errorResponse(route, injectedError(route.service, decision.error), requestId));
  };
  if (decision.error !== undefined && !decision.afterProcessing) {
    inject();
    return;
  }
  let wire: WireResponse;
  try {
    if (route.service === 'redshift') {
      wire = queryResponse(
        route.operation,
        dependencies.redshift.handle(route.operation, route.params),
        requestId,
      );
    } else if (route.service === 'ec2') {
      wire = ec2Response(route.operation, dependencies.ec2.handle(route.operation, route.params), requestId);
    } else if (route.service === 'redshift-serverless') {
      wire = jsonResponse(
        dependencies.redshiftServerless.handle(route.operation, route.body),
        requestId,
        '1.1',
      );
    } else if (route.service === 'sqs') {
      const output = await dependencies.sqs.handle(route.operation, route.body, { signal, faults: decision });
      wire = jsonResponse(output, requestId);
    } else {
      wire = jsonResponse(dependencies.sfn.handle(route.operation, route.body), requestId);
    }
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    wire = errorResponse(route, error, requestId);
  }
  if (decision.error !== undefined) inject();
  else write(response, wire);
}

async function onRequest(
  request: IncomingMessage,
  response: ServerResponse,
  dependencies: ServerDependencies,
): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://emulator.local');
  const body = await readBody(request);
  if (url.pathname.startsWith(ADMIN_PREFIX)) {
    const result = handleAdmin(
      { method: request.method ?? 'GET', path: url.pathname, body },
      dependencies.admin,
    );
    write(response, {
      status: result.status,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(result.body),
    });
    return;
  }
  const route = routeOf(request, url, body);
  const key = `${route.service}.${route.operation}`;
  dependencies.calls[key] = (dependencies.calls[key] ?? 0) + 1;
  // A long poll ends when the client goes away or the emulator closes.
  const disconnected = new AbortController();
  response.on('close', () => disconnected.abort());
  const signal = AbortSignal.any([dependencies.signal, disconnected.signal]);
  await answer(route, dependencies, signal, randomUUID(), response);
}

/** Creates the HTTP server that routes SQS and Step Functions (JSON 1.0), Redshift Serverless (JSON 1.1), Redshift (awsQuery), EC2 (ec2 query) and admin requests. */
export function createEmulatorServer(dependencies: ServerDependencies): Server {
  const server = createServer((request, response) => {
    onRequest(request, response, dependencies).catch((error: unknown) => {
      const requestId = randomUUID();
      if (error instanceof RouteError) {
        const apiError = new ApiError(error.code, error.message);
        write(
          response,
          error.json
            ? jsonErrorResponse('com.amazon.coral.service', apiError, requestId)
            : queryErrorResponse(apiError, requestId),
        );
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      write(
        response,
        jsonErrorResponse(
          'com.amazon.coral.service',
          new ApiError('InternalFailure', message, { statusCode: 500 }),
          requestId,
        ),
      );
    });
  });
  // SDK clients keep connections alive; a short idle timeout stops closed clients from pinning sockets.
  server.keepAliveTimeout = 5_000;
  return server;
}
