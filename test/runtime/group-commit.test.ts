/**
 * The two group-committed hot paths, on real stores: SSE event writes
 * (gathered for a few ms, one INSERT for many events) and the per-request
 * termination check on PostgreSQL (one SELECT for every request that arrives
 * while another is in flight, never one sent before the request arrived).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openStore, type SessionStatus, type Store, type StoredEvent } from '../../src/store/index.js';
import { EventWriter } from '../../src/runtime/events/event-writer.js';
import { StatusChecks } from '../../src/runtime/sessions/status-checks.js';
import { newSession } from '../store/helpers.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { withTimeout } from '../../harness/timeout.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('EventWriter (PGlite)', () => {
  let store: Store;
  before(async () => {
    store = await openStore({ url: 'pglite:memory' });
  });
  after(() => store.close());

  const event = (seq: number): StoredEvent => ({
    sessionId: 'writer-session',
    streamId: 'stream-1',
    seq: BigInt(seq),
    message: { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: `m${seq}` } },
  });

  test('events arriving over several ticks share one INSERT, and all of them are stored', async () => {
    const statements: number[] = [];
    // A gathering window far longer than the ticks can take, even on a loaded machine; flush() ends it at once.
    const writer = new EventWriter({ ...store.events, append: (batch) => (statements.push(batch.length), store.events.append(batch)) }, { delayMs: 10_000 });
    for (let seq = 1; seq <= 40; seq++) {
      writer.enqueue(event(seq));
      if (seq % 5 === 0) await tick();
    }
    await writer.flush();
    assert.deepEqual(statements, [40], 'one statement for the 40 events');
    const rows = await store.events.after('writer-session', 'stream-1', 0n, 100);
    assert.deepEqual(
      rows.map((r) => r.seq),
      Array.from({ length: 40 }, (_, i) => BigInt(i + 1)),
    );
  });

  test('flush() does not wait out the gathering delay', async () => {
    const writer = new EventWriter(store.events, { delayMs: 60_000 });
    writer.enqueue(event(100));
    // Bounded far below the 60 s gathering delay: a flush that waited it out would fail here.
    await withTimeout(writer.flush(), 5000, 'flush() with a 60 s gathering delay pending');
    assert.equal((await store.events.after('writer-session', 'stream-1', 99n, 10)).length, 1);
  });
});

describe('StatusChecks (PostgreSQL)', () => {
  let db: TestDatabase;
  let store: Store;
  before(async () => {
    db = await createTestDatabase();
    store = await openStore({ url: db.url });
  });
  after(async () => {
    await store?.close();
    await db?.drop();
  });

  test('concurrent checks share statements, and each gets its own answer', async () => {
    const sessions = await Promise.all(Array.from({ length: 20 }, async () => {
      const s = newSession();
      await store.sessions.create(s);
      return s;
    }));
    await store.sessions.terminate(sessions[3]!.id, new Date());
    const statements: number[] = [];
    const checks = new StatusChecks({ statuses: (ids) => (statements.push(ids.length), store.sessions.statuses(ids)) });
    const answers = await Promise.all([...sessions.map((s) => checks.check(s.id)), checks.check('no-such-session')]);
    assert.ok(statements.length <= 2, `20 checks took ${statements.length} statements`);
    assert.equal(statements.reduce((a, b) => a + b, 0), 21);
    assert.equal(answers.at(-1), undefined, 'unknown ids are undefined');
    answers.slice(0, 20).forEach((status, i) => {
      assert.equal(status?.principal, sessions[i]!.principal);
      assert.equal(status?.terminatedAt instanceof Date, i === 3, `session ${i}`);
    });
  });

  test('a check never rides on a SELECT sent before it was asked (a termination in between is seen)', async () => {
    const s = newSession();
    await store.sessions.create(s);
    // A slow round trip: each answer reaches the caller 300 ms after the SELECT ran.
    const checks = new StatusChecks({
      statuses: async (ids) => {
        const found = await store.sessions.statuses(ids);
        await new Promise((resolve) => setTimeout(resolve, 300));
        return found;
      },
    });
    const first = checks.check(s.id);
    await new Promise((resolve) => setTimeout(resolve, 100)); // its SELECT has run; the answer is on its way
    await store.sessions.terminate(s.id, new Date());
    const second = checks.check(s.id); // asked after the termination committed
    const [a, b] = await Promise.all([first, second]);
    assert.equal(a?.terminatedAt, null, 'the first check ran before the termination');
    assert.ok((b as SessionStatus).terminatedAt instanceof Date, 'the later check saw the termination');
  });
});
