/**
 * One 2025-era exchange with the upstream, at the message level, on the
 * pooled node:http connections: POST a JSON-RPC message with the session's
 * headers, read the answer (JSON or SSE), hand on every other message that
 * arrives with it, and record exactly what the shared classification needs
 * (src/client/classify.ts): the HTTP status and body of a refusal,
 * Retry-After, a stream cut before the response (after Last-Event-ID
 * resumption where the upstream offers it), unparsable messages.
 *
 * Why this is hand-written rather than the SDK's StreamableHTTPClientTransport
 * (which the gateway used, one per exchange, so that every message, error
 * and stream end belonged to one request): that transport is built for one
 * long-lived client connection. Per relayed call it cost a transport
 * object, AbortSignals, a WHATWG Response and a four-stage web stream
 * pipeline (decode, SSE parse, zod validation of every message), and its
 * close() aborted the response before the upstream's end of stream had
 * been read, so the connection was destroyed and every call opened a new
 * one. Together that was most of the gateway's CPU per call. What the
 * transport decides for us is small and spelled out by the spec: which
 * headers to send, that an answer is JSON or SSE, and when to resume a cut
 * stream. 2026-07-28 requests still go through the SDK transport
 * (sdk-exchange.ts): their headers are derived from `_meta` by rules the
 * SDK owns.
 */
import type { IncomingMessage } from 'node:http';
import { SdkError, SdkErrorCode, SdkHttpError, type JSONRPCNotification, type JSONRPCRequest, type JSONRPCResponse } from '@modelcontextprotocol/client';
import { parseRetryAfter } from '../../../client/backoff.js';
import type { AttemptFacts } from '../../../client/classify.js';
import { ExchangeFailure, type ExchangeResult, type ExchangeTarget } from '../exchange-outcome.js';
import type { UpstreamMessage } from '../types.js';
import { discard, mediaType, OversizedMessageError, readMessage, readText } from './body.js';
import { deleteHeaders, postHeaders } from './headers.js';
import { kindOf } from './messages.js';
import { sseAnswer, type AnswerState } from './sse-answer.js';

/** Of an error body, what is kept for the error (and for classify's session-lost patterns); the rest is read and dropped. */
const MAX_ERROR_TEXT = 64 * 1024;

export interface WireExchangeOptions {
  signal: AbortSignal;
  onRelated?: (message: UpstreamMessage) => void;
}

/** A non-2xx answer, as the SDK transport reports one: classify() reads `status` and `text` from it. */
async function refusal(incoming: IncomingMessage, what: string, code: SdkErrorCode = SdkErrorCode.ClientHttpNotImplemented): Promise<SdkHttpError> {
  const text = await readText(incoming, MAX_ERROR_TEXT).catch(() => '');
  const status = incoming.statusCode ?? 0;
  return new SdkHttpError(code, `${what}: ${text || incoming.statusMessage || `HTTP ${status}`}`, { status, statusText: incoming.statusMessage ?? '', text });
}

function notMcp(message: string, contentType?: string): SdkError {
  return new SdkError(SdkErrorCode.ClientHttpUnexpectedContent, message, { contentType });
}

/**
 * Sends `request` and resolves with its response (a JSON-RPC error response
 * is a response: relayed, not thrown). Other messages of the same answer go
 * to `onRelated`. Throws ExchangeFailure for everything else; an abort by
 * `signal` rejects with the signal's reason.
 */
