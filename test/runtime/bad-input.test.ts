import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseApiKeys } from '../../src/runtime/auth/api-keys.js';
import { startInProcess, type InProcess } from '../support/in-process.js';
import { JSON_AND_SSE, messagesOf, openSession, post } from '../support/http.js';

const KEY = { authorization: 'Bearer carol-secret-key-00003' };

/** Every bad request must get its spec status and a readable JSON-RPC error body, and leave the server healthy. */
async function expectError(res: Response, status: number, pattern: RegExp): Promise<void> {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}`);
  const body = (await res.json()) as { jsonrpc: string; error: { message: string } };
  assert.equal(body.jsonrpc, '2.0');
  assert.match(body.error.message, pattern);
}

describe('bad input gets a clear error and loses nothing', () => {
  let s: InProcess;
  let session: string;
  before(async () => {
    s = await startInProcess({ apiKeys: parseApiKeys('carol:carol-secret-key-00003', 'test', /,/), maxBodyBytes: 64 * 1024 });
    session = await openSession(s.url, KEY);
  });
  after(() => s.close());

  test('malformed JSON: 400 parse error', async () => {
    await expectError(await post(s.url, '{"jsonrpc": "2.0", "id": 1, "method": ', { headers: KEY, sessionId: session }), 400, /Parse error/);
  });

  test('a JSON value that is not a message: 400', async () => {
    await expectError(await post(s.url, '42', { headers: KEY, sessionId: session }), 400, /Invalid Request/);
    await expectError(await post(s.url, 'null', { headers: KEY, sessionId: session }), 400, /Invalid Request/);
  });

  test('a message that is not JSON-RPC: 400', async () => {
    await expectError(await post(s.url, { hello: 'world' }, { headers: KEY, sessionId: session }), 400, /Parse error|Invalid|not a valid JSON-RPC message/);
  });

  test('batch arrays are refused on 2025-06-18+ sessions', async () => {
    const batch = [
      { jsonrpc: '2.0', id: 1, method: 'ping' },
      { jsonrpc: '2.0', id: 2, method: 'ping' },
    ];
    await expectError(await post(s.url, batch, { headers: KEY, sessionId: session }), 400, /batches are not part of protocol 2025-11-25/);
    await expectError(await post(s.url, [{ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }, batch[0]], { headers: KEY }), 400, /initialize must be sent alone/);
  });

  test('batches still work on a 2025-03-26 session', async () => {
    const old = await openSession(s.url, KEY, '2025-03-26');
    const res = await post(
      s.url,
      [
        { jsonrpc: '2.0', id: 1, method: 'ping' },
        { jsonrpc: '2.0', id: 2, method: 'ping' },
      ],
      { headers: KEY, sessionId: old, protocolVersion: '2025-03-26' },
    );
    assert.equal(res.status, 200);
    assert.equal((await messagesOf(res)).length, 2);
  });

  test('wrong content type: 415', async () => {
    const res = await fetch(s.url, {
      method: 'POST',
      headers: { ...KEY, accept: JSON_AND_SSE, 'content-type': 'text/plain', 'mcp-session-id': session },
      body: '{"jsonrpc":"2.0","id":1,"method":"ping"}',
    });
    await expectError(res, 415, /Content-Type must be application\/json/);
  });

  test('an Accept that rules out the response: 406, for initialize, a session request and the GET stream', async () => {
    const call = { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' } } };
    const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'picky', version: '1' } } };
    await expectError(await post(s.url, init, { headers: { ...KEY, accept: 'text/plain' } }), 406, /Not Acceptable/);
    await expectError(await post(s.url, call, { headers: { ...KEY, accept: 'application/json' }, sessionId: session, protocolVersion: '2025-11-25' }), 406, /Not Acceptable/);
    const get = await fetch(s.url, { headers: { ...KEY, accept: 'application/json', 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' } });
    await expectError(get, 406, /Not Acceptable/);
    const echoed = await post(s.url, call, { headers: KEY, sessionId: session, protocolVersion: '2025-11-25' });
    assert.equal(echoed.status, 200, 'nothing ran for the refused call: the same id is free');
    await echoed.text();
  });

  test('oversized body: 413', async () => {
    const big = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x'.repeat(100 * 1024) } } };
    await expectError(await post(s.url, big, { headers: KEY, sessionId: session }), 413, /limited to 65536 bytes/);
  });

  test('garbage and oversized session ids: 404 without touching the store', async () => {
    for (const id of ['not-a-session', 'x'.repeat(5000), '../../etc/passwd', 'AAAA\tBBBB']) {
      await expectError(await post(s.url, { jsonrpc: '2.0', id: 1, method: 'ping' }, { headers: KEY, sessionId: id }), 404, /Session not found/);
    }
  });

  test('bad Origin and bad Host: 403', async () => {
    await expectError(await post(s.url, { jsonrpc: '2.0', id: 1, method: 'ping' }, { headers: { ...KEY, origin: 'https://evil.example' }, sessionId: session }), 403, /Origin/);
    const url = new URL(s.url);
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      import('node:http').then(({ request }) => {
        const req = request(
          { host: '127.0.0.1', port: url.port, path: '/mcp', method: 'POST', headers: { ...KEY, host: 'rebind.evil.example', 'content-type': 'application/json', accept: JSON_AND_SSE } },
          (r) => {
            let body = '';
            r.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({ status: r.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        req.end('{"jsonrpc":"2.0","id":1,"method":"ping"}');
      }, reject);
    });
    assert.equal(res.status, 403);
    assert.match(res.body, /Invalid Host/);
  });

  test('missing and wrong credentials: 401 with a challenge, and the token never reaches the log', async () => {
    const missing = await post(s.url, { jsonrpc: '2.0', id: 1, method: 'ping' }, { sessionId: session });
    assert.equal(missing.headers.get('www-authenticate'), 'Bearer realm="durable-mcp"');
    await expectError(missing, 401, /API key/);
    const wrong = await post(s.url, { jsonrpc: '2.0', id: 1, method: 'ping' }, { headers: { authorization: 'Bearer not-the-right-key-at-all' }, sessionId: session });
    assert.match(wrong.headers.get('www-authenticate') ?? '', /invalid_token/);
    await expectError(wrong, 401, /not a valid API key/);
    assert.ok(!JSON.stringify(s.logs).includes('not-the-right-key'), 'no token in logs');
    assert.ok(!JSON.stringify(s.logs).includes('carol-secret'), 'no key in logs');
  });

  test('unsupported method: 405; unknown path: 404', async () => {
    const put = await fetch(s.url, { method: 'PUT', headers: KEY });
    assert.equal(put.headers.get('allow'), 'GET, POST, DELETE');
    await expectError(put, 405, /Method not allowed/);
    await expectError(await fetch(new URL('/nope', s.url), { headers: KEY }), 404, /Not found/);
  });

  test('after all of that the server is healthy and the session works', async () => {
    const health = await fetch(new URL('/healthz', s.url));
    assert.equal(health.status, 200);
    const res = await post(s.url, { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'echo', arguments: { text: 'still here' } } }, { headers: KEY, sessionId: session });
    assert.equal(res.status, 200);
    const [msg] = await messagesOf(res);
    assert.deepEqual((msg as { result: unknown }).result, { content: [{ type: 'text', text: 'still here' }] });
  });
});
