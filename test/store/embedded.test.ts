/**
 * Embedded PostgreSQL (the default store): the shared contract on a real
 * managed cluster, plus what only a managed child process has: it never
 * outlives its owner (SIGKILL included), acknowledged rows survive the owner's
 * SIGKILL, and the leftovers of a crash (an orphaned postmaster, a pid file
 * naming a reused pid) do not stop the next start. A new cluster costs
 * seconds (initdb), so one is made and tests work on copies of it (`cp -a`
 * keeps the ownership a root run gives the service user).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore, StoreLockedError, StoreUrlInvalidError } from '../../src/store/index.js';
import { findBinaries } from '../../src/store/embedded/binaries.js';
import { tempDir } from '../support/postgres.js';
import { runStoreContract } from './contract.js';
import { expectAcknowledgedRows, newSession, STORE_MODULE, until } from './helpers.js';

const made: string[] = [];
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});
function scratchDir(prefix: string): string {
  const dir = tempDir(prefix);
  made.push(dir);
  return dir;
}

const template = join(scratchDir('durable-mcp-embedded-template'), 'store');
await (await openStore({ url: `embedded-postgres:${template}` })).close();

function copyOfTemplate(): string {
  const parent = scratchDir('durable-mcp-embedded');
  // What openStore does for itself when root; the orphan test starts PostgreSQL before any openStore.
  chmodSync(parent, 0o711);
  const dir = join(parent, 'store');
  execFileSync('cp', ['-a', template, dir]);
  return dir;
}

const postmasterPid = (dir: string): number => Number(readFileSync(join(dir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Every process whose command line names `dir`: the postmaster and its watchdog (Linux /proc). */
function processesOn(dir: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(dir)) found.push(Number(entry));
    } catch {
      // Exited while we looked.
    }
  }
  return found;
}

/** The PostgreSQL backends and auxiliary processes of `postmaster` (their parent is the postmaster). */
function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) found.push(Number(entry));
    } catch {
      // Exited while we looked.
    }
  }
  return found;
}

/** A child `node` that opens the store, reports what it is told to, and waits to be killed. */
function ownerProcess(code: string, dir: string) {
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
    env: { ...process.env, STORE_MODULE, DIR: dir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, exited, stdout: () => stdout };
}

runStoreContract('embedded-postgres', () => openStore({ url: `embedded-postgres:${copyOfTemplate()}` }));

