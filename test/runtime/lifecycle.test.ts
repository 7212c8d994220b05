/**
 * One owner of start and close (issue #12): a failed start closes what it
 * opened; a closed server serves nothing, whoever opened the store; and each
 * session transition is logged and counted exactly once.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createDurableServer, defineApp, openStore, type Store } from '../../src/index.js';
import { internalsOf } from '../../src/runtime/internals.js';
import { createMetrics } from '../../src/runtime/ops/metrics.js';
import { isTransition, type SessionState } from '../../src/runtime/sessions/states.js';
import { testApp } from '../fixtures/test-app.js';
import { metric, openSession, post } from '../support/http.js';
import { startInProcess } from '../support/in-process.js';
import { createTestDatabase, tempDir, type TestDatabase } from '../support/postgres.js';

const dirs: string[] = [];
const databases: TestDatabase[] = [];
after(async () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  for (const db of databases) await db.drop();
});

function pgliteDir(): string {
  const dir = tempDir('dmcp-lifecycle');
  dirs.push(dir);
  return dir;
}

describe('start and close have one owner', () => {
  test('a start that fails (a broken migration) closes the store it opened: the directory opens again at once', async () => {
    const dir = pgliteDir();
    const broken = defineApp({ ...testApp, name: 'broken', migrations: [{ version: 1, name: 'oops', sql: 'CREATE TABLE oops (' }] });
    await assert.rejects(createDurableServer({ app: broken, store: `pglite:${dir}` }), (error: Error & { code?: string }) => error.code === 'MIGRATION_FAILED');
    // Before the fix the failed start kept the directory's lock: STORE_LOCKED here.
    const store = await openStore({ url: `pglite:${dir}` });
    await store.close();
  });

  test('a closed server serves nothing, also when the caller opened the store', async () => {
    const store: Store = await openStore({ url: `pglite:${pgliteDir()}` });
    try {
      const s = await startInProcess({ store });
      const session = await openSession(s.url);
      const fetch = s.server.fetch;
      await s.server.close();
      const init = await fetch(
        new Request('http://127.0.0.1/mcp', {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'late', version: '1' } } }),
        }),
      );
      assert.equal(init.status, 503);
      const body = (await init.json()) as { error: { data: { code: string } } };
      assert.equal(body.error.data.code, 'SERVER_CLOSED');
      const existing = await fetch(
        new Request('http://127.0.0.1/mcp', {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }),
        }),
      );
      assert.equal(existing.status, 503);
      assert.equal(internalsOf(s.server).sessions.liveCount, 0, 'nothing was rebuilt');
      assert.equal(s.events('session_rehydrated').length, 0);
      // The store is the caller's: still open and usable.
      assert.ok(await store.sessions.get(session));
    } finally {
      await store.close();
    }
  });
});

describe('session transitions', () => {
  test('the transition table: ended states are final, and every state can be reached', () => {
    const states: SessionState[] = ['stored', 'creating', 'rebuilding', 'live', 'stale', 'evicted', 'expired', 'terminated', 'closed', 'failed'];
    for (const end of ['evicted', 'expired', 'terminated', 'closed', 'failed'] as const) {
      assert.ok(states.every((to) => !isTransition(end, to)), `${end} is final`);
    }
    for (const to of states.filter((s) => s !== 'stored' && s !== 'creating')) {
      assert.ok(states.some((from) => isTransition(from, to)), `${to} is reachable`);
    }
    assert.ok(!isTransition('creating', 'rebuilding'));
    assert.ok(!isTransition('stored', 'live'), 'a stored session is rebuilt before it serves');
  });

  test('each transition is logged and counted once, on the instance where it happens', async () => {
    const db = await createTestDatabase();
    databases.push(db);
    const logs: Array<Record<string, unknown>> = [];
    const sink = () =>
      new Writable({
        write(chunk: Buffer, _enc, done) {
          for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
          done();
        },
      });
    const start = (instanceId: string) =>
      startInProcess({
        store: db.url,
        instanceId,
        metrics: createMetrics({ defaultMetrics: false }),
        logger: pino({ level: 'debug', base: { instanceId } }, sink()),
        sessions: { maxLive: 1 },
      });
    const a = await start('inst-a');
    const b = await start('inst-b');
    try {
      const first = await openSession(a.url);
      const second = await openSession(a.url); // evicts `first` from a's live cache (maxLive 1)
      const ping = (url: string, id: string) => post(url, { jsonrpc: '2.0', id: 'p', method: 'ping' }, { sessionId: id, protocolVersion: '2025-11-25' });
      assert.equal((await ping(b.url, first)).status, 200); // rebuilt on b
      const deleted = await post(a.url, '', { method: 'DELETE', sessionId: first, protocolVersion: '2025-11-25' });
      assert.equal(deleted.status, 200);
      assert.equal((await ping(b.url, first)).status, 404, 'b saw the termination');

      const of = (instanceId: string, event: string, sessionId: string) =>
        logs.filter((l) => l.instanceId === instanceId && l.event === event && l.sessionId === sessionId);
      assert.equal(of('inst-a', 'session_created', first).length, 1);
      assert.equal(of('inst-a', 'session_created', second).length, 1);
      assert.equal(of('inst-a', 'session_evicted', first).length, 1);
      assert.equal(of('inst-b', 'session_rehydrated', first).length, 1);
      assert.deepEqual(of('inst-a', 'session_terminated', first).map((l) => [l.from, l.by]), [['stored', 'client']]);
      assert.deepEqual(of('inst-b', 'session_terminated', first).map((l) => [l.from, l.by]), [['live', 'elsewhere']]);

      const metricsOf = async (s: typeof a) => (await s.server.metrics.registry.metrics()).toString();
      const ma = await metricsOf(a);
      const mb = await metricsOf(b);
      assert.equal(metric(ma, 'durable_mcp_session_transitions_total{from="creating",to="live"}'), 2);
      assert.equal(metric(ma, 'durable_mcp_session_transitions_total{from="live",to="evicted"}'), 1);
      assert.equal(metric(ma, 'durable_mcp_session_transitions_total{from="stored",to="terminated"}'), 1);
      assert.equal(metric(ma, 'durable_mcp_sessions_terminated_total'), 1);
      assert.equal(metric(mb, 'durable_mcp_session_transitions_total{from="rebuilding",to="live"}'), 1);
      assert.equal(metric(mb, 'durable_mcp_session_transitions_total{from="live",to="terminated"}'), 1);
      assert.equal(metric(mb, 'durable_mcp_sessions_terminated_total'), 0, 'a termination is counted where the DELETE arrived');
    } finally {
      await a.close();
      await b.close();
    }
    const closedOnA = logs.filter((l) => l.instanceId === 'inst-a' && l.event === 'session_closed');
    assert.equal(closedOnA.length, 1, 'the one session still live on a closed with it');
  });
});
