import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseApiKeys } from '../../src/runtime/auth/api-keys.js';
import { startInProcess, type InProcess } from '../support/in-process.js';
import { messagesOf, openSession, post } from '../support/http.js';

const ALICE = { authorization: 'Bearer alice-secret-key-0001' };
const BOB = { authorization: 'Bearer bob-secret-key-000002' };
const call = (id: number, name: string, args: Record<string, unknown> = {}) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args },
});

async function errorOf(res: Response): Promise<{ code: number; message: string; data?: Record<string, unknown> }> {
  const body = (await res.json()) as { error: { code: number; message: string; data?: Record<string, unknown> } };
  return body.error;
}

describe('legacy session rejections', () => {
  let s: InProcess;
  before(async () => {
    s = await startInProcess({
      apiKeys: parseApiKeys('alice:alice-secret-key-0001,bob:bob-secret-key-000002', 'test', /,/),
      deploymentId: 'dep-test',
      sessions: { idleTimeoutMs: 60_000 },
    });
  });
  after(() => s.close());

  test('a request without a session id gets 400 and says what to do', async () => {
    const res = await post(s.url, call(1, 'echo', { text: 'x' }), { headers: ALICE });
    assert.equal(res.status, 400);
    const error = await errorOf(res);
    assert.match(error.message, /Mcp-Session-Id header is required/);
    assert.equal(error.data?.code, 'SESSION_REQUIRED');
  });

  test('an unknown id gets 404 naming the reason, the action and the deployment', async () => {
    const res = await post(s.url, call(1, 'echo', { text: 'x' }), { headers: ALICE, sessionId: 'A'.repeat(43) });
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('x-deployment-id'), 'dep-test');
    const error = await errorOf(res);
    assert.equal(error.code, -32001);
    assert.equal(error.data?.reason, 'unknown');
    assert.equal(error.data?.action, 'reinitialize');
    assert.equal(error.data?.deploymentId, 'dep-test');
  });

  test("another principal's session looks exactly like an unknown one", async () => {
    const id = await openSession(s.url, ALICE);
    const mine = await post(s.url, call(2, 'echo', { text: 'mine' }), { headers: ALICE, sessionId: id });
    assert.equal(mine.status, 200);
    await mine.text();
    const theirs = await post(s.url, call(3, 'echo', { text: 'theirs' }), { headers: BOB, sessionId: id });
    const unknown = await post(s.url, call(3, 'echo', { text: 'theirs' }), { headers: BOB, sessionId: 'B'.repeat(43) });
    assert.equal(theirs.status, 404);
    assert.deepEqual(await theirs.json(), await unknown.json(), 'same body: no existence oracle');
    const deleted = await fetch(s.url, { method: 'DELETE', headers: { ...BOB, 'mcp-session-id': id } });
    assert.equal(deleted.status, 404, 'bob cannot terminate alice\'s session either');
    const still = await post(s.url, call(4, 'echo', { text: 'still mine' }), { headers: ALICE, sessionId: id });
    assert.equal(still.status, 200);
    await still.text();
    assert.ok(s.events('session_rejected').some((l) => l.reason === 'wrong_principal'), 'the log says what really happened');
  });

  test('DELETE terminates: the id then gets 404 terminated, and a second DELETE too', async () => {
    const id = await openSession(s.url, ALICE);
    const del = await fetch(s.url, { method: 'DELETE', headers: { ...ALICE, 'mcp-session-id': id } });
    assert.equal(del.status, 200);
    const res = await post(s.url, call(5, 'echo', { text: 'x' }), { headers: ALICE, sessionId: id });
    assert.equal(res.status, 404);
    assert.equal((await errorOf(res)).data?.reason, 'terminated');
    const again = await fetch(s.url, { method: 'DELETE', headers: { ...ALICE, 'mcp-session-id': id } });
    assert.equal(again.status, 404);
  });

  test('a modern (2026-07-28) request is served with no session', async () => {
    const res = await post(
      s.url,
      {
        jsonrpc: '2.0',
        id: 9,
        method: 'tools/call',
        params: {
          name: 'whoami',
          arguments: {},
          _meta: {
            'io.modelcontextprotocol/protocolVersion': '2026-07-28',
            'io.modelcontextprotocol/clientInfo': { name: 'modern-raw', version: '1' },
            'io.modelcontextprotocol/clientCapabilities': {},
          },
        },
      },
      { headers: { ...ALICE, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'whoami' } },
    );
    const text = await res.text();
    assert.equal(res.status, 200, text);
    assert.equal(res.headers.get('mcp-session-id'), null);
    const who = /\\"era\\":\\"(\w+)\\"/.exec(text);
    assert.equal(who?.[1], 'modern', text);
    assert.match(text, /\\"principal\\":\\"alice\\"/);
  });
});

describe('expiry', () => {
  let s: InProcess;
  before(async () => {
    s = await startInProcess({ sessions: { idleTimeoutMs: 1500, activityFlushMs: 100, sweepIntervalMs: 60_000 } });
  });
  after(() => s.close());

  test('an idle session expires (404 expired); activity keeps one alive', async () => {
    const idle = await openSession(s.url);
    const busy = await openSession(s.url);
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const res = await post(s.url, call(i, 'echo', { text: 'keepalive' }), { sessionId: busy });
      assert.equal(res.status, 200);
      await res.text();
    }
    const res = await post(s.url, call(10, 'echo', { text: 'x' }), { sessionId: idle });
    assert.equal(res.status, 404);
    assert.equal((await errorOf(res)).data?.reason, 'expired');
    const alive = await post(s.url, call(11, 'echo', { text: 'x' }), { sessionId: busy });
    assert.equal(alive.status, 200);
    const [msg] = await messagesOf(alive);
    assert.ok(msg && 'result' in msg);
  });
});
