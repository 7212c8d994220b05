/**
 * What a failed exchange means, in the client's terms (classify.ts, so the
 * gateway and the client read a failure the same way), plus the two things
 * only a relay has to decide: an HTTP error whose body is the upstream's
 * JSON-RPC answer (relayed, not replaced), and an answer that is not MCP
 * at all (a typed protocol error, never retried: it would only say it again).
 */
import { isJSONRPCErrorResponse, SdkError, SdkErrorCode, type JSONRPCErrorResponse, type RequestId } from '@modelcontextprotocol/client';
import { classify, httpStatus, type Failure } from '../../client/classify.js';
import type { RequestDescription } from '../../client/errors.js';
import { UpstreamHttpError, UpstreamProtocolError, type UpstreamError } from './errors.js';
import type { ExchangeFailure } from './exchange.js';

function notMcp(failure: ExchangeFailure): string | undefined {
  if (failure.garbled !== undefined) return `unparsable message on the response stream: ${String(failure.garbled).slice(0, 120)}`;
  const cause = failure.cause;
  if (cause instanceof SdkError && cause.code === SdkErrorCode.ClientHttpUnexpectedContent) return cause.message;
  if (cause instanceof SyntaxError) return `invalid JSON body: ${cause.message}`;
  return undefined;
}

export function verdict(failure: ExchangeFailure): Failure {
  if (notMcp(failure) !== undefined) return { kind: 'fatal' };
  return classify(failure.cause, failure.facts);
}

/** A JSON-RPC error response for `id` carried in an HTTP error body: the upstream's own answer. */
export function errorResponseIn(failure: ExchangeFailure, id: RequestId): JSONRPCErrorResponse | undefined {
  const text = httpStatus(failure.cause)?.text;
  if (!text) return undefined;
  try {
    const body: unknown = JSON.parse(text);
    return isJSONRPCErrorResponse(body) && body.id === id ? body : undefined;
  } catch {
    return undefined; // not JSON: the status says it all, see asTypedError
  }
}

/** The typed error for a failure no retry will fix. */
export function asTypedError(failure: ExchangeFailure, request: RequestDescription | undefined): UpstreamError {
  const detail = notMcp(failure);
  if (detail !== undefined) return new UpstreamProtocolError(request, detail, failure.sent, failure.cause);
  const http = httpStatus(failure.cause);
  if (http) return new UpstreamHttpError(request, http.status, http.text, failure.cause);
  const cause = failure.cause;
  return new UpstreamProtocolError(request, cause instanceof Error ? cause.message : String(cause), failure.sent, cause);
}
