/**
 * Target (b): what users run today. The SDK's documented stateful pattern:
 * one McpServer + WebStandardStreamableHTTPServerTransport per session, kept
 * in a Map keyed by Mcp-Session-Id, in memory only (a restart loses every
 * session). SSE responses, as the SDK defaults.
 */
import { randomUUID } from 'node:crypto';
import { isInitializeRequest, McpServer, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import { registerEcho } from '../echo-app.js';
import { serve, webListener } from './listen.js';

const transports = new Map<string, WebStandardStreamableHTTPServerTransport>();

const jsonError = (status: number, code: number, message: string): Response =>
  new Response(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }), {
    status,
    headers: { 'content-type': 'application/json' },
  });

async function handle(request: Request): Promise<Response> {
  const sessionId = request.headers.get('mcp-session-id');
  if (sessionId) {
    const transport = transports.get(sessionId);
    return transport ? transport.handleRequest(request) : jsonError(404, -32001, 'Session not found');
  }
  if (request.method !== 'POST') return jsonError(400, -32000, 'Bad Request: Mcp-Session-Id header is required');
  const body: unknown = await request.json();
  if (!isInitializeRequest(body)) return jsonError(400, -32000, 'Bad Request: Mcp-Session-Id header is required');
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: () => randomUUID(),
    onsessioninitialized: (id) => {
      transports.set(id, transport);
    },
  });
  transport.onclose = () => {
    if (transport.sessionId) transports.delete(transport.sessionId);
  };
  const server = new McpServer({ name: 'sdk-legacy-bench', version: '1.0.0' });
  registerEcho(server);
  await server.connect(transport);
  return transport.handleRequest(request, { parsedBody: body });
}

serve(webListener(handle), 'sdk-legacy');
