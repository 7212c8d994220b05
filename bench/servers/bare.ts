/**
 * Target (a): the ceiling for any Node MCP server. node:http reads the body
 * and answers a fixed JSON-RPC result of the same shape an echo call returns;
 * no parsing, no MCP, no Web-standard Request/Response.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { serve } from './listen.js';

const RESULT = Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'hello' }] } }));

function handle(req: IncomingMessage, res: ServerResponse): void {
  // Drain the body like any real server must before answering on a keep-alive connection.
  req.on('data', () => {});
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': RESULT.length });
    res.end(RESULT);
  });
}

serve(handle, 'bare-node');
