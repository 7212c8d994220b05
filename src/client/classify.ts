/**
 * Decides what a failed attempt means for the request: the server certainly
 * did not process it (session lost, nothing sent, turned away), it may have
 * (the connection broke after the request left), or the failure is the
 * server's answer and belongs to the caller. Pure: everything it needs comes
 * from the error and the facts the transport observed during the attempt.
 */
import { SdkError, SdkErrorCode } from '@modelcontextprotocol/client';
import type { UnknownOutcomeReason } from './errors.js';

/** What the transport saw while the attempt ran (see attempts.ts). */
export interface AttemptFacts {
  /** The request carried an `Mcp-Session-Id`. */
  sessionBearing: boolean;
  /** The response stream ended or broke before a response arrived (set by the transport hook). */
  streamCut: boolean;
  /** HTTP status of the POST, when one arrived. */
  status?: number;
  /** Server's `Retry-After`, in ms, when it sent one. */
  retryAfterMs?: number;
}

export type Failure =
  | { kind: 'session-lost'; detail: string }
  | { kind: 'not-sent'; detail: string; retryAfterMs?: number }
  | { kind: 'outcome-unknown'; reason: UnknownOutcomeReason }
  | { kind: 'fatal' };

/**
 * Bodies that mean "I do not know this session" on a 400, as sent by the SDK
 * examples ("Bad Request: No valid session ID provided", "Mcp-Session-Id
 * header is required", "Server not initialized", and "Invalid or missing
 * session ID" on GET and DELETE) and FastMCP ("Session not found"). A 400
 * that matches none of them is a real bad request.
 */
const SESSION_LOST_BODY = [
  /no valid session/i,
  /session[ -]id header is required/i,
  /session not found/i,
  /invalid or missing session/i,
  /(invalid|unknown|expired|terminated) session/i,
  /session (is )?(invalid|unknown|expired|terminated)/i,
  /server not initialized/i,
];

/** Socket errors that happen before a request byte can have been written. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Socket errors after the connection was up: the request may have been read. */
const BROKEN_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ETIMEDOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT']);

const MAX_CAUSE_DEPTH = 8;

/** Walks `cause` (and the SDK's `data.cause`) to collect socket error codes. */
function causeCodes(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && current instanceof Object; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    const next = (current as { cause?: unknown }).cause ?? (current as { data?: { cause?: unknown } }).data?.cause;
    if (next === current) break;
    current = next;
  }
  return codes;
}

/** undici reports most socket failures as `TypeError: fetch failed` with the reason in `cause`. */
function isNetworkError(error: unknown, codes: string[]): boolean {
  if (codes.some((code) => NOT_SENT_CODES.has(code) || BROKEN_CODES.has(code))) return true;
  const message = error instanceof Error ? error.message : '';
  return error instanceof TypeError && /fetch failed|terminated|network/i.test(message);
}

/** Status and body of an HTTP error the SDK transport raised, or undefined for any other error. */
export function httpStatus(error: unknown): { status: number; text: string } | undefined {
  if (!(error instanceof SdkError)) return undefined;
  const data = error.data as { status?: unknown; text?: unknown } | undefined;
  if (typeof data?.status !== 'number') return undefined;
  return { status: data.status, text: typeof data.text === 'string' ? data.text : error.message };
}

/** For a response to a request that carried a session id: does it say the session is gone? */
export function isSessionLostResponse(status: number, body: string): boolean {
  return status === 404 || (status === 400 && SESSION_LOST_BODY.some((re) => re.test(body)));
}

export function classify(error: unknown, facts: AttemptFacts): Failure {
  const http = httpStatus(error);
  if (http) {
    if (facts.sessionBearing && isSessionLostResponse(http.status, http.text)) {
      return { kind: 'session-lost', detail: `HTTP ${http.status}: ${http.text.slice(0, 200)}` };
    }
    // 429 and 503 are refusals: the request was turned away before it ran.
    if (http.status === 429 || http.status === 503) {
      return { kind: 'not-sent', detail: `HTTP ${http.status}`, retryAfterMs: facts.retryAfterMs };
    }
    // A gateway answering for an upstream that died may have forwarded the request.
    if (http.status === 502 || http.status === 504) return { kind: 'outcome-unknown', reason: 'gateway' };
    return { kind: 'fatal' };
  }

  if (facts.streamCut) return { kind: 'outcome-unknown', reason: 'stream-cut' };

  if (error instanceof SdkError) {
    if (error.code === SdkErrorCode.RequestTimeout) return { kind: 'outcome-unknown', reason: 'timeout' };
    if (error.code === SdkErrorCode.ConnectionClosed) return { kind: 'outcome-unknown', reason: 'connection-lost' };
  }

  const codes = causeCodes(error);
  if (isNetworkError(error, codes)) {
    if (codes.some((code) => NOT_SENT_CODES.has(code))) return { kind: 'not-sent', detail: codes.join(' <- ') };
    return { kind: 'outcome-unknown', reason: 'connection-lost' };
  }
  return { kind: 'fatal' };
}

/** Connect-time variant: nothing the handshake does needs protecting, so only "may come back later" matters. */
export function isTransient(error: unknown): boolean {
  const http = httpStatus(error);
  if (http) return http.status === 429 || http.status === 502 || http.status === 503 || http.status === 504;
  if (error instanceof SdkError && (error.code === SdkErrorCode.RequestTimeout || error.code === SdkErrorCode.ConnectionClosed)) {
    return true;
  }
  return isNetworkError(error, causeCodes(error));
}
