/**
 * PGlite: the shared contract on a real data directory, plus what only an
 * embedded engine has: the one-process directory lock, durability across
 * close and SIGKILL. A fresh directory costs seconds (initdb), so one is made
 * and every test works on a copy of it.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore, StoreLockedError } from '../../src/store/index.js';
import { tempDir } from '../support/postgres.js';
import { runStoreContract } from './contract.js';
import { expectAcknowledgedRows, newSession, STORE_MODULE } from './helpers.js';

// Every directory made here is removed at the end: a PGlite data dir weighs ~40 MB.
const made: string[] = [];
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});
function scratchDir(prefix: string): string {
  const dir = tempDir(prefix);
  made.push(dir);
  return dir;
}

// Nested and not yet existing: opening creates the directory.
const template = join(scratchDir('durable-mcp-pglite-template'), 'nested', 'data');
const coldStarted = performance.now();
await (await openStore({ url: `pglite:${template}` })).close();
const coldNewDirMs = Math.round(performance.now() - coldStarted);

function copyOfTemplate(): string {
  const dir = scratchDir('durable-mcp-pglite');
  cpSync(template, dir, { recursive: true });
  return dir;
}

/** Runs an ES module snippet in a real child `node` process; resolves with its stdout once it exits. */
function runChild(code: string, env: Record<string, string>): Promise<{ stdout: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
      env: { ...process.env, STORE_MODULE, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (exitCode) => resolve({ stdout, code: exitCode }));
  });
}

runStoreContract('pglite', () => openStore({ url: `pglite:${copyOfTemplate()}` }));

describe('pglite engine', () => {
  test('a new directory is created and migrated; an existing one reopens much faster', async (t) => {
    const dir = copyOfTemplate();
    const started = performance.now();
    const store = await openStore({ url: `pglite:${dir}` });
    const reopenMs = Math.round(performance.now() - started);
    await store.close();
    t.diagnostic(`cold open of a new dir ${coldNewDirMs} ms, of an existing dir ${reopenMs} ms`);
    assert.ok(existsSync(join(template, 'PG_VERSION')), 'the missing directory was created and initialised');
    assert.ok(reopenMs < coldNewDirMs, `${reopenMs} < ${coldNewDirMs}`);
  });

  test('data survives close and reopen; the lock file is released on close', async () => {
    const dir = copyOfTemplate();
    const session = newSession({ meta: { kept: true } });
    const first = await openStore({ url: `pglite:${dir}` });
    assert.ok(existsSync(join(dir, 'durable-mcp.pid')));
    await first.sessions.create(session);
    await first.state.set('principal:p', 'k', { v: 1 });
    await first.close();
    assert.equal(existsSync(join(dir, 'durable-mcp.pid')), false);
    const second = await openStore({ url: `pglite:${dir}` });
    try {
      assert.deepEqual(await second.sessions.get(session.id), {
        ...session,
        lastActiveAt: session.createdAt,
        terminatedAt: null,
        route: '',
      });
      assert.deepEqual(await second.state.get('principal:p', 'k'), { v: 1 });
    } finally {
      await second.close();
    }
  });

  test('a second open in this process fails with STORE_LOCKED; after close it opens again', async () => {
    const dir = copyOfTemplate();
    const first = await openStore({ url: `pglite:${dir}` });
    const error = await openStore({ url: `pglite:${dir}` }).then(() => undefined, (e: unknown) => e);
    await first.close();
    assert.ok(error instanceof StoreLockedError, String(error));
    assert.equal(error.code, 'STORE_LOCKED');
    assert.equal(error.pid, process.pid);
    const again = await openStore({ url: `pglite:${dir}` });
    await again.close();
  });

  test('another process opening the same directory fails with STORE_LOCKED naming our pid and the dir', async () => {
    const dir = copyOfTemplate();
    const store = await openStore({ url: `pglite:${dir}` });
    try {
      const child = await runChild(
        `const { openStore } = await import(process.env.STORE_MODULE);
         try { await (await openStore({ url: 'pglite:' + process.env.DIR })).close(); console.log('{"opened":true}'); }
         catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`,
        { DIR: dir },
      );
      const result = JSON.parse(child.stdout.trim()) as { code?: string; message?: string };
      assert.equal(result.code, 'STORE_LOCKED');
      assert.match(result.message ?? '', new RegExp(`another process \\(pid ${process.pid}\\) holds`));
      assert.ok(result.message?.includes(dir), result.message);
      assert.match(result.message ?? '', /use PostgreSQL/);
      assert.deepEqual((await store.db.query('SELECT 1 AS ok')).rows, [{ ok: 1 }], 'the owner is unaffected');
    } finally {
      await store.close();
    }
  });

  test('a lock file left by a dead process is taken over', async () => {
    const dir = copyOfTemplate();
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => dead.on('exit', resolve));
    writeFileSync(join(dir, 'durable-mcp.pid'), `${dead.pid}\n`);
    const store = await openStore({ url: `pglite:${dir}` });
    await store.close();
  });

  test('rows acknowledged by a process killed with SIGKILL are all there on reopen', async () => {
    const dir = copyOfTemplate();
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { openStore } = await import(process.env.STORE_MODULE);
         const store = await openStore({ url: 'pglite:' + process.env.DIR });
         await store.db.query('CREATE TABLE crash (n int PRIMARY KEY)');
         for (let n = 1; ; n++) {
           await store.db.query('INSERT INTO crash VALUES ($1)', [n]);
           process.stdout.write(n + '\\n');
         }`,
      ],
      { env: { ...process.env, STORE_MODULE, DIR: dir }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let acked = 0;
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', () => resolve());
      child.stdout.on('data', (chunk: Buffer) => {
        const lines = chunk.toString().trim().split('\n');
        acked = Math.max(acked, Number(lines[lines.length - 1]));
        if (acked >= 300) child.kill('SIGKILL');
      });
    });
    assert.equal(child.signalCode, 'SIGKILL');
    await expectAcknowledgedRows(`pglite:${dir}`, acked);
  });

  test('onQuery reports every query with its duration and outcome', async () => {
    const seen: Array<{ durationMs: number; ok: boolean }> = [];
    const store = await openStore({ url: `pglite:${copyOfTemplate()}`, onQuery: (info) => seen.push(info) });
    try {
      const before = seen.length;
      await store.state.set('s', 'k', 1);
      await store.db.query('SELECT 1/0').catch(() => {});
      await store.db.transaction(async (tx) => {
        await tx.query('SELECT 1');
      });
      assert.deepEqual(
        seen.slice(before).map((i) => i.ok),
        [true, false, true],
      );
      assert.ok(seen.every((i) => i.durationMs >= 0));
    } finally {
      await store.close();
    }
  });

  test('pglite:memory opens an in-memory store without a directory', async () => {
    const store = await openStore({ url: 'pglite:memory' });
    try {
      await store.state.set('s', 'k', 'v');
      assert.equal(await store.state.get('s', 'k'), 'v');
    } finally {
      await store.close();
    }
  });
});
