/**
 * Defects found by outside testing (issue #11), each pinned by the request
 * that used to trigger it. Every case must end in the spec's status and a
 * readable body, with the server still serving afterwards.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { internalsOf } from '../../src/runtime/internals.js';
import { startInProcess, type InProcess } from '../support/in-process.js';
import { JSON_AND_SSE, messagesOf, openSession, post } from '../support/http.js';

describe('hardening: requests that once answered 500 or hung', () => {
  let s: InProcess;
  let session: string;
  before(async () => {
    s = await startInProcess();
    session = await openSession(s.url);
  });
  after(() => s.close());

  const stillServes = async () => {
    const res = await post(s.url, { jsonrpc: '2.0', id: 'alive', method: 'ping' }, { sessionId: session, protocolVersion: '2025-11-25' });
    assert.equal(res.status, 200);
    assert.deepEqual((await messagesOf(res))[0]!.result, {});
  };

  test('a Last-Event-ID we could never have issued is a 400, never a 500', async () => {
    for (const lastEventId of ['_GET_stream:99999999999999999999', '_GET_stream:9223372036854775808', 'a/b:5', 'a b:5', `${'s'.repeat(65)}:1`]) {
      const res = await fetch(s.url, {
        headers: { accept: 'text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25', 'last-event-id': lastEventId },
      });
      assert.equal(res.status, 400, `Last-Event-ID ${JSON.stringify(lastEventId)}`);
      const body = (await res.json()) as { error: { message: string } };
      assert.match(body.error.message, /event ID/i);
    }
    // The largest id that fits is well formed: it replays nothing and opens the stream.
    const controller = new AbortController();
    const ok = await fetch(s.url, {
      headers: { accept: 'text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25', 'last-event-id': '_GET_stream:9223372036854775807' },
      signal: controller.signal,
    });
    assert.equal(ok.status, 200);
    controller.abort();
    await stillServes();
  });

  test('the session health route checks the id shape as /mcp does: a NUL byte is unknown, not a 500', async () => {
    for (const id of ['%00', 'abc%00def', 'x'.repeat(300), '..%2F..%2Fetc']) {
      const res = await fetch(new URL(`/sessions/${id}/health`, s.url));
      assert.equal(res.status, 200, id);
      const body = (await res.json()) as { status: string; sessionId: string };
      assert.equal(body.status, 'unknown');
      assert.ok(body.sessionId.length <= 67, 'the echoed id is truncated');
    }
    const valid = (await (await fetch(new URL(`/sessions/${session}/health`, s.url))).json()) as { status: string };
    assert.equal(valid.status, 'valid');
  });

  test('two concurrent requests reusing one JSON-RPC id: one runs, the other gets a clear error at once', { timeout: 20_000 }, async () => {
    const call = () =>
      post(s.url, { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'sleep', arguments: { ms: 400 } } }, { sessionId: session, protocolVersion: '2025-11-25' });
    const started = Date.now();
    const [a, b] = await Promise.all([call(), call()]);
    const answers = await Promise.all([a, b].map(async (res) => ({ status: res.status, messages: await messagesOf(res) })));
    assert.ok(Date.now() - started < 10_000, 'neither request hangs');
    const ran = answers.find((x) => x.status === 200);
    const refused = answers.find((x) => x.status === 400);
    assert.ok(ran && refused, `statuses: ${answers.map((x) => x.status).join(', ')}`);
    assert.deepEqual((ran.messages.find((m) => m.id === 7)!.result as { content: Array<{ text: string }> }).content[0]!.text, 'slept 400');
    const error = refused.messages[0]!.error as { message: string; data: unknown };
    assert.equal(refused.messages[0]!.id, 7);
    assert.match(error.message, /already in flight/);
    assert.equal((error.data as unknown as { code: string }).code, 'REQUEST_ID_IN_FLIGHT');
    // Nothing is left running, so the id is free again and the session is idle.
    assert.equal(internalsOf(s.server).sessions.peek(session)?.requestsInFlight, 0);
    const again = await call();
    assert.equal(again.status, 200);
    await again.text();
  });

  test('a request the transport refuses (wrong Accept) does not keep its id busy', async () => {
    const body = { jsonrpc: '2.0', id: 'refused-once', method: 'ping' };
    const refused = await fetch(s.url, {
      method: 'POST',
      headers: { accept: 'text/html', 'content-type': 'application/json', 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify(body),
    });
    assert.equal(refused.status, 406);
    await refused.text();
    const res = await post(s.url, body, { sessionId: session, protocolVersion: '2025-11-25' });
    assert.equal(res.status, 200);
    await res.text();
    assert.equal(internalsOf(s.server).sessions.peek(session)?.requestsInFlight, 0);
  });

  test('a NUL character in what a session record keeps (initialize params, a subscription) is a 400, not a store outage', async () => {
    const init = await post(s.url, {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'nul\u0000client', version: '1' } },
    });
    assert.equal(init.status, 400);
    const body = (await init.json()) as { id: number; error: { code: number; message: string } };
    assert.equal(body.id, 1);
    assert.equal(body.error.code, -32602);
    assert.match(body.error.message, /NUL character/);
    const sub = await post(s.url, { jsonrpc: '2.0', id: 2, method: 'resources/subscribe', params: { uri: 'test://a\u0000b' } }, { sessionId: session, protocolVersion: '2025-11-25' });
    assert.equal(sub.status, 400);
    assert.match(((await sub.json()) as { error: { message: string } }).error.message, /NUL character/);
    assert.equal(s.events('request').filter((l) => l.status === 503).length, 0);
    await stillServes();
  });

  test('a malformed session id is logged as presented (truncated), not as "missing"', async () => {
    const presented = `forged-${'y'.repeat(100)}`;
    const res = await post(s.url, { jsonrpc: '2.0', id: 1, method: 'ping' }, { sessionId: presented, protocolVersion: '2025-11-25' });
    assert.equal(res.status, 404);
    await res.text();
    const line = s.events('session_rejected').find((l) => String(l.sessionId).startsWith('forged-'));
    assert.ok(line, JSON.stringify(s.events('session_rejected')));
    assert.equal(line.sessionId, `${presented.slice(0, 64)}...`);
    const missing = await post(s.url, { jsonrpc: '2.0', id: 1, method: 'ping' }, { headers: { accept: JSON_AND_SSE } });
    assert.equal(missing.status, 400);
    await missing.text();
    await stillServes();
  });
});
