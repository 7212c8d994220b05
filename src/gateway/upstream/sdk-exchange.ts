/**
 * A 2026-07-28 request through the SDK's StreamableHTTPClientTransport, one
 * instance per exchange. Such a request carries its version, method and
 * name in `_meta`, and the transport derives the headers a 2026-07-28
 * server checks from it (MCP-Protocol-Version, Mcp-Method, Mcp-Name with its
 * encoding rules): those rules are the SDK's, and copying them would drift.
 * One shared transport cannot say which stream a message came on, so each
 * exchange gets its own (sockets are pooled underneath, in UpstreamPool),
 * and the client's ObservedTransport/observedFetch record the facts
 * classify() needs. 2025-era sessions take the leaner wire/exchange.ts.
 */
import { isJSONRPCErrorResponse, isJSONRPCResultResponse, type JSONRPCMessage, type JSONRPCRequest, type JSONRPCResponse } from '@modelcontextprotocol/client';
import { ATTEMPT_HEADER, AttemptTracker } from '../../client/attempts.js';
import { observedFetch } from '../../client/observed-fetch.js';
import { ObservedTransport } from '../../client/observed-transport.js';
import { ExchangeFailure, type ExchangeResult, type ExchangeTarget } from './exchange-outcome.js';
import type { UpstreamMessage } from './types.js';

/** Parse errors are the only transport errors that say "not MCP"; the rest are stream events classified elsewhere. */
function isParseError(error: unknown): boolean {
  return error instanceof SyntaxError || (error instanceof Error && error.name === 'ZodError');
}

function isResponse(message: JSONRPCMessage): message is JSONRPCResponse {
  return isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message);
}

/** As wireExchange: the response, other messages of the same stream to `onRelated`, ExchangeFailure otherwise. */
export async function sdkExchange(
  target: ExchangeTarget,
  request: JSONRPCRequest,
  options: { signal: AbortSignal; onRelated?: (message: UpstreamMessage) => void },
): Promise<ExchangeResult> {
  const tracker = new AttemptTracker();
  let serverRetryMs: number | undefined;
  // This transport never opens a GET of its own except to resume its own response stream.
  const observer = { onGetStream: () => undefined, onServerRetry: (ms: number) => (serverRetryMs = ms) };
  const transport = new ObservedTransport(target.url, tracker, {
    requestInit: { headers: target.headers },
    fetch: observedFetch(target.pool.fetch, tracker, observer),
    reconnectionOptions: target.resumption,
    ...(target.sessionId !== undefined && { sessionId: target.sessionId }),
  });
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
