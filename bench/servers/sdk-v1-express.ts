/**
 * Target (g): what most servers in the wild are written from. The SDK v1
 * README's stateful Streamable HTTP example, as it is: an Express app from
 * the SDK's createMcpExpressApp (JSON body parser, DNS-rebinding guard), one
 * McpServer + StreamableHTTPServerTransport per session in a plain object keyed
 * by Mcp-Session-Id, in memory only. SSE responses, the SDK's default.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { serve } from './listen.js';

/** The slice of Express this example touches (the SDK's typings name `express`, whose types are not installed). */
type Request = IncomingMessage & { body: unknown };
type Response = ServerResponse & { status(code: number): { json(body: unknown): void } };
interface ExpressApp extends RequestListener {
  post(path: string, handler: (req: Request, res: Response) => Promise<void>): void;
  get(path: string, handler: (req: Request, res: Response) => Promise<void>): void;
  delete(path: string, handler: (req: Request, res: Response) => Promise<void>): void;
}

function getServer(): McpServer {
  const server = new McpServer({ name: 'sdk-v1-express-bench', version: '1.0.0' });
  // The same tool, description, schema and handler as echo-app.ts (which registers on the v2 McpServer).
  server.registerTool(
    'echo',
    { description: 'Echo text back.', inputSchema: { text: z.string() }, annotations: { readOnlyHint: true } },
    async ({ text }) => ({ content: [{ type: 'text', text }] }),
  );
  return server;
}

const transports: Record<string, StreamableHTTPServerTransport> = {};
const app = createMcpExpressApp() as ExpressApp;

app.post('/mcp', async (req, res) => {
  const sessionId = req.headers['mcp-session-id'] as string | undefined;
  let transport: StreamableHTTPServerTransport;
  if (sessionId && transports[sessionId]) {
    transport = transports[sessionId];
  } else if (!sessionId && isInitializeRequest(req.body)) {
    transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        transports[id] = transport;
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) delete transports[transport.sessionId];
    };
    await getServer().connect(transport);
  } else {
    res.status(400).json({ jsonrpc: '2.0', error: { code: -32000, message: 'Bad Request: No valid session ID provided' }, id: null });
    return;
  }
  await transport.handleRequest(req, res, req.body);
});

const sessionRequest = async (req: Request, res: Response): Promise<void> => {
  const sessionId = req.headers['mcp-session-id'] as string | undefined;
  const transport = sessionId ? transports[sessionId] : undefined;
  if (!transport) {
    res.status(400).json({ jsonrpc: '2.0', error: { code: -32000, message: 'Invalid or missing session ID' }, id: null });
    return;
  }
  await transport.handleRequest(req, res);
};
app.get('/mcp', sessionRequest);
app.delete('/mcp', sessionRequest);

serve(app, 'sdk-v1-express');
