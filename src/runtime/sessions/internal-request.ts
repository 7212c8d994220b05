import type { AuthInfo, JSONRPCMessage, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';

/**
 * Requests the runtime itself sends into a session's SDK transport (handshake
 * replay, catalogue listing), through the same public `handleRequest` a
 * client's request takes. Their ids start with `durable-mcp/` so they are
 * never mistaken for a client's.
 */
/** The session a runtime request goes to. */
export interface InternalTarget {
  id: string;
  protocolVersion: string;
  transport: WebStandardStreamableHTTPServerTransport;
}

export function internalRequest(
  target: InternalTarget,
  message: JSONRPCMessage,
  /** False for initialize, which carries no session headers. */
  withSession: boolean,
  authInfo: AuthInfo | undefined,
): Promise<Response> {
  const headers: Record<string, string> = {
    accept: 'application/json, text/event-stream',
    'content-type': 'application/json',
  };
  if (withSession) {
    headers['mcp-session-id'] = target.id;
    headers['mcp-protocol-version'] = target.protocolVersion;
  }
  // The body travels as parsedBody; the Request only carries headers for the transport's checks.
  const request = new Request('http://durable-mcp.internal/mcp', { method: 'POST', headers });
  return target.transport.handleRequest(request, { parsedBody: message, ...(authInfo && { authInfo }) });
}

/** The JSON-RPC response in a (JSON or SSE) body: `{ result }` or `{ error }`, or undefined when there is none. */
export async function responseOf(response: Response): Promise<{ result?: Record<string, unknown>; error?: { message: string } } | undefined> {
  const text = await response.text();
  const payloads = (response.headers.get('content-type') ?? '').includes('text/event-stream')
    ? text
        .split('\n')
        .filter((line) => line.startsWith('data: ') && line.length > 7)
        .map((line) => line.slice(6))
    : [text];
  for (const payload of payloads.reverse()) {
    try {
      const message = JSON.parse(payload) as { result?: Record<string, unknown>; error?: { message: string } };
      if (message.result !== undefined || message.error !== undefined) return message;
    } catch {
      // not JSON: keep looking
    }
  }
  return undefined;
}
