/**
 * One HTTP exchange with the upstream: a request and its response stream, or
 * one notification/response POST.
 *
 * Why the SDK's StreamableHTTPClientTransport, one instance per exchange,
 * rather than one shared transport or our own fetch code: the transport is
 * message level (it sends JSON-RPC as given and hands back what arrives), and
 * it already does what we would otherwise rewrite: SSE parsing, Last-Event-ID
 * resumption of a cut response stream, the 2026-07-28 headers derived from a
 * request's `_meta` (Mcp-Method, Mcp-Name, MCP-Protocol-Version), session id
 * capture on initialize. What one shared transport cannot give is an exact
 * per-request outcome: all messages arrive on one `onmessage` without saying
 * which stream carried them, and a garbled event is reported to one global
 * `onerror`. A transport per exchange makes every message, error and stream
 * end belong to exactly one request (so a sampling request is related to the
 * call that caused it, and garbage fails that call, not a neighbour). It is a
 * cheap object (no connection of its own: fetch pools sockets underneath).
 * The client's attempt machinery (ObservedTransport, observedFetch, Attempt)
 * records the facts classify() needs: status, Retry-After, whether the
 * request left, and whether its stream ended before the response.
 */
import {
  isJSONRPCErrorResponse,
  isJSONRPCResultResponse,
  type FetchLike,
  type JSONRPCMessage,
  type JSONRPCNotification,
  type JSONRPCRequest,
  type JSONRPCResponse,
  type StreamableHTTPReconnectionOptions,
} from '@modelcontextprotocol/client';
import { ATTEMPT_HEADER, AttemptTracker } from '../../client/attempts.js';
import type { AttemptFacts } from '../../client/classify.js';
import { observedFetch, type FetchObserver } from '../../client/observed-fetch.js';
import { ObservedTransport } from '../../client/observed-transport.js';
import type { UpstreamMessage } from './types.js';

/** Where an exchange goes: the upstream, and the session it belongs to. */
export interface ExchangeTarget {
  url: URL;
  headers: Record<string, string>;
  fetch: FetchLike;
  resumption: StreamableHTTPReconnectionOptions;
  /** Sent as Mcp-Session-Id (legacy era, after initialize). */
  sessionId?: string;
  /** Sent as MCP-Protocol-Version on legacy requests; a 2026-07-28 request derives it from its `_meta`. */
  protocolVersion?: string;
}

/** Why an exchange failed, with what the transport saw, for classify(). */
export class ExchangeFailure extends Error {
  readonly facts: AttemptFacts;
  /** The request left (the upstream may have it). */
  readonly sent: boolean;
  /** A message on the response stream could not be parsed: the upstream is not speaking MCP. */
  readonly garbled: unknown;
  readonly serverRetryMs: number | undefined;

  constructor(cause: unknown, facts: AttemptFacts, sent: boolean, garbled: unknown, serverRetryMs: number | undefined) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'ExchangeFailure';
    this.facts = facts;
    this.sent = sent;
    this.garbled = garbled;
    this.serverRetryMs = serverRetryMs;
  }
}

export interface ExchangeResult {
  response: JSONRPCResponse;
  /** The session id the upstream issued (only an initialize gets one). */
  sessionId: string | undefined;
}

/** Parse errors are the only transport errors that say "not MCP"; the rest are stream events classified elsewhere. */
function isParseError(error: unknown): boolean {
  return error instanceof SyntaxError || (error instanceof Error && error.name === 'ZodError');
}

function isResponse(message: JSONRPCMessage): message is JSONRPCResponse {
  return isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message);
}

function open(target: ExchangeTarget, tracker: AttemptTracker, observer: FetchObserver): ObservedTransport {
  return new ObservedTransport(target.url, tracker, {
    requestInit: { headers: target.headers },
    fetch: observedFetch(target.fetch, tracker, observer),
    reconnectionOptions: target.resumption,
    ...(target.sessionId !== undefined && { sessionId: target.sessionId }),
    ...(target.protocolVersion !== undefined && { protocolVersion: target.protocolVersion }),
  });
}

