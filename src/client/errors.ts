/**
 * The client's error catalogue. Every error carries a stable `code` (never
 * reused) and `mayHaveRun`, the one fact a caller needs to decide what to do
 * next: false means the server certainly did not process the request, true
 * means it may or may not have. Errors the server itself returned (JSON-RPC
 * errors, tool errors) are never wrapped: they pass through as the SDK raised
 * them, so nothing is ever turned into an empty success.
 */

export const ResilientErrorCode = {
  /** The request reached the server and the connection broke before its response arrived. */
  OutcomeUnknown: 'DURABLE_MCP_OUTCOME_UNKNOWN',
  /** No server accepted the request within the retry budget (refused, 429, 503). */
  ServerUnavailable: 'DURABLE_MCP_SERVER_UNAVAILABLE',
  /** The session was lost and a new one could not be established. */
  RecoveryFailed: 'DURABLE_MCP_RECOVERY_FAILED',
  /** The client was closed before or while the request ran. */
  ClientClosed: 'DURABLE_MCP_CLIENT_CLOSED',
} as const;
export type ResilientErrorCode = (typeof ResilientErrorCode)[keyof typeof ResilientErrorCode];

/** What the failing request was, for messages and for callers that log. */
export interface RequestDescription {
  method: string;
  /** For `tools/call`: the tool's name. */
  tool?: string;
}

function describe(request: RequestDescription): string {
  return request.tool ? `${request.method} (${request.tool})` : request.method;
}

export abstract class ResilientClientError extends Error {
  abstract readonly code: ResilientErrorCode;
  /** False: the server certainly did not process the request. True: it may have. */
  abstract readonly mayHaveRun: boolean;
  readonly request: RequestDescription | undefined;
  /** How many times the request was sent (0 when it never left). */
  readonly attempts: number;

  constructor(message: string, request: RequestDescription | undefined, attempts: number, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    this.request = request;
    this.attempts = attempts;
  }
}

export type UnknownOutcomeReason = 'connection-lost' | 'stream-cut' | 'timeout' | 'gateway';

/**
 * The request may or may not have run. Raised instead of retrying a request
 * that is not safe to repeat, or when the single retry of a safe one also
 * ended without an answer. The caller decides: check the server's state, ask
 * the user, or repeat it knowingly.
 */
export class OutcomeUnknownError extends ResilientClientError {
  readonly code = ResilientErrorCode.OutcomeUnknown;
  readonly mayHaveRun = true;
  readonly reason: UnknownOutcomeReason;

  /** `retried`: it was safe to repeat and its one retry ended the same way. */
  constructor(request: RequestDescription, reason: UnknownOutcomeReason, attempts: number, cause?: unknown, retried = false) {
    super(
      `${describe(request)}: the connection failed (${reason}) before the response arrived; ` +
        `it may or may not have run on the server${retried ? ', and so did its one retry' : ', and it was not retried because it is not safe to repeat'}`,
      request,
      attempts,
      cause,
    );
    this.reason = reason;
  }
}

export class ServerUnavailableError extends ResilientClientError {
  readonly code = ResilientErrorCode.ServerUnavailable;
  readonly mayHaveRun = false;

  constructor(request: RequestDescription | undefined, attempts: number, cause?: unknown) {
    super(
      `${request ? describe(request) : 'connect'}: the server did not accept the request within the retry budget; it did not run`,
      request,
      attempts,
      cause,
    );
  }
}

export class RecoveryFailedError extends ResilientClientError {
  readonly code = ResilientErrorCode.RecoveryFailed;
  readonly mayHaveRun = false;

  constructor(request: RequestDescription | undefined, attempts: number, cause?: unknown) {
    super(
      `${request ? describe(request) : 'connect'}: the server lost the session and a new one could not be initialized; the request did not run`,
      request,
      attempts,
      cause,
    );
  }
}

export class ClientClosedError extends ResilientClientError {
  readonly code = ResilientErrorCode.ClientClosed;
  // A request in flight when close() was called may have reached the server.
  readonly mayHaveRun: boolean;

  constructor(request: RequestDescription | undefined, mayHaveRun: boolean) {
    super(`${request ? describe(request) : 'request'}: the client is closed`, request, 0);
    this.mayHaveRun = mayHaveRun;
  }
}

/** True for any error raised by this library (as opposed to the SDK or the server). */
export function isResilientClientError(error: unknown): error is ResilientClientError {
  return error instanceof ResilientClientError;
}
