/**
 * Typed failures of the upstream side. The resilient client's catalogue is
 * reused for the three outcomes both share (OutcomeUnknownError,
 * ServerUnavailableError, RecoveryFailedError: same codes, same
 * `mayHaveRun`); the errors here are the ones only a relay meets: an upstream
 * that answers with something that is not MCP, or an HTTP error instead of a
 * JSON-RPC one. Every error says whether the request may have run, and
 * `toJsonRpcError` turns any of them into the error a client is sent, so
 * nothing is ever relayed as an empty success.
 */
import type { JSONRPCErrorResponse, RequestId } from '@modelcontextprotocol/client';
import { isResilientClientError, type RequestDescription } from '../../client/errors.js';

export const UpstreamErrorCode = {
  /** The upstream answered a non-2xx status without a JSON-RPC error for the request. */
  Http: 'DURABLE_MCP_UPSTREAM_HTTP',
  /** The upstream answered with something that is not MCP (garbage, wrong content type). */
  Protocol: 'DURABLE_MCP_UPSTREAM_PROTOCOL',
  /** The upstream refused the handshake with a JSON-RPC error; `response` carries it for relaying. */
  Rejected: 'DURABLE_MCP_UPSTREAM_REJECTED',
  /** The upstream session object was closed before or while the request ran. */
  Closed: 'DURABLE_MCP_UPSTREAM_CLOSED',
  /** The request was cancelled by the front (notifications/cancelled) while it ran. */
  Cancelled: 'DURABLE_MCP_UPSTREAM_CANCELLED',
  /** The operation does not exist in the era the upstream speaks. */
  Unsupported: 'DURABLE_MCP_UPSTREAM_UNSUPPORTED',
  /** The gateway runs as many upstream processes as it may (stdio children): answered 503 with Retry-After at the front. */
  Capacity: 'DURABLE_MCP_UPSTREAM_CAPACITY',
  /** A stdio upstream process did not start, or exited or timed out before it answered initialize. */
  StartFailed: 'DURABLE_MCP_UPSTREAM_START_FAILED',
} as const;
export type UpstreamErrorCode = (typeof UpstreamErrorCode)[keyof typeof UpstreamErrorCode];

function describe(request: RequestDescription | undefined): string {
  if (!request) return 'upstream';
  return request.tool ? `${request.method} (${request.tool})` : request.method;
}

export abstract class UpstreamError extends Error {
  abstract readonly code: UpstreamErrorCode;
  /** False: the upstream certainly did not run it. True: it may have. */
  readonly mayHaveRun: boolean;
  readonly request: RequestDescription | undefined;

  constructor(message: string, request: RequestDescription | undefined, mayHaveRun: boolean, cause?: unknown) {
    super(`${describe(request)}: ${message}`, cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    this.request = request;
    this.mayHaveRun = mayHaveRun;
  }
}

export class UpstreamHttpError extends UpstreamError {
  readonly code = UpstreamErrorCode.Http;
  readonly status: number;

  /** A 5xx may come from a server that ran the request and failed after; a 4xx refused it. */
  constructor(request: RequestDescription | undefined, status: number, body: string, cause?: unknown) {
    super(`the upstream answered HTTP ${status}${body ? `: ${body.slice(0, 200)}` : ''}`, request, status >= 500, cause);
    this.status = status;
  }
}

export class UpstreamProtocolError extends UpstreamError {
  readonly code = UpstreamErrorCode.Protocol;

  constructor(request: RequestDescription | undefined, detail: string, mayHaveRun: boolean, cause?: unknown) {
    super(`the upstream's answer is not MCP (${detail})${mayHaveRun ? '; the request may have run' : ''}`, request, mayHaveRun, cause);
  }
}

export class UpstreamRejectedError extends UpstreamError {
  readonly code = UpstreamErrorCode.Rejected;
  readonly response: JSONRPCErrorResponse;

  constructor(request: RequestDescription, response: JSONRPCErrorResponse) {
    super(`the upstream refused it: ${response.error.message}`, request, false);
    this.response = response;
  }
}

export class UpstreamClosedError extends UpstreamError {
  readonly code = UpstreamErrorCode.Closed;

  constructor(request: RequestDescription | undefined, mayHaveRun: boolean) {
    super('the upstream session is closed', request, mayHaveRun);
  }
}

export class UpstreamCancelledError extends UpstreamError {
  readonly code = UpstreamErrorCode.Cancelled;

  constructor(request: RequestDescription) {
    super('cancelled by the client', request, true);
  }
}

export class UpstreamUnsupportedError extends UpstreamError {
  readonly code = UpstreamErrorCode.Unsupported;

  constructor(request: RequestDescription | undefined, detail: string) {
    super(detail, request, false);
  }
}

/**
 * No room for another upstream process. Nothing ran. The front answers it
 * with HTTP `status` (503) and a `Retry-After` of `retryAfterSeconds`, not
 * with a JSON-RPC error: a client library retries a 503 it understands.
 */
export class UpstreamCapacityError extends UpstreamError {
  readonly code = UpstreamErrorCode.Capacity;
  readonly status = 503;
  readonly retryAfterSeconds: number;

  constructor(request: RequestDescription | undefined, limit: number, retryAfterSeconds: number) {
    super(`the gateway already runs its limit of ${limit} upstream processes; try again in ${retryAfterSeconds} s`, request, false);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A stdio upstream could not be started; `detail` says why (exit code, timeout, the last lines of its stderr). */
export class UpstreamStartError extends UpstreamError {
  readonly code = UpstreamErrorCode.StartFailed;

  constructor(request: RequestDescription | undefined, detail: string, cause?: unknown) {
    super(`the upstream process did not start: ${detail}`, request, false, cause);
  }
}

/** JSON-RPC code for every failure the gateway reports on the upstream's behalf (implementation-defined server error range). */
export const UPSTREAM_FAILURE_RPC_CODE = -32003;

/**
 * The JSON-RPC error a client receives for a request the upstream side could
 * not complete. `data.mayHaveRun` is the fact a client needs; for an unknown
 * outcome the message says so in words, because most clients only show text.
 * A handshake refusal relays the upstream's own error unchanged.
 */
export function toJsonRpcError(error: unknown, id: RequestId): JSONRPCErrorResponse {
  if (error instanceof UpstreamRejectedError) return { ...error.response, id };
  if (error instanceof UpstreamError || isResilientClientError(error)) {
    return {
      jsonrpc: '2.0',
      id,
      error: {
        code: UPSTREAM_FAILURE_RPC_CODE,
        message: error.message,
        data: { code: error.code, mayHaveRun: error.mayHaveRun, ...(error instanceof UpstreamCapacityError && { retryAfterSeconds: error.retryAfterSeconds }) },
      },
    };
  }
  return { jsonrpc: '2.0', id, error: { code: -32603, message: 'Internal error in the gateway', data: { mayHaveRun: true } } };
}
