import type { FaultInjector } from './faults.js';
import { parseFaultRules } from './faults.js';
import type { SfnService, TaskTokenState } from './sfn.js';

/** The prefix of every admin path. */
export const ADMIN_PREFIX = '/_emulator/';

/** What the admin endpoints read and change. */
export interface AdminTarget {
  readonly url: string;
  readonly region: string;
  readonly accountId: string;
  readonly faults: FaultInjector;
  readonly sfn: SfnService;
  reset(): void;
  stats(): { calls: Record<string, number> };
  state(): unknown;
}

/** One admin request: method, path and raw body. */
export interface AdminRequest {
  readonly method: string;
  readonly path: string;
  readonly body: string;
}

/** An admin answer, written as JSON. */
export interface AdminResponse {
  readonly status: number;
  readonly body: unknown;
}

const TOKEN_STATES = new Set<string>(['open', 'timed-out', 'invalid']);

class AdminRequestError extends Error {
  override readonly name = 'AdminRequestError';
}

function parseJson(body: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body === '' ? '{}' : body);
  } catch {
    throw new AdminRequestError('body must be JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AdminRequestError('body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

function faultsView(faults: FaultInjector): unknown {
  return { seed: faults.seed, rules: faults.rules, stats: faults.stats, history: faults.history };
}

function route(request: AdminRequest, target: AdminTarget): AdminResponse {
  const key = `${request.method} ${request.path.slice(ADMIN_PREFIX.length).replace(/\/$/, '')}`;
  switch (key) {
    case 'GET health':
      return {
        status: 200,
        body: { status: 'ok', url: target.url, region: target.region, accountId: target.accountId },
      };
    case 'POST reset':
      target.reset();
      return { status: 200, body: { status: 'reset' } };
    case 'GET faults':
      return { status: 200, body: faultsView(target.faults) };
    case 'PUT faults': {
      const body = parseJson(request.body);
      const seed = body.seed ?? target.faults.seed;
      if (typeof seed !== 'number' || !Number.isInteger(seed))
        throw new AdminRequestError('seed must be an integer');
      target.faults.setRules(parseFaultRules(body.rules ?? []), seed);
      return { status: 200, body: faultsView(target.faults) };
    }
    case 'GET sfn/calls':
      return { status: 200, body: { calls: target.sfn.calls } };
    case 'POST sfn/tokens': {
      const body = parseJson(request.body);
      if (typeof body.token !== 'string' || body.token === '')
        throw new AdminRequestError('token must be a string');
      if (typeof body.state !== 'string' || !TOKEN_STATES.has(body.state)) {
        throw new AdminRequestError('state must be one of open, timed-out, invalid');
      }
      target.sfn.setTokenState(body.token, body.state as TaskTokenState);
      return { status: 200, body: { token: body.token, state: body.state } };
    }
    case 'GET stats':
      return { status: 200, body: target.stats() };
    case 'GET state':
      return { status: 200, body: target.state() };
    default:
      return { status: 404, body: { message: `No admin endpoint ${request.method} ${request.path}` } };
  }
}

/** Answers a request under `/_emulator/`; a bad body gets 400 with the reason. */
export function handleAdmin(request: AdminRequest, target: AdminTarget): AdminResponse {
  try {
    return route(request, target);
  } catch (error) {
    if (error instanceof AdminRequestError || error instanceof TypeError) {
      return { status: 400, body: { message: error.message } };
    }
    throw error;
  }
}
