/**
 * What one request line in the log says. The route fills in what only it
 * knows (era, JSON-RPC method, session); the logging middleware writes it.
 */
export interface RequestFields {
  era?: 'legacy' | 'modern';
  rpcMethod?: string;
  sessionId?: string;
  principal?: string;
  /** Set when the route already logged a more specific line (e.g. a rejection). */
  rejection?: string;
}

/** The JSON-RPC method(s) of a parsed body, for logs and metrics: `tools/call`, `batch(3)`, `response`. */
export function rpcMethodOf(body: unknown): string | undefined {
  if (Array.isArray(body)) return `batch(${body.length})`;
  if (typeof body !== 'object' || body === null) return undefined;
  const { method } = body as { method?: unknown };
  if (typeof method === 'string') return method.length <= 64 ? method : 'invalid';
  return 'result' in body || 'error' in body ? 'response' : undefined;
}
