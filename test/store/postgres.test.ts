/**
 * PostgreSQL: the shared contract on a fresh database, plus what only a
 * networked engine has: several instances on one database, connections that
 * die, servers that are down or hung.
 */
import { CORE_MIGRATIONS } from '../../src/store/schema.js';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  openStore,
  StoreConnectRejectedError,
  StoreQueryError,
  StoreUnreachableError,
  type Migration,
  type Store,
  type StoreLogger,
} from '../../src/store/index.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { runStoreContract } from './contract.js';
import { freePort } from '../../harness/ports.js';
import { hungServer } from './net.js';
import { until } from './helpers.js';

const databases: TestDatabase[] = [];
async function freshUrl(): Promise<string> {
  const database = await createTestDatabase();
  databases.push(database);
  return database.url;
}
after(async () => {
  for (const database of databases) await database.drop();
});

interface Logged {
  level: 'info' | 'warn' | 'error';
  fields: Record<string, unknown>;
  msg: string;
}
function recordingLogger(): StoreLogger & { lines: Logged[] } {
  const lines: Logged[] = [];
  return {
    lines,
    info: (fields, msg) => lines.push({ level: 'info', fields, msg }),
    warn: (fields, msg) => lines.push({ level: 'warn', fields, msg }),
    error: (fields, msg) => lines.push({ level: 'error', fields, msg }),
  };
}

runStoreContract('postgres', async () => openStore({ url: await freshUrl() }));

