/**
 * One HTTP exchange with the upstream: a request and its answer, one
 * notification or response POST, or the session's DELETE. A 2026-07-28
 * request (its `_meta` names its protocol version) goes through the SDK
 * transport, which derives that era's headers from it (sdk-exchange.ts);
 * everything of a 2025-era session is carried at the message level on the
 * pooled connections (wire/exchange.ts, where the reasons are).
 */
import { PROTOCOL_VERSION_META_KEY, type JSONRPCNotification, type JSONRPCRequest, type JSONRPCResponse } from '@modelcontextprotocol/client';
import type { ExchangeResult, ExchangeTarget } from './exchange-outcome.js';
import { sdkExchange } from './sdk-exchange.js';
import type { UpstreamMessage } from './types.js';
import { wireExchange, wirePost, wireTerminate } from './wire/exchange.js';

export { ExchangeFailure, type ExchangeResult, type ExchangeTarget } from './exchange-outcome.js';

/** The SDK transport's own test for deriving 2026-07-28 headers from a request's body. */
function carriesEnvelope(request: JSONRPCRequest): boolean {
  return typeof request.params?._meta?.[PROTOCOL_VERSION_META_KEY] === 'string';
}

/**
 * Sends `request` and resolves with its response (a JSON-RPC error response
 * is a response: it is relayed, not thrown). Messages on the same stream go
 * to `onRelated`. Throws ExchangeFailure for everything else.
 */
export function exchange(
  target: ExchangeTarget,
  request: JSONRPCRequest,
  options: { signal: AbortSignal; onRelated?: (message: UpstreamMessage) => void },
): Promise<ExchangeResult> {
  return carriesEnvelope(request) ? sdkExchange(target, request, options) : wireExchange(target, request, options);
}

/** POSTs a notification or a response (202 expected). Throws ExchangeFailure. */
export function post(target: ExchangeTarget, message: JSONRPCNotification | JSONRPCResponse, signal: AbortSignal): Promise<void> {
  return wirePost(target, message, signal);
}

/** DELETE the upstream session (politely; a 405 means the upstream does not allow it). Throws ExchangeFailure. */
export function terminate(target: ExchangeTarget, signal: AbortSignal): Promise<void> {
  return wireTerminate(target, signal);
}
