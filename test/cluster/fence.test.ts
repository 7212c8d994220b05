/**
 * The termination fence (src/runtime/sessions/fence.ts): instances on one
 * PostgreSQL serve cached sessions without a store round trip per request,
 * yet a DELETE on one instance is honoured by every other at once, even by
 * an instance whose notifications have stalled. The stall is real: the
 * PostgreSQL backends of the LISTEN connections are stopped (SIGSTOP), so
 * their sockets stay open and no instance notices anything but silence.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { LISTEN_APPLICATION_NAME } from '../../src/store/postgres/config.js';
import { openSession, post } from '../support/http.js';
import { startInProcess, type InProcess } from '../support/in-process.js';
import { createTestDatabase, sql, type TestDatabase } from '../support/postgres.js';

const V = '2025-11-25';
const LEASE_MS = 1000;

describe('termination fence', () => {
  let db: TestDatabase;
  let a: InProcess, b: InProcess, c: InProcess;
  let stopped: number[] = [];
  before(async () => {
    db = await createTestDatabase();
    const start = () => startInProcess({ store: db.url, deploymentId: 'dep-fence', sessions: { fence: { leaseMs: LEASE_MS } } });
    [a, b, c] = await Promise.all([start(), start(), start()]);
  });
  const resume = () => {
    for (const pid of stopped) process.kill(pid, 'SIGCONT');
    stopped = [];
  };
  afterEach(resume);
  after(async () => {
    resume();
    await Promise.all([a, b, c].map((s) => s?.close()));
    await db?.drop();
  });

  const ping = async (s: InProcess, session: string) => {
    const res = await post(s.url, { jsonrpc: '2.0', id: 'p', method: 'ping' }, { sessionId: session, protocolVersion: V });
    await res.text();
    return res.status;
  };
  /** Freezes every instance's LISTEN connection at the database: open sockets, no notifications, no error. */
  const stallNotifications = async () => {
    const rows = await sql(db.url, 'SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()', [LISTEN_APPLICATION_NAME]);
    stopped = rows.rows.map((r) => Number((r as { pid: number }).pid));
    assert.ok(stopped.length >= 3, `a LISTEN connection per instance (${stopped.length})`);
    for (const pid of stopped) process.kill(pid, 'SIGSTOP');
  };
  const warm = async (session: string) => {
    for (const s of [b, c]) assert.equal(await ping(s, session), 200, 'B and C hold the session live');
    // Each instance has proven its notifications current within the lease (beats every lease/4).
    await new Promise((r) => setTimeout(r, LEASE_MS / 2));
  };

  test('with notifications flowing, a DELETE on A answers within a round trip or two and B and C refuse at once', async () => {
    const session = await openSession(a.url);
    await warm(session);
    const started = performance.now();
    const res = await post(a.url, '', { method: 'DELETE', sessionId: session, protocolVersion: V });
    assert.equal(res.status, 200);
    assert.ok(performance.now() - started < LEASE_MS, 'the acknowledgements came back before the lease ran out');
    for (const s of [b, c]) assert.equal(await ping(s, session), 404);
  });

  test('with every LISTEN connection stalled, a DELETE on A waits out the lease, after which B and C refuse', async () => {
    const session = await openSession(a.url);
    await warm(session);
    await stallNotifications();
    const started = performance.now();
    const res = await post(a.url, '', { method: 'DELETE', sessionId: session, protocolVersion: V });
    assert.equal(res.status, 200);
    assert.ok(performance.now() - started >= LEASE_MS * 0.9, 'nobody could acknowledge: the DELETE waited for the leases to end');
    // B and C never heard of the termination; their cache is no longer vouched for, so they ask the store.
    for (const s of [b, c]) assert.equal(await ping(s, session), 404);
  });

  test('an instance whose notifications are not proven current asks the store on every request', async () => {
    const session = await openSession(a.url);
    await warm(session);
    await stallNotifications();
    await new Promise((r) => setTimeout(r, LEASE_MS * 1.2));
    // Ended in the store with nobody told at all: only a per-request check can see it.
    const ended = await sql(db.url, 'UPDATE durable_mcp_sessions SET terminated_at = now() WHERE id = $1', [session]);
    assert.equal(ended.rowCount, 1);
    for (const s of [b, c]) assert.equal(await ping(s, session), 404);
  });
});
