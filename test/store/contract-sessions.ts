import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { StoreQueryError } from '../../src/store/index.js';
import { sessionStats } from '../../src/store/session-stats.js';
import type { StoreGetter } from './contract.js';
import { at, FUTURE, newSession, uid } from './helpers.js';

export function sessionsContract(store: StoreGetter): void {
  describe('sessions', () => {
    test('create then get returns every field with JS types (Date, objects, arrays)', async () => {
      const s = newSession({ logLevel: 'info', subscriptions: ['file:///a'], meta: { hash: 'abc', n: 1 } });
      await store().sessions.create(s);
      const got = await store().sessions.get(s.id);
      assert.deepEqual(got, { ...s, lastActiveAt: s.createdAt, terminatedAt: null, meta: { hash: 'abc', n: 1 }, route: '' });
      assert.ok(got?.createdAt instanceof Date);
    });

    test('sessionStats counts sessions per creating and per serving deployment', async () => {
      const sessions = store().sessions;
      const [old, fresh] = [uid('dep-old'), uid('dep-new')];
      const kept = newSession({ deploymentId: old });
      const moved = newSession({ deploymentId: old });
      const ended = newSession({ deploymentId: old });
      const mine = newSession({ deploymentId: fresh, createdAt: at(FUTURE, 10) });
      for (const s of [kept, moved, ended, mine]) await sessions.create(s);
      await sessions.mergeMeta(moved.id, { lastDeploymentId: fresh });
      await sessions.terminate(ended.id, at(FUTURE, 1));
      const stats = await sessionStats(store().db, at(FUTURE, 1000), 10_000);
      const row = (id: string) => stats.deployments.find((d) => d.deploymentId === id);
      assert.deepEqual([row(old)?.created, row(old)?.serving], [3, 1], 'created three, serves the one not moved or ended');
      assert.deepEqual([row(fresh)?.created, row(fresh)?.serving], [1, 2], 'created one, serves it and the rebuilt one');
      assert.deepEqual(row(fresh)?.firstCreatedAt, at(FUTURE, 10));
      assert.ok(stats.valid >= 3 && stats.terminated >= 1, JSON.stringify(stats));
    });

    test('get of an unknown id is undefined; meta defaults to {}', async () => {
      assert.equal(await store().sessions.get(uid('missing')), undefined);
      const s = newSession();
      await store().sessions.create(s);
      assert.deepEqual((await store().sessions.get(s.id))?.meta, {});
    });

    test('the route a session was created on is kept', async () => {
      const s = newSession({ route: 'notes' });
      await store().sessions.create(s);
      assert.equal((await store().sessions.get(s.id))?.route, 'notes');
    });

    test('a duplicate id fails with SQLSTATE 23505 and keeps the cause', async () => {
      const s = newSession();
      await store().sessions.create(s);
      const error = await store().sessions.create(s).then(() => undefined, (e: unknown) => e);
      assert.ok(error instanceof StoreQueryError);
      assert.equal(error.code, 'STORE_QUERY_FAILED');
      assert.equal(error.sqlState, '23505');
      assert.ok(error.cause instanceof Error);
    });

    test('touch moves forward, never backwards, dedupes a batch, skips terminated and unknown ids', async () => {
      const sessions = store().sessions;
      const a = newSession();
      const b = newSession();
      const dead = newSession();
      for (const s of [a, b, dead]) await sessions.create(s);
      await sessions.terminate(dead.id, at(FUTURE, 1));
      await sessions.touch([
        { id: a.id, lastActiveAt: at(FUTURE, 5000), expiresAt: at(FUTURE, 9_000_000) },
        { id: a.id, lastActiveAt: at(FUTURE, 1000), expiresAt: at(FUTURE, 4_000_000) },
        { id: b.id, lastActiveAt: at(FUTURE, -5000), expiresAt: at(FUTURE, 1000) },
        { id: dead.id, lastActiveAt: at(FUTURE, 5000), expiresAt: at(FUTURE, 9_000_000) },
        { id: uid('unknown'), lastActiveAt: at(FUTURE, 5000), expiresAt: at(FUTURE, 9_000_000) },
      ]);
      const ga = await sessions.get(a.id);
      assert.deepEqual([ga?.lastActiveAt, ga?.expiresAt], [at(FUTURE, 5000), at(FUTURE, 9_000_000)]);
      const gb = await sessions.get(b.id);
      assert.deepEqual([gb?.lastActiveAt, gb?.expiresAt], [b.createdAt, b.expiresAt], 'older times are ignored');
      const gd = await sessions.get(dead.id);
      assert.deepEqual([gd?.lastActiveAt, gd?.expiresAt], [dead.createdAt, dead.expiresAt], 'terminated stays put');
      await sessions.touch([]);
    });

    test('touch applies a batch of 500 in one call', async () => {
      const sessions = store().sessions;
      const ids: string[] = [];
      for (let i = 0; i < 500; i++) ids.push(uid('bulk'));
      await store().db.query(
        `INSERT INTO durable_mcp_sessions (id, principal, protocol_version, initialize_params, created_at,
           last_active_at, expires_at, deployment_id)
         SELECT id, 'p', '2025-11-25', '{}'::jsonb, $2::timestamptz, $2::timestamptz, $2::timestamptz, 'd'
         FROM unnest($1::text[]) AS id`,
        [ids, FUTURE.toISOString()],
      );
      await sessions.touch(ids.map((id, i) => ({ id, lastActiveAt: at(FUTURE, i + 1), expiresAt: at(FUTURE, i + 2) })));
      const last = await sessions.get(ids[499]!);
      assert.deepEqual(last?.lastActiveAt, at(FUTURE, 500));
      assert.deepEqual(last?.expiresAt, at(FUTURE, 501));
    });

    test('terminate is true once, false when repeated or unknown', async () => {
      const s = newSession();
      await store().sessions.create(s);
      assert.equal(await store().sessions.terminate(s.id, at(FUTURE, 10)), true);
      assert.equal(await store().sessions.terminate(s.id, at(FUTURE, 20)), false);
      assert.equal(await store().sessions.terminate(uid('unknown'), FUTURE), false);
      assert.deepEqual((await store().sessions.get(s.id))?.terminatedAt, at(FUTURE, 10));
    });

    test('log level, subscriptions (idempotent, ordered) and shallow meta merge', async () => {
      const sessions = store().sessions;
      const s = newSession({ meta: { a: 1, b: { x: 1 } } });
      await sessions.create(s);
      await sessions.setLogLevel(s.id, 'debug');
      await sessions.addSubscription(s.id, 'file:///one');
      await sessions.addSubscription(s.id, 'file:///two');
      await sessions.addSubscription(s.id, 'file:///one');
      await sessions.removeSubscription(s.id, 'file:///never');
      let got = await sessions.get(s.id);
      assert.equal(got?.logLevel, 'debug');
      assert.deepEqual(got?.subscriptions, ['file:///one', 'file:///two']);
      await sessions.removeSubscription(s.id, 'file:///one');
      await sessions.removeSubscription(s.id, 'file:///one');
      await sessions.mergeMeta(s.id, { b: { y: 2 }, c: [1, 'x'] });
      got = await sessions.get(s.id);
      assert.deepEqual(got?.subscriptions, ['file:///two']);
      assert.deepEqual(got?.meta, { a: 1, b: { y: 2 }, c: [1, 'x'] });
    });

    test('sweep deletes expired and long-terminated sessions in bounded batches, with their events and state', async () => {
      const { sessions, events, state } = store();
      const past = new Date('2000-01-01T00:00:00.000Z');
      const now = new Date('2000-06-01T00:00:00.000Z');
      const expired = [0, 1, 2].map(() => newSession({ createdAt: past, expiresAt: at(past, 1000) }));
      const oldTerminated = newSession({ createdAt: past, expiresAt: at(FUTURE, 0) });
      const freshTerminated = newSession({ createdAt: past, expiresAt: at(FUTURE, 0) });
      const alive = newSession({ createdAt: past, expiresAt: at(now, 1000) });
      for (const s of [...expired, oldTerminated, freshTerminated, alive]) await sessions.create(s);
      await sessions.terminate(oldTerminated.id, at(past, 5000));
      await sessions.terminate(freshTerminated.id, at(now, 0));
      const victim = expired[0]!;
      await events.append([{ sessionId: victim.id, streamId: 'a', seq: 1n, message: { m: 1 } }]);
      await events.append([{ sessionId: alive.id, streamId: 'a', seq: 1n, message: { m: 2 } }]);
      await state.set(`session:${victim.id}`, 'k', 1);
      await state.set(`principal:${victim.id}`, 'k', 2);

      const first = await sessions.sweep(now, at(now, -1000), 2);
      assert.equal(first.length, 2, 'bounded by limit');
      const second = await sessions.sweep(now, at(now, -1000), 10);
      const swept = [...first, ...second].map((s) => s.id).sort();
      assert.deepEqual(swept, [...expired.map((s) => s.id), oldTerminated.id].sort());
      const byId = new Map([...first, ...second].map((s) => [s.id, s]));
      assert.equal(byId.get(victim.id)?.expired, true, 'idle expiry is reported as such');
      assert.equal(byId.get(oldTerminated.id)?.expired, false, 'terminated sessions are not reported as expired');
      assert.equal(byId.get(victim.id)?.createdAt.getTime(), past.getTime());
      assert.deepEqual(await sessions.sweep(now, at(now, -1000), 10), []);

      for (const id of swept) assert.equal(await sessions.get(id), undefined);
      assert.ok(await sessions.get(alive.id));
      assert.ok(await sessions.get(freshTerminated.id));
      assert.deepEqual(await events.after(victim.id, 'a', 0n, 10), []);
      assert.equal((await events.after(alive.id, 'a', 0n, 10)).length, 1);
      assert.equal(await state.get(`session:${victim.id}`, 'k'), undefined);
      assert.equal(await state.get(`principal:${victim.id}`, 'k'), 2, 'other scopes are kept');
    });

    test('count counts rows', async () => {
      const before = await store().sessions.count();
      await store().sessions.create(newSession());
      assert.equal(await store().sessions.count(), before + 1);
    });
  });
}
