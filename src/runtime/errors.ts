import { StoreError } from '../store/index.js';

/**
 * The catalogue of errors durable-mcp puts on the wire itself (the SDK answers
 * the rest). Each entry has a stable string code that never changes meaning,
 * the HTTP status the spec asks for, and the JSON-RPC code in the body.
 * In-process failures (store, config) are ordinary Errors with their own codes
 * and never cross the wire as such: a client sees 503, never a SQL message.
 */
export const WireErrors = {
  PARSE_ERROR: { status: 400, rpc: -32700, message: 'Parse error: the body is not valid JSON' },
  INVALID_REQUEST: { status: 400, rpc: -32600, message: 'Invalid Request' },
  INVALID_PARAMS: { status: 400, rpc: -32602, message: 'Invalid params' },
  SESSION_REQUIRED: {
    status: 400,
    rpc: -32000,
    message: 'Bad Request: Mcp-Session-Id header is required (send initialize first to get one)',
  },
  SESSION_NOT_FOUND: { status: 404, rpc: -32001, message: 'Session not found' },
  UNAUTHORIZED: { status: 401, rpc: -32000, message: 'Unauthorized' },
  METHOD_NOT_ALLOWED: { status: 405, rpc: -32000, message: 'Method not allowed' },
  BODY_TOO_LARGE: { status: 413, rpc: -32000, message: 'Payload too large' },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    rpc: -32000,
    message: 'Unsupported Media Type: Content-Type must be application/json',
  },
  NOT_FOUND: { status: 404, rpc: -32000, message: 'Not found' },
  UNAVAILABLE: { status: 503, rpc: -32000, message: 'Service unavailable' },
  INTERNAL: { status: 500, rpc: -32603, message: 'Internal server error' },
} as const satisfies Record<string, { status: number; rpc: number; message: string }>;

export type WireErrorCode = keyof typeof WireErrors;

export interface WireErrorOptions {
  message?: string;
  data?: Record<string, unknown>;
  id?: string | number | null;
  headers?: Record<string, string>;
}

/** A JSON-RPC error response with the catalogue's status; `data.code` repeats the stable code for machines. */
export function wireError(code: WireErrorCode, options: WireErrorOptions = {}): Response {
  const entry = WireErrors[code];
  const body = {
    jsonrpc: '2.0',
    error: {
      code: entry.rpc,
      message: options.message ?? entry.message,
      data: { code, ...options.data },
    },
    id: options.id ?? null,
  };
  return new Response(JSON.stringify(body), {
    status: entry.status,
    headers: { 'content-type': 'application/json', ...options.headers },
  });
}

/** Why a presented session id was not served. `wrong_principal` is logged, never shown: the client sees `unknown`. */
export type RejectionReason = 'unknown' | 'expired' | 'terminated' | 'wrong_principal' | 'missing';

const REJECTION_TEXT: Record<Exclude<RejectionReason, 'missing' | 'wrong_principal'>, string> = {
  unknown: 'This server has no session with that id.',
  expired: 'The session expired after being idle too long.',
  terminated: 'The session was terminated (DELETE).',
};

/** The 404 that tells a client what happened and what to do next. */
export function sessionNotFound(reason: Exclude<RejectionReason, 'missing'>, deploymentId: string): Response {
  const shown = reason === 'wrong_principal' ? 'unknown' : reason;
  return wireError('SESSION_NOT_FOUND', {
    data: {
      reason: shown,
      detail: REJECTION_TEXT[shown],
      action: 'reinitialize',
      hint: 'Send a new initialize request without an Mcp-Session-Id header to start a new session.',
      deploymentId,
    },
  });
}

/** Errors the runtime raises in process, with stable codes. */
export class DurableMcpError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DurableMcpError';
  }
}

/**
 * The answer to a request that failed inside durable-mcp, the same on every
 * route: a store that cannot be reached (down, closed, timed out) is a 503
 * with Retry-After that says nothing was lost, never a 404 that would make a
 * client drop its session and never a 500; anything else is our own bug.
 */
export function failureResponse(error: unknown): Response {
  if (error instanceof StoreError) {
    return wireError('UNAVAILABLE', {
      message: 'The session store is unavailable right now; retry shortly. Your session was not lost.',
      data: { reason: 'store_unavailable' },
      headers: { 'retry-after': '2' },
    });
  }
  const code = error instanceof DurableMcpError ? error.code : undefined;
  return wireError('INTERNAL', { message: code ? `Internal server error (${code})` : 'Internal server error' });
}