describe('postgres engine', () => {
  test('six instances booting at once on one database apply every migration exactly once', async (t) => {
    const url = await freshUrl();
    const started = performance.now();
    const stores: Store[] = await Promise.all(Array.from({ length: 6 }, () => openStore({ url, pool: { max: 2 } })));
    t.diagnostic(`6 concurrent open+migrate: ${Math.round(performance.now() - started)} ms`);
    try {
      // Not idempotent on purpose: a second CREATE TABLE fails, a second INSERT duplicates.
      const steps: Migration[] = [
        { version: 1, name: 'table', sql: 'CREATE TABLE applied (step int NOT NULL)' },
        { version: 2, name: 'two', sql: 'INSERT INTO applied VALUES (2)' },
        { version: 3, name: 'three', sql: 'SELECT pg_sleep(0.05); INSERT INTO applied VALUES (3)' },
      ];
      await Promise.all(stores.map((s) => s.migrate('app', steps)));
      const db = stores[0]!.db;
      assert.deepEqual((await db.query('SELECT step FROM applied ORDER BY step')).rows, [{ step: 2 }, { step: 3 }]);
      const recorded = await db.query('SELECT namespace, version FROM durable_mcp_migrations ORDER BY 1, 2');
      assert.deepEqual(recorded.rows, [
        { namespace: 'app', version: 1 },
        { namespace: 'app', version: 2 },
        { namespace: 'app', version: 3 },
        ...CORE_MIGRATIONS.map((m) => ({ namespace: 'durable-mcp', version: m.version })),
      ]);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  test('open of an already migrated database; statement timeout from queryTimeoutMs', async (t) => {
    const url = await freshUrl();
    await (await openStore({ url })).close();
    const started = performance.now();
    const store = await openStore({ url, pool: { queryTimeoutMs: 300 } });
    t.diagnostic(`open+migrate of a migrated database: ${Math.round(performance.now() - started)} ms`);
    try {
      const error = await store.db.query('SELECT pg_sleep(5)').then(() => undefined, (e: unknown) => e);
      assert.ok(error instanceof StoreQueryError, String(error));
      assert.equal(error.sqlState, '57014', 'query_canceled by statement_timeout');
    } finally {
      await store.close();
    }
  });

  test('LISTEN survives its backend being killed: onDisconnect, onReconnect, then delivery again', async () => {
    const store = await openStore({ url: await freshUrl() });
    try {
      const seen: string[] = [];
      const payloads: string[] = [];
      await store.db.listen('reconnect', {
        onPayload: (p) => payloads.push(p),
        onDisconnect: () => seen.push('disconnect'),
        onReconnect: () => seen.push('reconnect'),
      });
      await store.db.notify('reconnect', 'before');
      await until(() => payloads.length === 1, 5000, 'first payload');
      const killed = await store.db.query<{ ok: boolean }>(
        `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
         WHERE application_name = 'durable-mcp-listen' AND datname = current_database()`,
      );
      assert.deepEqual(killed.rows, [{ ok: true }]);
      await until(() => seen.includes('reconnect'), 10_000, 'onReconnect');
      assert.deepEqual(seen, ['disconnect', 'reconnect']);
      await store.db.notify('reconnect', 'after');
      await until(() => payloads.length === 2, 5000, 'payload after reconnect');
      assert.deepEqual(payloads, ['before', 'after']);
    } finally {
      await store.close();
    }
  });

  test('an idle pooled connection killed by the server is logged, not fatal, and the pool recovers', async () => {
    const logger = recordingLogger();
    const store = await openStore({ url: await freshUrl(), logger });
    try {
      await Promise.all([1, 2, 3].map(() => store.db.query('SELECT pg_sleep(0.02)')));
      const killed = await store.db.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE application_name = 'durable-mcp' AND datname = current_database() AND pid <> pg_backend_pid()`,
      );
      assert.ok(killed.rowCount >= 1);
      await until(() => logger.lines.some((l) => l.msg === 'idle PostgreSQL connection failed'), 5000, 'pool warning');
      for (let i = 0; i < 5; i++) assert.equal((await store.db.query('SELECT 1 AS one')).rows[0]?.one, 1);
    } finally {
      await store.close();
    }
  });

  test('ping rejects within its bound on a closed port and on a server that never answers', async () => {
    const { createPostgresDatabase } = await import('../../src/store/postgres/database.js');
    const port = await freePort(); // nobody listens there
    const refused = createPostgresDatabase({ url: `postgres://u:pw@127.0.0.1:${port}/db` });
    let started = performance.now();
    await assert.rejects(refused.ping(500), StoreQueryError);
    assert.ok(performance.now() - started < 1000);
    await refused.close();

    const hung = await hungServer();
    const silent = createPostgresDatabase({
      url: `postgres://u:pw@127.0.0.1:${hung.port}/db`,
      pool: { connectionTimeoutMs: 2000 },
    });
    started = performance.now();
    await assert.rejects(silent.ping(300), /did not answer within 300 ms/);
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 290 && elapsed < 1000, `ping took ${elapsed} ms`);
    await hung.close();
    await silent.close();
  });

  test('openStore on an unreachable server retries with backoff, then fails after timeoutMs; no password anywhere', async () => {
    const logger = recordingLogger();
    const port = await freePort(); // nobody listens there
    const password = 's3cr3t-Pa55';
    const started = performance.now();
    const error = await openStore({
      url: `postgres://durable:${password}@127.0.0.1:${port}/db`,
      connectRetry: { timeoutMs: 1200, initialDelayMs: 50, maxDelayMs: 300 },
      logger,
    }).then(() => undefined, (e: unknown) => e);
    const elapsed = performance.now() - started;
    assert.ok(error instanceof StoreUnreachableError, String(error));
    assert.equal(error.code, 'STORE_UNREACHABLE');
    assert.ok(elapsed >= 1150 && elapsed < 3000, `gave up after ${elapsed} ms`);
    assert.match(error.message, /tried \d+ times over \d+ ms \(connectRetry\.timeoutMs 1200\)/);
    assert.match(error.message, /durable:\*\*\*@127\.0\.0\.1/);
    const warns = logger.lines.filter((l) => l.level === 'warn');
    assert.ok(warns.length >= 3, `${warns.length} retries logged`);
    assert.deepEqual(
      warns.map((w) => w.fields.attempt),
      warns.map((_, i) => i + 1),
    );
    const delays = warns.map((w) => w.fields.delayMs as number);
    assert.ok(delays[0]! >= 25 && delays[0]! <= 50, `first delay ${delays[0]}`);
    assert.ok(delays[1]! >= 50 && delays[1]! <= 100, `second delay ${delays[1]}`);
    assert.ok(delays.every((d) => d <= 300));
    assert.ok(warns.every((w) => typeof w.fields.err === 'string' && w.fields.err !== ''));
    const everything = JSON.stringify(logger.lines) + error.message + String(error.stack) + String(error.cause);
    assert.equal(everything.includes(password), false);
  });

  test('wrong credentials fail at once without retrying', async (t) => {
    const url = new URL(await freshUrl());
    url.password = 'definitely-wrong';
    const started = performance.now();
    const error = await openStore({ url: url.toString(), connectRetry: { timeoutMs: 10_000 } }).then(
      async (store) => store.close(),
      (e: unknown) => e,
    );
    if (error === undefined) {
      t.skip('this server does not check passwords (trust authentication)');
      return;
    }
    assert.ok(error instanceof StoreConnectRejectedError, String(error));
    assert.equal(error.sqlState, '28P01');
    assert.ok(performance.now() - started < 3000);
    assert.equal(error.message.includes('definitely-wrong'), false);
  });
});
