import { CORE_MIGRATIONS } from '../../src/store/schema.js';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MigrationFailedError,
  MigrationInvalidError,
  StoreClosedError,
  StoreQueryError,
  type Migration,
} from '../../src/store/index.js';
import type { StoreGetter } from './contract.js';
import { uid, until } from './helpers.js';

function appMigrations(table: string): Migration[] {
  return [
    { version: 1, name: 'create', sql: `CREATE TABLE ${table} (id int PRIMARY KEY, note text)` },
    { version: 2, name: 'seed', sql: `INSERT INTO ${table} VALUES (1, 'one'); INSERT INTO ${table} VALUES (2, 'two')` },
  ];
}

export function databaseContract(store: StoreGetter): void {
  describe('database', () => {
    test('core schema is recorded; app migrations apply once and later steps apply alone', async () => {
      const { db } = store();
      const core = await db.query<{ version: number }>(
        "SELECT version FROM durable_mcp_migrations WHERE namespace = 'durable-mcp'",
      );
      assert.deepEqual(
        core.rows.map((r) => r.version).sort((x, y) => x - y),
        CORE_MIGRATIONS.map((m) => m.version),
      );
      const table = `app_${uid('t').replace(/-/g, '_')}`;
      const ns = uid('app');
      await store().migrate(ns, appMigrations(table));
      await store().migrate(ns, appMigrations(table));
      await store().migrate(ns, [
        ...appMigrations(table),
        { version: 5, name: 'more', sql: `INSERT INTO ${table} VALUES (5, 'five')` },
      ]);
      const rows = await db.query<{ id: number }>(`SELECT id FROM ${table} ORDER BY id`);
      assert.deepEqual(rows.rows, [{ id: 1 }, { id: 2 }, { id: 5 }]);
      const recorded = await db.query<{ version: number; name: string }>(
        'SELECT version, name FROM durable_mcp_migrations WHERE namespace = $1 ORDER BY version',
        [ns],
      );
      assert.deepEqual(recorded.rows, [
        { version: 1, name: 'create' },
        { version: 2, name: 'seed' },
        { version: 5, name: 'more' },
      ]);
    });

    test('an invalid migration list is rejected before anything runs', async () => {
      const ns = uid('app');
      const table = `app_${uid('t').replace(/-/g, '_')}`;
      const [one, two] = appMigrations(table);
      for (const list of [[two!, one!], [one!, { ...two!, version: 1 }], [{ ...one!, version: 0 }], [{ ...one!, sql: ' ' }]]) {
        const error = await store().migrate(ns, list).then(() => undefined, (e: unknown) => e);
        assert.ok(error instanceof MigrationInvalidError, String(error));
        assert.equal(error.code, 'MIGRATION_INVALID');
      }
      const exists = await store().db.query('SELECT to_regclass($1) AS t', [table]);
      assert.deepEqual(exists.rows, [{ t: null }]);
    });

    test('a failing migration rolls back entirely and is not recorded', async () => {
      const ns = uid('app');
      const table = `app_${uid('t').replace(/-/g, '_')}`;
      const error = await store()
        .migrate(ns, [{ version: 1, name: 'broken', sql: `CREATE TABLE ${table} (id int); SELECT no_such_column` }])
        .then(() => undefined, (e: unknown) => e);
      assert.ok(error instanceof MigrationFailedError, String(error));
      assert.equal(error.sqlState, '42703');
      assert.match(error.message, /broken/);
      assert.deepEqual((await store().db.query('SELECT to_regclass($1) AS t', [table])).rows, [{ t: null }]);
      const recorded = await store().db.query('SELECT 1 FROM durable_mcp_migrations WHERE namespace = $1', [ns]);
      assert.equal(recorded.rowCount, 0);
    });

    test('both engines return bigint for int8, Date for timestamptz, objects for jsonb', async () => {
      const res = await store().db.query<{ big: bigint; n: bigint; ts: Date; doc: unknown; arr: string[] }>(
        `SELECT 9007199254740993::int8 AS big, count(*) AS n, '2024-05-06T07:08:09.123Z'::timestamptz AS ts,
                '{"a":[1,null]}'::jsonb AS doc, ARRAY['x','y']::text[] AS arr FROM (VALUES (1)) v`,
      );
      assert.deepEqual(res.rows[0], {
        big: 9007199254740993n,
        n: 1n,
        ts: new Date('2024-05-06T07:08:09.123Z'),
        doc: { a: [1, null] },
        arr: ['x', 'y'],
      });
      assert.equal(res.rowCount, 1);
    });

    test('query runs exactly one statement on every engine', async () => {
      const error = await store().db.query('SELECT 1; SELECT 2').then(() => undefined, (e: unknown) => e);
      assert.ok(error instanceof StoreQueryError, String(error));
      assert.equal(error.sqlState, '42601');
      assert.deepEqual((await store().db.query('SELECT 2 AS two')).rows, [{ two: 2 }]);
    });

    test('transactions commit, roll back, and let the callback error through unchanged', async () => {
      const { db } = store();
      const kept = { id: uid('tx') };
      const dropped = { id: uid('tx') };
      await db.transaction(async (tx) => {
        await tx.query('INSERT INTO durable_mcp_state (scope, key, value) VALUES ($1, $2, $3::text::jsonb)', [kept.id, 'k', '1']);
      });
      const mine = new Error('mine');
      const error = await db
        .transaction(async (tx) => {
          await tx.query('INSERT INTO durable_mcp_state (scope, key, value) VALUES ($1, $2, $3::text::jsonb)', [dropped.id, 'k', '1']);
          throw mine;
        })
        .then(() => undefined, (e: unknown) => e);
      assert.equal(error, mine);
      assert.equal(await store().state.get(kept.id, 'k'), 1);
      assert.equal(await store().state.get(dropped.id, 'k'), undefined);
      const sqlError = await db.transaction((tx) => tx.query('SELECT 1/0')).then(() => undefined, (e: unknown) => e);
      assert.ok(sqlError instanceof StoreQueryError);
      assert.equal(sqlError.sqlState, '22012');
    });

    test('listen/notify delivers payloads (also on quoted channel names); unlisten stops delivery', async () => {
      const { db } = store();
      const channel = `Chan "${uid('x').slice(0, 12)}" ü`;
      const got: string[] = [];
      const other: string[] = [];
      const unlisten = await db.listen(channel, { onPayload: (p) => got.push(p) });
      const unlistenOther = await db.listen(channel, { onPayload: (p) => other.push(p) });
      await db.notify(channel, 'one');
      await db.transaction(async (tx) => {
        await tx.query('SELECT pg_notify($1, $2)', [channel, 'two']);
      });
      await until(() => got.length === 2 && other.length === 2, 5000, 'two notifications');
      assert.deepEqual(got, ['one', 'two']);
      await unlisten();
      await unlisten();
      await db.notify(channel, 'three');
      await until(() => other.length === 3, 5000, 'third notification');
      assert.deepEqual(got, ['one', 'two']);
      await unlistenOther();
      await assert.rejects(db.listen('x'.repeat(64), { onPayload: () => {} }), TypeError);
    });

    test('ping answers, and stats count a query in flight', async () => {
      const { db } = store();
      await db.ping(2000);
      // Sampled at once and one turn later: PGlite runs the query on this very thread (so only the
      // first sample can see it), while pg-pool hands out the connection on a later tick.
      const running = db.query('SELECT pg_sleep(0.05)');
      const samples = [db.stats()];
      await new Promise((resolve) => setImmediate(resolve));
      samples.push(db.stats());
      await running;
      const afterwards = db.stats();
      assert.ok(Math.max(...samples.map((s) => s.inUse)) >= 1, JSON.stringify(samples));
      assert.ok(samples.every((s) => s.total >= s.inUse), JSON.stringify(samples));
      assert.equal(afterwards.inUse, 0, JSON.stringify(afterwards));
      assert.ok(afterwards.total >= 1);
    });

    test('a closed store rejects every call with StoreClosedError; close is idempotent', async () => {
      const s = store();
      await s.close();
      await s.close();
      for (const call of [
        () => s.db.query('SELECT 1'),
        () => s.sessions.get('x'),
        () => s.events.after('x', 'y', 0n, 1),
        () => s.state.set('x', 'y', 1),
        () => s.db.listen('c', { onPayload: () => {} }),
        () => s.db.notify('c', 'p'),
        () => s.db.ping(100),
        () => s.migrate('x', []),
      ]) {
        const error = await call().then(() => undefined, (e: unknown) => e);
        assert.ok(error instanceof StoreClosedError, String(error));
        assert.equal(error.code, 'STORE_CLOSED');
      }
    });
  });
}
