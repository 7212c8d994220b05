import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, sql } from '../support/postgres.js';
import { messagesOf, post } from '../support/http.js';
import { SseReader } from '../support/sse-reader.js';
import { startServer, type ServerProcess } from '../support/server-process.js';

const V = '2025-11-25';
const call = (id: number, name: string, args: Record<string, unknown>) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });

async function openSessionWithCapabilities(url: string): Promise<string> {
  const res = await post(url, {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: V, capabilities: { sampling: {}, elicitation: { form: {} } }, clientInfo: { name: 'cluster-client', version: '1' } },
  });
  await res.text();
  const id = res.headers.get('mcp-session-id')!;
  await (await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, { sessionId: id, protocolVersion: V })).text();
  return id;
}

function openStandalone(url: string, sessionId: string, abort: AbortController): Promise<Response> {
  return fetch(url, { headers: { accept: 'text/event-stream', 'mcp-session-id': sessionId, 'mcp-protocol-version': V }, signal: abort.signal });
}

describe('cross-instance delivery through PostgreSQL', () => {
  const servers: ServerProcess[] = [];
  const aborts: AbortController[] = [];
  let a: ServerProcess, b: ServerProcess, c: ServerProcess;
  let drop: (() => Promise<void>) | undefined;
  let dbUrl: string;
  before(async () => {
    const db = await createTestDatabase();
    drop = db.drop;
    dbUrl = db.url;
    // One deployment of three instances (a differing deployment id would rightly trigger upgrade notices).
    const start = () => startServer({ store: db.url, deploymentId: 'dep-cluster' });
    [a, b, c] = await Promise.all([start(), start(), start()]);
    servers.push(a, b, c);
  });
  after(async () => {
    for (const x of aborts) x.abort();
    await Promise.all(servers.map((s) => s.kill('SIGKILL')));
    await drop?.();
  });

  test('sampling and elicitation: request on A, standalone stream on B, reply to C', async () => {
    const session = await openSessionWithCapabilities(a.url);
    const abort = new AbortController();
    aborts.push(abort);
    const stream = await openStandalone(b.url, session, abort);
    assert.equal(stream.status, 200);
    const onB = new SseReader(stream);

    for (const [tool, args, method, reply, expected] of [
      ['sample_standalone', { prompt: 'hi' }, 'sampling/createMessage', { role: 'assistant', content: { type: 'text', text: 'hello from the client' }, model: 'test-model' }, 'sampled: hello from the client'],
      ['elicit_standalone', { question: 'answer?' }, 'elicitation/create', { action: 'accept', content: { answer: '42' } }, 'elicited: accept:42'],
    ] as const) {
      const pending = post(a.url, call(10, tool, args), { sessionId: session, protocolVersion: V });
      const request = await onB.next((m) => m.method === method);
      assert.match(String(request.id), /~n:\d+$/, 'the request id names the waiting instance');
      const ack = await post(c.url, { jsonrpc: '2.0', id: request.id, result: reply }, { sessionId: session, protocolVersion: V });
      assert.equal(ack.status, 202);
      const messages = await messagesOf(await pending);
      const result = messages.find((m) => m.id === 10) as { result: { content: Array<{ text: string }> } };
      assert.equal(result.result.content[0]!.text, expected);
    }
  });

  test('a notification produced on C reaches the standalone stream held by B, exactly once, and no other session', async () => {
    const session = await openSessionWithCapabilities(a.url);
    const other = await openSessionWithCapabilities(a.url);
    const abort = new AbortController();
    aborts.push(abort);
    const onB = new SseReader(await openStandalone(b.url, session, abort));
    const onA = new SseReader(await openStandalone(a.url, other, abort));
    await new Promise((r) => setTimeout(r, 200));
    const res = await post(c.url, call(3, 'notify_standalone', { text: 'hello across instances' }), { sessionId: session, protocolVersion: V });
    await messagesOf(res);
    await onB.next((m) => m.method === 'notifications/message' && (m.params as { data: string }).data === 'hello across instances');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(onB.messages.filter((m) => m.method === 'notifications/message').length, 1, `delivered exactly once: ${JSON.stringify(onB.ids)} ${JSON.stringify(onB.messages)}`);
    assert.equal(onA.messages.length, 0, 'nothing for the other session');
  });

  test('a DELETE on A is honoured by B and C at once', async () => {
    const session = await openSessionWithCapabilities(a.url);
    for (const s of [b, c]) {
      const warm = await post(s.url, { jsonrpc: '2.0', id: 1, method: 'ping' }, { sessionId: session, protocolVersion: V });
      assert.equal(warm.status, 200, 'B and C hold it live');
      await warm.text();
    }
    const del = await fetch(a.url, { method: 'DELETE', headers: { 'mcp-session-id': session } });
    assert.equal(del.status, 200);
    for (const s of [b, c]) {
      const res = await post(s.url, { jsonrpc: '2.0', id: 2, method: 'ping' }, { sessionId: session, protocolVersion: V });
      assert.equal(res.status, 404, 'no window after the DELETE returned');
      await res.text();
    }
  });

  test('2026-07-28 subscriptions/listen fan-out: a change published on A reaches a listen stream on B', async () => {
    const meta = {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientInfo': { name: 'modern-listener', version: '1' },
      'io.modelcontextprotocol/clientCapabilities': {},
    };
    const headers = (method: string, name?: string) => ({ 'mcp-protocol-version': '2026-07-28', 'mcp-method': method, ...(name && { 'mcp-name': name }) });
    const abort = new AbortController();
    aborts.push(abort);
    const listen = await fetch(b.url, {
      method: 'POST',
      signal: abort.signal,
      headers: { accept: 'application/json, text/event-stream', 'content-type': 'application/json', ...headers('subscriptions/listen') },
      body: JSON.stringify({ jsonrpc: '2.0', id: 'listen-1', method: 'subscriptions/listen', params: { notifications: { toolsListChanged: true }, _meta: meta } }),
    });
    assert.equal(listen.status, 200);
    const onB = new SseReader(listen);
    await onB.next((m) => m.method === 'notifications/subscriptions/acknowledged');
    const res = await post(a.url, { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'announce_tools_changed', arguments: {}, _meta: meta } }, { headers: headers('tools/call', 'announce_tools_changed') });
    assert.equal(res.status, 200);
    await res.text();
    await onB.next((m) => m.method === 'notifications/tools/list_changed');
  });
});