/**
 * Sends `request` and resolves with its response (a JSON-RPC error response
 * is a response: it is relayed, not thrown). Messages on the same stream go
 * to `onRelated`. Throws ExchangeFailure for everything else.
 */
export async function exchange(
  target: ExchangeTarget,
  request: JSONRPCRequest,
  options: { signal: AbortSignal; onRelated?: (message: UpstreamMessage) => void },
): Promise<ExchangeResult> {
  const tracker = new AttemptTracker();
  let serverRetryMs: number | undefined;
  // This transport never opens a GET of its own except to resume its own response stream.
  const transport = open(target, tracker, { onGetStream: () => undefined, onServerRetry: (ms) => (serverRetryMs = ms) });
  const attempt = tracker.begin(options.signal);
  let garbled: unknown;
  try {
    await transport.start();
    const answered = new Promise<JSONRPCResponse>((resolve, reject) => {
      transport.onmessage = (message) => {
        if (isResponse(message)) {
          // A response for another id on our stream would be the upstream's bug; it is nobody's here.
          if (message.id === request.id) resolve(message);
          return;
        }
        options.onRelated?.(message);
      };
      transport.onerror = (error) => {
        if (isParseError(error)) garbled ??= error;
      };
      // Aborts: the caller's signal, or the request's stream ended before its response (Attempt.streamEnded).
      if (attempt.signal.aborted) reject(attempt.signal.reason);
      attempt.signal.addEventListener('abort', () => reject(attempt.signal.reason), { once: true });
    });
    // `send` may fail first; the rejection of `answered` is then handled by that path, not lost.
    answered.catch(() => undefined);
    await transport.send(request, { headers: { [ATTEMPT_HEADER]: attempt.id }, requestSignal: attempt.signal });
    const response = await answered;
    return { response, sessionId: transport.sessionId };
  } catch (error) {
    throw new ExchangeFailure(error, attempt.facts, attempt.wasSent, garbled, serverRetryMs);
  } finally {
    tracker.end(attempt);
    // Ends the response stream if the upstream left it open; close() never throws.
    void transport.close();
  }
}

/** POSTs a notification or a response (202 expected). Throws ExchangeFailure. */
export async function post(target: ExchangeTarget, message: JSONRPCNotification | JSONRPCResponse, signal: AbortSignal): Promise<void> {
  // After `notifications/initialized` the SDK starts a GET stream on the transport that sent it. Aborting it
  // races with the request leaving, and an upstream that allows one stream per session then answers our own
  // standalone stream 409 (seen with FastMCP). So this transport's fetch refuses GETs outright: nothing leaves.
  const postOnly: FetchLike = (url, init) =>
    (init?.method ?? 'GET').toUpperCase() === 'GET' ? Promise.reject(new Error('this transport only POSTs')) : target.fetch(url, init);
  const transport = open({ ...target, fetch: postOnly }, new AttemptTracker(), { onGetStream: () => undefined, onServerRetry: () => undefined });
  // What the SDK reports here is that refused GET; every other error is thrown by send().
  transport.onerror = () => undefined;
  const facts: AttemptFacts = { sessionBearing: target.sessionId !== undefined, streamCut: false };
  try {
    await transport.start();
    await transport.send(message, { requestSignal: signal });
  } catch (error) {
    throw new ExchangeFailure(error, facts, true, undefined, undefined);
  } finally {
    void transport.close();
  }
}

/** DELETE the upstream session (politely; a 405 means the upstream does not allow it). Throws ExchangeFailure. */
export async function terminate(target: ExchangeTarget, signal: AbortSignal): Promise<void> {
  const transport = open(target, new AttemptTracker(), { onGetStream: () => undefined, onServerRetry: () => undefined });
  transport.onerror = () => undefined; // terminateSession() throws what it reports here
  // terminateSession() takes no signal; closing the transport aborts its fetch.
  signal.addEventListener('abort', () => void transport.close(), { once: true });
  try {
    await transport.start();
    await transport.terminateSession();
  } catch (error) {
    throw new ExchangeFailure(error, { sessionBearing: true, streamCut: false }, true, undefined, undefined);
  } finally {
    void transport.close();
  }
}
