/**
 * The headers of a 2025-era exchange, as the SDK's Streamable HTTP client
 * transport sends them: the configured ones, then the session's
 * (Mcp-Session-Id, except on initialize; MCP-Protocol-Version), then what
 * the method needs (Accept, Content-Type, Last-Event-ID).
 */
import type { ExchangeTarget } from '../exchange-outcome.js';

const POST_ACCEPT = ['application/json', 'text/event-stream'];
const GET_ACCEPT = ['text/event-stream'];

/** A configured Accept keeps its own types; ours are added. */
function accept(configured: string | undefined, ours: readonly string[]): string {
  if (!configured) return ours.join(', ');
  const types = [...configured.split(',').map((t) => t.trim().toLowerCase()), ...ours];
  return [...new Set(types)].join(', ');
}

function sessionHeaders(target: ExchangeTarget, withSession: boolean): Record<string, string> {
  const headers = { ...target.headers };
  if (withSession && target.sessionId !== undefined) headers['mcp-session-id'] = target.sessionId;
  if (target.protocolVersion !== undefined) headers['mcp-protocol-version'] = target.protocolVersion;
  return headers;
}

/** `initialize` opens a session: it never carries one. */
export function postHeaders(target: ExchangeTarget, initialize: boolean): Record<string, string> {
  const headers = sessionHeaders(target, !initialize);
  headers['content-type'] = 'application/json';
  headers.accept = accept(target.headers.accept, POST_ACCEPT);
  return headers;
}

export function getHeaders(target: ExchangeTarget, lastEventId: string | undefined): Record<string, string> {
  const headers = sessionHeaders(target, true);
  headers.accept = accept(target.headers.accept, GET_ACCEPT);
  if (lastEventId) headers['last-event-id'] = lastEventId;
  return headers;
}

export function deleteHeaders(target: ExchangeTarget): Record<string, string> {
  return sessionHeaders(target, true);
}
