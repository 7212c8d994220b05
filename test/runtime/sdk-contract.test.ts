import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { isLegacyRequest, PROTOCOL_VERSION_META_KEY } from '@modelcontextprotocol/server';
import { isPlainLegacy } from '../../src/runtime/http/mcp-endpoint.js';
import { openStore, type Store } from '../../src/store/index.js';
import { internalsOf } from '../../src/runtime/internals.js';
import type { McpServer } from '@modelcontextprotocol/server';
import { startInProcess, type InProcess } from '../support/in-process.js';
import { messagesOf, openSession, post } from '../support/http.js';

function packageJsonPath(): string {
  for (let dir = new URL('.', import.meta.url); ; dir = new URL('..', dir)) {
    const candidate = new URL('package.json', dir);
    if (existsSync(candidate)) return fileURLToPath(candidate);
    if (dir.pathname === '/') throw new Error('package.json not found');
  }
}

/**
 * Session rebuild replays the handshake through the SDK's public transport
 * API. The SDK offers no supported way to adopt a session, so this file is
 * the tripwire: after an SDK upgrade it fails loudly if a rebuilt session no
 * longer carries everything the original one had.
 */
describe('SDK contract for session rebuild', () => {
  let store: Store;
  const servers: InProcess[] = [];
  after(async () => {
    for (const s of servers) await s.close();
    await store?.close();
  });

  test('the SDK packages are pinned to exact versions', () => {
    const pkg = JSON.parse(readFileSync(packageJsonPath(), 'utf8')) as { dependencies: Record<string, string> };
    for (const name of ['@modelcontextprotocol/server', '@modelcontextprotocol/node', '@modelcontextprotocol/core', '@modelcontextprotocol/client']) {
      assert.match(pkg.dependencies[name] ?? '', /^\d+\.\d+\.\d+$/, `${name} must be pinned exactly`);
    }
  });

  test('a rebuilt session has the original client capabilities, client info, negotiated version and log level', async () => {
    store = await openStore({ url: 'pglite:memory' });
    const first = await startInProcess({ store });
    servers.push(first);
    const capabilities = { sampling: {}, elicitation: { form: {} }, roots: { listChanged: true } };
    const client = new Client({ name: 'contract-client', version: '9.9.9' }, { capabilities, versionNegotiation: { mode: 'legacy' } });
    const transport = new StreamableHTTPClientTransport(new URL(first.url));
    await client.connect(transport);
    await client.setLoggingLevel('warning');
    const id = transport.sessionId!;
    const original = appServerOf(first, id);
    const expected = {
      capabilities: original.getClientCapabilities(),
      version: original.getClientVersion(),
      negotiated: original.getNegotiatedProtocolVersion(),
    };
    assert.equal(expected.negotiated, '2025-11-25');
    await client.close();
    await first.close();

    // A second server on the same store is a fresh process as far as the SDK is concerned.
    const second = await startInProcess({ store });
    servers.push(second);
    const infoRes = await post(second.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'log', arguments: { level: 'info', text: 'filtered' } } }, { sessionId: id, protocolVersion: '2025-11-25' });
    assert.equal(infoRes.status, 200);
    const infoMsgs = await messagesOf(infoRes);
    assert.ok(!infoMsgs.some((m) => m.method === 'notifications/message'), 'info is below the replayed warning level');
    const errRes = await post(second.url, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'log', arguments: { level: 'error', text: 'shown' } } }, { sessionId: id, protocolVersion: '2025-11-25' });
    const errMsgs = await messagesOf(errRes);
    assert.ok(errMsgs.some((m) => m.method === 'notifications/message'), 'error passes the replayed level');

    const rebuilt = internalsOf(second.server).sessions.peek(id)!;
    assert.equal(rebuilt.transport.sessionId, id);
    assert.deepEqual(appServerOf(second, id).getClientCapabilities(), expected.capabilities);
    assert.deepEqual(appServerOf(second, id).getClientVersion(), expected.version);
    assert.equal(appServerOf(second, id).getNegotiatedProtocolVersion(), expected.negotiated);
    assert.equal(second.events('session_rehydrated').length, 1);
  });

  test('the live cache is bounded; evicted sessions are rebuilt on demand', async () => {
    const s = await startInProcess({ sessions: { maxLive: 5 } });
    servers.push(s);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await openSession(s.url));
    assert.ok(internalsOf(s.server).sessions.liveCount <= 5, `live sessions: ${internalsOf(s.server).sessions.liveCount}`);
    const res = await post(s.url, { jsonrpc: '2.0', id: 1, method: 'ping' }, { sessionId: ids[0] });
    assert.equal(res.status, 200);
    await res.text();
    assert.equal(s.events('session_rehydrated').length, 1);
    assert.ok(internalsOf(s.server).sessions.liveCount <= 5);

    // A session with an open standalone stream is busy: filling the cache around it never cuts the stream.
    const pinned = ids[1]!;
    const abort = new AbortController();
    const stream = await fetch(s.url, { headers: { accept: 'text/event-stream', 'mcp-session-id': pinned, 'mcp-protocol-version': '2025-11-25' }, signal: abort.signal });
    assert.equal(stream.status, 200);
    const rebuiltBefore = s.events('session_rehydrated').length;
    for (let i = 0; i < 8; i++) await openSession(s.url);
    assert.ok(internalsOf(s.server).sessions.peek(pinned), 'the streaming session stayed live');
    const ping = await post(s.url, { jsonrpc: '2.0', id: 2, method: 'ping' }, { sessionId: pinned });
    assert.equal(ping.status, 200);
    await ping.text();
    assert.equal(s.events('session_rehydrated').length, rebuiltBefore, 'and was not rebuilt');
    abort.abort();
  });
});