export async function wireExchange(target: ExchangeTarget, request: JSONRPCRequest, options: WireExchangeOptions): Promise<ExchangeResult> {
  const initialize = request.method === 'initialize';
  const facts: AttemptFacts = { sessionBearing: !initialize && target.sessionId !== undefined, streamCut: false };
  const state: AnswerState = { garbled: undefined, serverRetryMs: undefined };
  const fail = (cause: unknown) => (options.signal.aborted ? options.signal.reason : new ExchangeFailure(cause, facts, true, state.garbled, state.serverRetryMs));
  let incoming: IncomingMessage;
  try {
    incoming = await target.pool.send(target.url, { method: 'POST', headers: postHeaders(target, initialize), body: JSON.stringify(request), signal: options.signal });
  } catch (error) {
    throw fail(error);
  }
  const status = incoming.statusCode ?? 0;
  facts.status = status;
  const retryAfterMs = parseRetryAfter(incoming.headers['retry-after']);
  if (retryAfterMs !== undefined) facts.retryAfterMs = retryAfterMs;
  if (status < 200 || status > 299) throw fail(await refusal(incoming, 'Error POSTing to endpoint'));
  const sessionHeader = incoming.headers['mcp-session-id'];
  const sessionId = initialize && typeof sessionHeader === 'string' && sessionHeader !== '' ? sessionHeader : undefined;
  const type = mediaType(incoming.headers['content-type']);
  try {
    if (type === 'text/event-stream') return { response: await sseAnswer(target, request.id, incoming, options, state, facts), sessionId };
    if (type === 'application/json') return { response: await jsonAnswer(target, incoming, request.id, options, state), sessionId };
    discard(incoming);
  } catch (error) {
    throw fail(error);
  }
  // A request must get JSON or SSE (a 202 is for notifications and responses only): nothing else answers it.
  throw fail(notMcp(`the upstream answered ${status} with ${incoming.headers['content-type'] ?? 'no content type'}, not JSON or SSE`, incoming.headers['content-type']));
}

/** A JSON answer: one message or a batch, which must hold the response. */
async function jsonAnswer(target: ExchangeTarget, incoming: IncomingMessage, id: JSONRPCRequest['id'], options: WireExchangeOptions, state: AnswerState): Promise<JSONRPCResponse> {
  let text: string;
  try {
    text = await readMessage(incoming, target.maxMessageBytes);
  } catch (error) {
    if (error instanceof OversizedMessageError) state.garbled = error;
    throw error;
  }
  // A SyntaxError from here is "not MCP" (failures.ts), never retried.
  const body: unknown = JSON.parse(text);
  let answer: JSONRPCResponse | undefined;
  for (const message of Array.isArray(body) ? (body as unknown[]) : [body]) {
    const kind = kindOf(message);
    if (kind === undefined) state.garbled ??= notMcp(`not a JSON-RPC message: ${JSON.stringify(message)?.slice(0, 120)}`);
    // Checked by kindOf: a response, or a request or notification for the client.
    else if (kind === 'response') answer ??= (message as JSONRPCResponse).id === id ? (message as JSONRPCResponse) : undefined;
    else options.onRelated?.(message as UpstreamMessage);
  }
  if (answer) return answer;
  throw state.garbled ?? notMcp('the JSON answer holds no response to the request', 'application/json');
}

/** POSTs a notification or a response (202 expected). Throws ExchangeFailure. */
export async function wirePost(target: ExchangeTarget, message: JSONRPCNotification | JSONRPCResponse, signal: AbortSignal): Promise<void> {
  const facts: AttemptFacts = { sessionBearing: target.sessionId !== undefined, streamCut: false };
  let incoming: IncomingMessage;
  try {
    incoming = await target.pool.send(target.url, { method: 'POST', headers: postHeaders(target, false), body: JSON.stringify(message), signal });
  } catch (error) {
    throw new ExchangeFailure(error, facts, true, undefined, undefined);
  }
  const status = incoming.statusCode ?? 0;
  facts.status = status;
  const retryAfterMs = parseRetryAfter(incoming.headers['retry-after']);
  if (retryAfterMs !== undefined) facts.retryAfterMs = retryAfterMs;
  if (status >= 200 && status <= 299) return discard(incoming);
  throw new ExchangeFailure(await refusal(incoming, 'Error POSTing to endpoint'), facts, true, undefined, undefined);
}

/** DELETEs the upstream session (a 405 means the upstream does not allow it). Throws ExchangeFailure. */
export async function wireTerminate(target: ExchangeTarget, signal: AbortSignal): Promise<void> {
  const facts: AttemptFacts = { sessionBearing: true, streamCut: false };
  let incoming: IncomingMessage;
  try {
    incoming = await target.pool.send(target.url, { method: 'DELETE', headers: deleteHeaders(target), signal });
  } catch (error) {
    throw new ExchangeFailure(error, facts, true, undefined, undefined);
  }
  const status = incoming.statusCode ?? 0;
  if ((status >= 200 && status <= 299) || status === 405) return discard(incoming);
  throw new ExchangeFailure(await refusal(incoming, 'Failed to terminate session', SdkErrorCode.ClientHttpFailedToTerminateSession), facts, true, undefined, undefined);
}
