import type { RequestId } from '@modelcontextprotocol/server';

/*
 * Shape checks for JSON-RPC messages that are either already validated by
 * the SDK (arriving), built by it (leaving), or about to be handed to it. Its
 * own is* guards re-run zod, and a failed parse, the usual outcome of asking
 * "is this a response?" of a request, costs more than the tool call beside it.
 */

export type JSONRPCRequestLike = { jsonrpc?: '2.0'; id: RequestId; method: string; params?: unknown };

export function isRequest(message: unknown): message is JSONRPCRequestLike {
  if (typeof message !== 'object' || message === null) return false;
  const { method, id } = message as { method?: unknown; id?: unknown };
  return typeof method === 'string' && (typeof id === 'string' || typeof id === 'number');
}

export function isResponse(message: unknown): message is { id: RequestId; result?: unknown; error?: unknown } {
  return typeof message === 'object' && message !== null && !('method' in message) && ('result' in message || 'error' in message);
}

export function isInitialize(message: unknown): message is { method: 'initialize'; params?: unknown; id?: unknown } {
  return typeof message === 'object' && message !== null && (message as { method?: unknown }).method === 'initialize';
}
