/**
 * The runtime's two error catalogues, one per boundary:
 *
 * - `WireErrors`: what durable-mcp itself answers on the wire (the SDK answers
 *   the rest). Each entry has a stable code (repeated in `error.data.code`),
 *   the HTTP status the spec asks for (`null` for errors sent as a JSON-RPC
 *   message on an open stream) and the JSON-RPC code.
 * - `RuntimeErrors`: failures raised in process (`DurableMcpError`), which
 *   never cross the wire as such: a client sees a 500 with the code, or a 503
 *   when the store is the cause.
 *
 * Codes never change meaning and are never reused. The store and the client
 * keep their own catalogues (store/errors.ts, client/errors.ts). The README's
 * "Errors" tables list both of these; test/runtime/error-catalogue.test.ts
 * keeps catalogue, types and README in agreement.
 */
import { StoreError } from '../store/index.js';

export const WireErrors = {
  PARSE_ERROR: { status: 400, rpc: -32700, message: 'Parse error: the body is not valid JSON' },
  INVALID_REQUEST: { status: 400, rpc: -32600, message: 'Invalid Request' },
  INVALID_PARAMS: { status: 400, rpc: -32602, message: 'Invalid params' },
  REQUEST_ID_IN_FLIGHT: { status: 400, rpc: -32600, message: 'Invalid Request: that request id is already in flight on this session' },
  SESSION_REQUIRED: { status: 400, rpc: -32000, message: 'Bad Request: Mcp-Session-Id header is required (send initialize first to get one)' },
  UNAUTHORIZED: { status: 401, rpc: -32000, message: 'Unauthorized' },
  SESSION_NOT_FOUND: { status: 404, rpc: -32001, message: 'Session not found' },
  NOT_FOUND: { status: 404, rpc: -32000, message: 'Not found' },
  METHOD_NOT_ALLOWED: { status: 405, rpc: -32000, message: 'Method not allowed' },
  BODY_TOO_LARGE: { status: 413, rpc: -32000, message: 'Payload too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, rpc: -32000, message: 'Unsupported Media Type: Content-Type must be application/json' },
  INTERNAL: { status: 500, rpc: -32603, message: 'Internal server error' },
  UNAVAILABLE: { status: 503, rpc: -32000, message: 'Service unavailable' },
  SERVER_CLOSED: { status: 503, rpc: -32000, message: 'This server instance has shut down; reconnect to another one' },
  SERVER_RESTARTING: { status: null, rpc: -32000, message: 'The server is restarting and this request did not finish' },
} as const satisfies Record<string, { status: number | null; rpc: number; message: string }>;

export type WireErrorCode = keyof typeof WireErrors;
/** Codes answered as an HTTP response of their own (the rest travel on an open stream). */
export type HttpWireErrorCode = { [K in WireErrorCode]: (typeof WireErrors)[K]['status'] extends number ? K : never }[WireErrorCode];

export interface WireErrorOptions {
  message?: string;
  data?: Record<string, unknown>;
  id?: string | number | null;
  headers?: Record<string, string>;
}

/** The JSON-RPC error message for a catalogue entry; `data.code` repeats the stable code for machines. */
export function wireErrorMessage(code: WireErrorCode, options: Omit<WireErrorOptions, 'headers'> = {}) {
  const entry = WireErrors[code];
  return {
    jsonrpc: '2.0' as const,
    id: options.id ?? null,
    error: { code: entry.rpc, message: options.message ?? entry.message, data: { code, ...options.data } },
  };
}

/** A JSON-RPC error response with the catalogue's HTTP status. */
export function wireError(code: HttpWireErrorCode, options: WireErrorOptions = {}): Response {
  return new Response(JSON.stringify(wireErrorMessage(code, options)), {
    status: WireErrors[code].status,
    headers: { 'content-type': 'application/json', ...options.headers },
  });
}

/**
 * Why a presented session id was not served. `wrong_principal` and `wrong_route` (a session presented on an
 * endpoint other than its own) are logged, never shown: the client sees `unknown`.
 */
export type RejectionReason = 'unknown' | 'expired' | 'terminated' | 'wrong_principal' | 'wrong_route' | 'missing';

const REJECTION_TEXT: Record<Exclude<RejectionReason, 'missing' | 'wrong_principal' | 'wrong_route'>, string> = {
  unknown: 'This server has no session with that id.',
  expired: 'The session expired after being idle too long.',
  terminated: 'The session was terminated (DELETE).',
};

/** The 404 that tells a client what happened and what to do next. */
export function sessionNotFound(reason: Exclude<RejectionReason, 'missing'>, deploymentId: string): Response {
  const shown = reason === 'wrong_principal' || reason === 'wrong_route' ? 'unknown' : reason;
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

/** In-process failures. The description is what the code means; each error's message says what happened. */
export const RuntimeErrors = {
  APP_REGISTER_FAILED: "the app's register() threw while building a server",
  REHYDRATION_FAILED: 'replaying a stored session into a fresh SDK transport failed',
  AUTH_REQUIRED: 'refused to listen beyond loopback without API keys',
  API_KEYS_INVALID: 'an API key definition is malformed or unreadable',
  STATE_KEY_INVALID: 'a state key is empty or too long',
  STATE_VALUE_INVALID: 'a state value is not JSON-serialisable',
  STATE_VALUE_TOO_LARGE: 'a state value is larger than the limit',
  BACKEND_BUSY: 'a session backend has no room for a new session now (a gateway at its limit of stdio children): answered 503 with Retry-After',
} as const;

export type DurableMcpErrorCode = keyof typeof RuntimeErrors;

/** Errors the runtime raises in process, with a code from `RuntimeErrors`. */
export class DurableMcpError extends Error {
  /** For `BACKEND_BUSY`: the Retry-After of the 503. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    readonly code: DurableMcpErrorCode,
    message: string,
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(message, options);
    this.name = 'DurableMcpError';
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

/**
 * The answer to a request that failed inside durable-mcp, the same on every
 * route: a store that cannot be reached (down, closed, timed out) is a 503
 * with Retry-After that says nothing was lost, never a 404 that would make a
 * client drop its session and never a 500; so is a backend with no room for a
 * new session (BACKEND_BUSY, with its own Retry-After); anything else is our
 * own bug.
 */
export function failureResponse(error: unknown): Response {
  if (error instanceof StoreError) {
    return wireError('UNAVAILABLE', {
      message: 'The session store is unavailable right now; retry shortly. Your session was not lost.',
      data: { reason: 'store_unavailable' },
      headers: { 'retry-after': '2' },
    });
  }
  if (error instanceof DurableMcpError && error.code === 'BACKEND_BUSY') {
    return wireError('UNAVAILABLE', { message: error.message, data: { reason: 'busy' }, headers: { 'retry-after': String(error.retryAfterSeconds ?? 5) } });
  }
  const code = error instanceof DurableMcpError ? error.code : undefined;
  return wireError('INTERNAL', { message: code ? `Internal server error (${code})` : 'Internal server error' });
}