/**
 * The endpoint decides the era of ordinary legacy traffic itself (isPlainLegacy)
 * instead of asking the SDK's classifier every time. Wherever it says "legacy",
 * the SDK must say so too; what it declines goes to the SDK anyway.
 */
describe('SDK contract for the era fast path', () => {
  const request = (headers: Record<string, string> = {}) =>
    new Request('http://127.0.0.1/mcp', { method: 'POST', headers: { 'content-type': 'application/json', ...headers } });
  const legacyCall = { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' } } };
  const modernMeta = {
    [PROTOCOL_VERSION_META_KEY]: '2026-07-28',
    'io.modelcontextprotocol/clientInfo': { name: 'c', version: '1' },
    'io.modelcontextprotocol/clientCapabilities': {},
  };

  test('every message it calls legacy, the SDK calls legacy', async () => {
    const cases: Array<[unknown, Record<string, string>]> = [
      [legacyCall, {}],
      [legacyCall, { 'mcp-protocol-version': '2025-11-25' }],
      [legacyCall, { 'mcp-protocol-version': '2025-03-26', 'mcp-session-id': 'abc' }],
      [{ ...legacyCall, id: 'string-id' }, { 'mcp-protocol-version': '2025-06-18' }],
      [{ jsonrpc: '2.0', method: 'notifications/initialized' }, { 'mcp-protocol-version': '2025-11-25' }],
      [{ jsonrpc: '2.0', id: 1, method: 'ping' }, {}],
      [{ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: { progressToken: 3 } } }, { 'mcp-protocol-version': '2025-11-25' }],
      [{ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } } }, {}],
    ];
    for (const [body, headers] of cases) {
      assert.equal(isPlainLegacy(request(headers), body), true, `fast path: ${JSON.stringify([body, headers])}`);
      assert.equal(await isLegacyRequest(request(headers), body), true, `SDK: ${JSON.stringify([body, headers])}`);
    }
  });

  test('what it declines includes every modern request and every odd shape', async () => {
    const declined: Array<[unknown, Record<string, string>]> = [
      [{ ...legacyCall, params: { ...legacyCall.params, _meta: modernMeta } }, { 'mcp-protocol-version': '2026-07-28' }],
      [{ ...legacyCall, params: { ...legacyCall.params, _meta: modernMeta } }, {}],
      [legacyCall, { 'mcp-protocol-version': '2026-07-28' }],
      [[legacyCall], {}],
      [{ jsonrpc: '2.0', id: 1, result: {} }, {}],
      [{ jsonrpc: '2.0', id: null, method: 'ping' }, {}],
      [{ jsonrpc: '2.0', id: 1.5, method: 'ping' }, {}],
      [{ jsonrpc: '1.0', id: 1, method: 'ping' }, {}],
      [{ jsonrpc: '2.0', id: 1, method: 'ping', params: [1] }, {}],
    ];
    for (const [body, headers] of declined) assert.equal(isPlainLegacy(request(headers), body), false, JSON.stringify([body, headers]));
    // The SDK itself calls the envelope-carrying request modern.
    assert.equal(await isLegacyRequest(request(declined[0]![1]), declined[0]![0]), false);
  });
});

/** The SDK server behind a live session of the test app (its McpServer's low-level Server). */
function appServerOf(s: InProcess, id: string) {
  const backend = internalsOf(s.server).sessions.peek(id)!.backend as unknown as { server: McpServer };
  return backend.server.server;
}
