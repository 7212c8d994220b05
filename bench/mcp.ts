/**
 * The wire messages the benchmark sends: raw JSON-RPC over HTTP, built once,
 * so no client library's cost lands on either side of the comparison.
 */
import type { HttpClient, HttpResponse } from './http.js';

export const LEGACY_VERSION = '2025-11-25';
export const MODERN_VERSION = '2026-07-28';
export const ECHO_TEXT = 'hello';

export const LEGACY_ECHO = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'echo', arguments: { text: ECHO_TEXT } },
});

/** A 2026-07-28 request carries its own envelope: version, client info and capabilities in `_meta`. */
export const MODERN_ECHO = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: {
    name: 'echo',
    arguments: { text: ECHO_TEXT },
    _meta: {
      'io.modelcontextprotocol/protocolVersion': MODERN_VERSION,
      'io.modelcontextprotocol/clientInfo': { name: 'durable-mcp-bench', version: '1.0.0' },
      'io.modelcontextprotocol/clientCapabilities': {},
    },
  },
});

const BASE = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

export const legacyHeaders = (sessionId?: string): Record<string, string> => ({
  ...BASE,
  'mcp-protocol-version': LEGACY_VERSION,
  ...(sessionId && { 'mcp-session-id': sessionId }),
});

export const MODERN_HEADERS: Record<string, string> = {
  ...BASE,
  'mcp-protocol-version': MODERN_VERSION,
  'mcp-method': 'tools/call',
  'mcp-name': 'echo',
};

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: LEGACY_VERSION, capabilities: {}, clientInfo: { name: 'durable-mcp-bench', version: '1.0.0' } },
});
const INITIALIZED = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' });

/** A full legacy handshake, as a real client does it: initialize, then the initialized notification. */
export async function openSession(client: HttpClient, url: string): Promise<string> {
  const init = await client.post(url, INITIALIZE, { ...BASE });
  const id = init.headers['mcp-session-id'];
  if (init.status !== 200 || typeof id !== 'string') throw new Error(`initialize failed: HTTP ${init.status}: ${init.body.slice(0, 300)}`);
  const ack = await client.post(url, INITIALIZED, legacyHeaders(id));
  if (ack.status !== 202) throw new Error(`notifications/initialized failed: HTTP ${ack.status}: ${ack.body.slice(0, 300)}`);
  return id;
}

/** The echo call answered with the echoed text (as JSON or inside an SSE `data:` line), not an error. */
export function isEchoResult(body: string): boolean {
  return body.includes(`"text":"${ECHO_TEXT}"`) && !body.includes('"error"');
}

export function expectEcho(res: HttpResponse, what: string): void {
  if (res.status !== 200 || !isEchoResult(res.body)) {
    throw new Error(`${what}: expected an echo result, got HTTP ${res.status}: ${res.body.slice(0, 300)}`);
  }
}

export function callLegacyEcho(client: HttpClient, url: string, sessionId: string): Promise<HttpResponse> {
  return client.post(url, LEGACY_ECHO, legacyHeaders(sessionId));
}

export function callModernEcho(client: HttpClient, url: string): Promise<HttpResponse> {
  return client.post(url, MODERN_ECHO, MODERN_HEADERS);
}
