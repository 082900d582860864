// Built at run time: the statuses and the outcome a handler publishes. The outcome's schema, which
// consumers and the published JSON Schema use, is in outcome-schema.ts: no handler constructs it.
import type { Outcome, OutcomeError } from './outcome-schema.js';
import type { OutcomeRuleV2, OutcomeV2 } from './outcome-v2-schema.js';
import type { Action, Approval, IngressRule } from './request.js';
import { makeSqsSafe, makeSqsSafeDeep } from './sqs-text.js';

export type { Outcome, OutcomeError } from './outcome-schema.js';

/** An outcome of either version: v1 answers a request v1, v2 a request v2. */
export type AnyOutcome = Outcome | OutcomeV2;

/** Every status an outcome can have; see the table in the README. */
export const Status = {
  authorized: 'authorized',
  alreadyAuthorized: 'already-authorized',
  revoked: 'revoked',
  alreadyRevoked: 'already-revoked',
  rejected: 'rejected',
  failed: 'failed',
} as const;
/** Every status an outcome can have. */
export type Status = (typeof Status)[keyof typeof Status];

/** The statuses that mean the rule is now as the request asked. */
export type SuccessStatus =
  | typeof Status.authorized
  | typeof Status.alreadyAuthorized
  | typeof Status.revoked
  | typeof Status.alreadyRevoked;

/** Whether a status means the request's effect holds. */
export function isSuccess(status: Status): status is SuccessStatus {
  return status !== Status.rejected && status !== Status.failed;
}

/** What an outcome is built from. */
export interface OutcomeInput {
  readonly requestId: string;
  readonly messageId: string;
  readonly action: Action;
  readonly status: Status;
  readonly rule?: IngressRule;
  readonly error?: OutcomeError;
  readonly attempt: number;
  readonly requestedBy?: string;
  readonly reason?: string;
  readonly approval?: Approval;
  readonly processedAt: Date;
}

/**
 * Builds an outcome with its fields in contract order; never carries a task token.
 *
 * Every text echoed from the request (and every error message, which may quote it) is made safe for SQS:
 * each character SQS refuses becomes U+FFFD, so the results queue can always accept the outcome.
 */
export function buildOutcome(input: OutcomeInput): Outcome {
  return buildAnyOutcome<Outcome>(1, input);
}

/** What an outcome v2 is built from: as version 1, with the rule of version 2. */
export interface OutcomeInputV2 extends Omit<OutcomeInput, 'rule'> {
  readonly rule?: OutcomeRuleV2;
}

/** Builds an outcome v2, the answer to a request v2, exactly as {@link buildOutcome} builds version 1. */
export function buildOutcomeV2(input: OutcomeInputV2): OutcomeV2 {
  return buildAnyOutcome<OutcomeV2>(2, input);
}

function buildAnyOutcome<T extends AnyOutcome>(
  version: T['version'],
  input: OutcomeInput | OutcomeInputV2,
): T {
  return makeSqsSafeDeep<T>({
    type: 'ingress-outcome',
    version,
    requestId: input.requestId,
    messageId: input.messageId,
    action: input.action,
    status: input.status,
    ...(input.rule !== undefined && { rule: { ...input.rule } }),
    ...(input.error !== undefined && { error: input.error }),
    attempt: input.attempt,
    ...(input.requestedBy !== undefined && { requestedBy: input.requestedBy }),
    ...(input.reason !== undefined && { reason: input.reason }),
    ...(input.approval !== undefined && { approval: input.approval }),
    processedAt: input.processedAt.toISOString(),
  } as T);
}

/** The longest error message a shortened outcome keeps. */
const SHORTENED_MESSAGE_LENGTH = 1000;

/**
 * The outcome cut to what says what became of the request (ids, action, status, rule, error code), sent in
 * place of an outcome the results queue refused as the sender's fault, so the request still gets one.
 *
 * @param reason why the queue refused the full outcome (the `Failed[]` entry's code and message)
 */
export function shortenOutcome<T extends AnyOutcome>(outcome: T, reason: string): T {
  const note = `the results queue refused the full outcome (${makeSqsSafe(reason).slice(0, 300)}); requestedBy, reason and approval left out`;
  return {
    type: outcome.type,
    version: outcome.version,
    requestId: outcome.requestId,
    messageId: outcome.messageId,
    action: outcome.action,
    status: outcome.status,
    ...(outcome.rule !== undefined && { rule: outcome.rule }),
    ...(outcome.error !== undefined && {
      error: {
        code: outcome.error.code,
        message: `${outcome.error.message.slice(0, SHORTENED_MESSAGE_LENGTH)} [${note}]`,
        retryable: outcome.error.retryable,
      },
    }),
    attempt: outcome.attempt,
    processedAt: outcome.processedAt,
  } as T;
}
