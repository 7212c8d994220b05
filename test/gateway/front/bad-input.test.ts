/**
 * Bad input at the gateway's front gets exactly what `serve` gives it: the
 * same HTTP status, JSON-RPC code and stable error code, side by side, for
 * every kind of bad request a client can send (both eras). The front is the
 * same runtime; this keeps it so.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { killAll } from '../../../harness/process.js';
import { startInProcess, type InProcess } from '../../support/in-process.js';
import { openSession, post } from '../../support/http.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';
import { startGateway, type InProcessGateway } from '../support/in-process.js';
import { UpstreamFixture } from '../support/upstreams.js';

after(killAll);

interface Answer {
  status: number;
  rpc: number | undefined;
  code: unknown;
}

async function answerOf(response: Response): Promise<Answer> {
  const text = await response.text();
  let body: { error?: { code?: number; data?: { code?: unknown } } } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // A body that is not JSON compares by status alone (and fails the JSON check below).
  }
  return { status: response.status, rpc: body.error?.code, code: body.error?.data?.code };
}

const UNKNOWN_ID = 'A'.repeat(43);
const MODERN_META = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' };

/** Each case sends one bad request to `url`; `session` is a live session there. */
const CASES: Array<[string, (url: string, session: string) => Promise<Response>]> = [
  ['text/plain body', (url) => fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain', accept: 'application/json, text/event-stream' }, body: 'hi' })],
  ['malformed JSON', (url, session) => post(url, '{"jsonrpc": "2.0", "id": 1, "method": ', { sessionId: session })],
  ['a JSON value that is not a message', (url, session) => post(url, '42', { sessionId: session })],
  ['not JSON-RPC', (url, session) => post(url, { hello: 'world' }, { sessionId: session })],
  ['a request without a session', (url) => post(url, { jsonrpc: '2.0', id: 1, method: 'tools/list' })],
  ['an unknown session', (url) => post(url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { sessionId: UNKNOWN_ID })],
  ['a session id of the wrong shape', (url) => post(url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { sessionId: 'nope' })],
  ['PUT', (url) => fetch(url, { method: 'PUT' })],
  ['a body over the limit', (url, session) => post(url, { jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(70_000) } }, { sessionId: session })],
  ['initialize in a batch', (url) => post(url, [{ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }, { jsonrpc: '2.0', id: 2, method: 'ping' }])],
  ['initialize without params', (url) => post(url, { jsonrpc: '2.0', id: 1, method: 'initialize' })],
  ['a NUL in initialize params', (url) => post(url, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'a\u0000b', version: '1' } } })],
  ['a batch on a 2025-11-25 session', (url, session) => post(url, [{ jsonrpc: '2.0', id: 1, method: 'ping' }, { jsonrpc: '2.0', id: 2, method: 'ping' }], { sessionId: session, protocolVersion: '2025-11-25' })],
  ['a wrong protocol version header', (url, session) => post(url, { jsonrpc: '2.0', id: 1, method: 'ping' }, { sessionId: session, protocolVersion: '1999-01-01' })],
  ['a 2026-07-28 request without client info', (url) => post(url, { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: MODERN_META } }, { protocolVersion: '2026-07-28' })],
  ['a 2026-07-28 request for a method of the other era', (url) => post(url, { jsonrpc: '2.0', id: 1, method: 'logging/setLevel', params: { level: 'info', _meta: { ...MODERN_META, 'io.modelcontextprotocol/clientInfo': { name: 'c', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} } } }, { protocolVersion: '2026-07-28' })],
  ['an unknown path', (url) => fetch(url.replace(/\/mcp$/, '/nope'))],
];

describe('bad input at the gateway front gets what serve gives it', { timeout: 300_000 }, () => {
  let db: TestDatabase;
  let upstream: UpstreamFixture;
  let served: InProcess;
  let gateway: InProcessGateway;
  let sessions: { served: string; gateway: string };
  before(async () => {
    db = await createTestDatabase();
    upstream = await UpstreamFixture.start('sdk-v1-express');
    served = await startInProcess({ store: db.url, maxBodyBytes: 64 * 1024 });
    gateway = await startGateway({ store: db.url, maxBodyBytes: 64 * 1024, upstreams: [{ url: upstream.url }] });
    sessions = { served: await openSession(served.url), gateway: await openSession(gateway.url) };
  });
  after(async () => {
    await gateway?.close();
    await served?.close();
    await upstream?.dispose();
    await db?.drop();
  });

  for (const [name, send] of CASES) {
    it(name, async () => {
      const fromServe = await answerOf(await send(served.url, sessions.served));
      const fromGateway = await answerOf(await send(gateway.url, sessions.gateway));
      assert.ok(fromServe.status >= 400 && fromServe.status < 500, `serve answers a 4xx (${fromServe.status})`);
      assert.deepEqual(fromGateway, fromServe);
    });
  }

  it('the gateway still serves afterwards', async () => {
    const response = await post(gateway.url, { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'echo', arguments: { text: 'fine' } } }, { sessionId: sessions.gateway, protocolVersion: '2025-11-25' });
    assert.match(await response.text(), /fine/);
  });
});
