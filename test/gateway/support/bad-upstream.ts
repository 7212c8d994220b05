/**
 * An upstream that completes a normal handshake and then misbehaves on
 * purpose (garbage, the wrong content type, 500s, hangs): a real HTTP server
 * on loopback. Counts the requests it got after the handshake (pings and the
 * tool listing are answered normally and not counted).
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import { freePort } from '../../../harness/ports.js';

export type Mode = 'garbage-json' | 'garbage-sse' | 'html' | '500' | '500-rpc' | 'hang' | 'endless-json' | 'endless-sse';

/** What the endless modes have written when the gateway hung up (or when they gave up, at 64 MiB). */
export const ENDLESS_LIMIT = 64 * 1024 * 1024;

const servers: Server[] = [];

export function closeBadUpstreams(): void {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
}

/** Writes `chunk` until the reader hangs up (or ENDLESS_LIMIT), then reports how much went out. */
function endless(res: ServerResponse, chunk: string, done: (bytes: number) => void): void {
  let bytes = 0;
  const more = () => {
    while (bytes < ENDLESS_LIMIT && !res.destroyed) {
      bytes += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', more);
    }
    done(bytes);
    res.end();
  };
  res.once('close', () => done(bytes));
  more();
}

export async function badUpstream(mode: Mode): Promise<{ url: string; calls: () => number; written: Promise<number> }> {
  let calls = 0;
  let wrote!: (bytes: number) => void;
  const written = new Promise<number>((resolve) => (wrote = resolve));
  const server = createServer((req, res: ServerResponse) => {
    if (req.method !== 'POST') return void res.writeHead(405).end();
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      const message = JSON.parse(raw) as { id?: number | string; method: string };
      if (message.method === 'initialize') {
        const result = { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'bad', version: '1' } };
        return void res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'bad-session' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
      }
      if (message.id === undefined) return void res.writeHead(202).end();
      // The gateway pings a new session to learn that the upstream has read its standalone GET: a normal answer.
      if (message.method === 'ping') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result: {} }));
      if (message.method === 'tools/list') {
        const tools = [{ name: 'write', inputSchema: { type: 'object' } }];
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result: { tools } }));
      }
      calls++;
      switch (mode) {
        case 'garbage-json':
          return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"jsonrpc": "2.0", "id": ');
        case 'garbage-sse':
          return void res.writeHead(200, { 'content-type': 'text/event-stream' }).end('event: message\ndata: this is not json\n\n');
        case 'html':
          return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login page</html>');
        case '500':
          return void res.writeHead(500, { 'content-type': 'text/plain' }).end('upstream exploded');
        case '500-rpc':
          return void res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, error: { code: -32603, message: 'tool crashed' } }));
        case 'hang':
          return; // never answers
        case 'endless-json':
          // A JSON answer that never ends: a string value that goes on and on.
          res.writeHead(200, { 'content-type': 'application/json' }).write(`{"jsonrpc":"2.0","id":${JSON.stringify(message.id)},"result":{"content":[{"type":"text","text":"`);
          return endless(res, 'x'.repeat(64 * 1024), wrote);
        case 'endless-sse':
          // One SSE event whose data line never ends.
          res.writeHead(200, { 'content-type': 'text/event-stream' }).write('id: 1\nevent: message\ndata: {"jsonrpc":"2.0","result":"');
          return endless(res, 'y'.repeat(64 * 1024), wrote);
      }
    });
  });
  servers.push(server);
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}/mcp`, calls: () => calls, written };
}