describe('embedded-postgres engine', () => {
  test('data survives close and reopen; the lock file is released on close and the cluster stopped', async () => {
    const dir = copyOfTemplate();
    const session = newSession({ meta: { kept: true } });
    const first = await openStore({ url: `embedded-postgres:${dir}` });
    assert.equal(first.exclusive, true, 'only this process reaches the cluster');
    assert.ok(existsSync(join(dir, 'durable-mcp.pid')));
    const pid = postmasterPid(dir);
    await first.sessions.create(session);
    await first.close();
    assert.equal(existsSync(join(dir, 'durable-mcp.pid')), false);
    assert.equal(alive(pid), false, 'the postmaster stopped with the store');
    const second = await openStore({ url: `embedded-postgres:${dir}` });
    try {
      assert.equal((await second.sessions.get(session.id))?.id, session.id);
    } finally {
      await second.close();
    }
  });

  test('a second owner, in this process or another, fails with STORE_LOCKED', async () => {
    const dir = copyOfTemplate();
    const store = await openStore({ url: `embedded-postgres:${dir}` });
    try {
      const here = await openStore({ url: `embedded-postgres:${dir}` }).then(() => undefined, (e: unknown) => e);
      assert.ok(here instanceof StoreLockedError, String(here));
      const other = ownerProcess(
        `const { openStore } = await import(process.env.STORE_MODULE);
         try { await (await openStore({ url: 'embedded-postgres:' + process.env.DIR })).close(); console.log('{"opened":true}'); }
         catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`,
        dir,
      );
      await other.exited;
      const result = JSON.parse(other.stdout().trim()) as { code?: string; message?: string };
      assert.equal(result.code, 'STORE_LOCKED');
      assert.match(result.message ?? '', new RegExp(`another process \\(pid ${process.pid}\\) holds the embedded PostgreSQL data directory`));
      assert.deepEqual((await store.db.query('SELECT 1 AS ok')).rows, [{ ok: 1 }], 'the owner is unaffected');
    } finally {
      await store.close();
    }
  });

  test('SIGKILL of the owner stops the postmaster and every PostgreSQL process; acknowledged rows survive', async () => {
    const dir = copyOfTemplate();
    const owner = ownerProcess(
      `const { openStore } = await import(process.env.STORE_MODULE);
       const store = await openStore({ url: 'embedded-postgres:' + process.env.DIR });
       await store.db.query('CREATE TABLE crash (n int PRIMARY KEY)');
       for (let n = 1; ; n++) {
         await store.db.query('INSERT INTO crash VALUES ($1)', [n]);
         process.stdout.write(n + '\\n');
       }`,
      dir,
    );
    await until(() => /\n3\d\d\n/.test(owner.stdout()), 60_000, 'the owner to acknowledge 300 rows');
    const postmaster = postmasterPid(dir);
    const backends = childrenOf(postmaster);
    assert.ok(backends.length >= 3, `the postmaster has its processes (${backends.length})`);
    owner.child.kill('SIGKILL');
    await owner.exited;
    const acked = Math.max(...owner.stdout().trim().split('\n').map(Number));

    await until(() => !alive(postmaster), 10_000, 'the postmaster to exit after its owner was SIGKILLed');
    await until(() => backends.every((pid) => !alive(pid)), 10_000, 'every PostgreSQL process to exit');
    assert.deepEqual(processesOn(join(dir, 'pg')), [], 'nothing runs on the data directory any more');

    await expectAcknowledgedRows(`embedded-postgres:${dir}`, acked);
  });

  test('a new owner started at once after a SIGKILL waits for the old postmaster and opens the store', async () => {
    const dir = copyOfTemplate();
    const owner = ownerProcess(
      `const { openStore } = await import(process.env.STORE_MODULE);
       const store = await openStore({ url: 'embedded-postgres:' + process.env.DIR });
       await store.state.set('s', 'k', 'before the crash');
       console.log('ready');`,
      dir,
    );
    await until(() => owner.stdout().includes('ready'), 60_000, 'the first owner');
    owner.child.kill('SIGKILL');
    await owner.exited;
    const store = await openStore({ url: `embedded-postgres:${dir}` });
    try {
      assert.equal(await store.state.get('s', 'k'), 'before the crash');
    } finally {
      await store.close();
    }
  });

  test('an orphaned postmaster left running on the directory is stopped, and the store opens', async () => {
    const dir = copyOfTemplate();
    // A postmaster nobody supervises, as if its owner and watchdog had both been killed.
    const { postgres } = await findBinaries();
    const runAs = process.getuid?.() === 0 ? { uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })) } : {};
    const orphan = spawn(postgres, ['-D', join(dir, 'pg'), '-c', 'listen_addresses=', '-c', `unix_socket_directories=${join(dir, 'run')}`], {
      stdio: 'ignore',
      detached: true,
      ...runAs,
    });
    await until(() => existsSync(join(dir, 'pg', 'postmaster.pid')) && readFileSync(join(dir, 'pg', 'postmaster.pid'), 'utf8').includes('ready'), 30_000, 'the orphan to start');
    const store = await openStore({ url: `embedded-postgres:${dir}` });
    try {
      assert.equal(orphan.exitCode !== null || orphan.signalCode !== null || !alive(orphan.pid!), true, 'the orphan was stopped');
      assert.notEqual(postmasterPid(dir), orphan.pid, 'our own postmaster serves the store');
      assert.deepEqual((await store.db.query('SELECT 1 AS ok')).rows, [{ ok: 1 }]);
    } finally {
      await store.close();
    }
  });

  test('a postmaster.pid naming an unrelated live process (a reused pid) does not block the start', async () => {
    const dir = copyOfTemplate();
    const unrelated = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const fake = [String(unrelated.pid), join(dir, 'pg'), '1700000000', '5432', join(dir, 'run'), '', '0 0', 'ready', ''].join('\n');
      writeFileSync(join(dir, 'pg', 'postmaster.pid'), fake);
      const store = await openStore({ url: `embedded-postgres:${dir}` });
      try {
        assert.deepEqual((await store.db.query('SELECT 1 AS ok')).rows, [{ ok: 1 }]);
        assert.ok(alive(unrelated.pid!), 'the unrelated process was left alone');
      } finally {
        await store.close();
      }
    } finally {
      unrelated.kill('SIGKILL');
    }
  });

  test('an embedded PostgreSQL directory and a PGlite directory are never opened by the other engine', async () => {
    const dir = copyOfTemplate();
    const asPglite = await openStore({ url: `pglite:${dir}` }).then(() => undefined, (e: unknown) => e);
    assert.ok(asPglite instanceof StoreUrlInvalidError, String(asPglite));
    assert.match(asPglite.message, /holds an embedded PostgreSQL store; open it with embedded-postgres:/);
    const pgliteDir = scratchDir('durable-mcp-embedded-pglite');
    writeFileSync(join(pgliteDir, 'PG_VERSION'), '18\n');
    const asEmbedded = await openStore({ url: `embedded-postgres:${pgliteDir}` }).then(() => undefined, (e: unknown) => e);
    assert.ok(asEmbedded instanceof StoreUrlInvalidError, String(asEmbedded));
    assert.match(asEmbedded.message, /holds a PGlite store; open it with pglite:/);
  });
});
