/**
 * One managed PostgreSQL cluster in a store directory:
 *
 *   <dir>/durable-mcp.pid   the owner's lock (dir-lock.ts)
 *   <dir>/pg/               the data directory (initdb)
 *   <dir>/run/              the Unix socket; no TCP port is opened
 *
 * Lean settings for a single-process, laptop-sized store (see
 * docs/benchmarks.md for what each costs and saves), PostgreSQL's own
 * durability left as it is: fsync and synchronous_commit on.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedPostgresError } from '../errors.js';
import type { StoreLogger } from '../store.js';
import { sleep } from '../timeout.js';
import type { PostgresBinaries } from './binaries.js';
import { clearLeftovers, readPostmasterFile } from './leftovers.js';
import { giveTo, grantTraversal, type RunAs } from './os-user.js';
import { startSupervised, type Supervised } from './watchdog.js';

export const SUPERUSER = 'postgres';
export const DATABASE = 'postgres';
const SOCKET_PORT = 5432;
// sun_path holds 108 bytes on Linux, 104 on macOS; a deep store directory would not fit.
const MAX_SOCKET_PATH = 100;

export interface ClusterOptions {
  dir: string;
  binaries: PostgresBinaries;
  runAs: RunAs | undefined;
  /** Client connections the server will open (its pool plus the LISTEN connection). */
  connections: number;
  logger: StoreLogger | undefined;
  /** How long a start (crash recovery included) may take. */
  startTimeoutMs?: number;
}

export interface RunningCluster {
  /** A node-postgres connection string over the Unix socket. */
  readonly url: string;
  readonly pid: number;
  /** Resolves when the postmaster is gone, however it went. */
  readonly exited: Promise<string>;
  /** Fast shutdown; resolves once the postmaster has exited. */
  stop(timeoutMs?: number): Promise<void>;
}

export async function startCluster(options: ClusterOptions): Promise<RunningCluster> {
  const { dir, binaries, runAs, logger } = options;
  const dataDir = join(dir, 'pg');
  const socketDir = socketDirFor(dir);
  for (const own of [dataDir, socketDir]) {
    mkdirSync(own, { recursive: true, mode: 0o700 });
    if (runAs) {
      giveTo(own, runAs);
      grantTraversal(own, logger);
    }
  }
  if (runAs) grantTraversal(binaries.postgres, logger);
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await initdb(dataDir, options);
  await clearLeftovers(dataDir, socketDir, logger);

  const tail: string[] = [];
  const supervised = startSupervised(binaries.postgres, ['-D', dataDir, ...settings(socketDir, options.connections)], runAs, (line) => {
    tail.push(line);
    if (tail.length > 20) tail.shift();
    logger?.warn({ line }, 'embedded PostgreSQL');
  });
  const pid = await waitReady(dataDir, supervised, options.startTimeoutMs ?? 60_000, () => tail.join('\n'));
  const url = `postgres://${SUPERUSER}@localhost/${DATABASE}?host=${encodeURIComponent(socketDir)}&port=${SOCKET_PORT}`;
  return {
    url,
    pid,
    exited: supervised.exited,
    async stop(timeoutMs = 30_000) {
      supervised.requestStop();
      const timer = setTimeout(() => {
        // A fast shutdown that hangs (a stuck checkpoint): immediate shutdown; crash recovery keeps committed data.
        logger?.warn({ pid, timeoutMs }, 'embedded PostgreSQL did not stop in time; sending SIGQUIT');
        try {
          process.kill(pid, 'SIGQUIT');
        } catch {
          // Already gone.
        }
      }, timeoutMs);
      await supervised.exited;
      clearTimeout(timer);
    },
  };
}

function settings(socketDir: string, connections: number): string[] {
  const set = (name: string, value: string | number) => ['-c', `${name}=${value}`];
  return [
    ...set('listen_addresses', ''),
    ...set('unix_socket_directories', socketDir),
    ...set('unix_socket_permissions', '0700'),
    ...set('port', SOCKET_PORT),
    // Room for the pool, the LISTEN connection and a few for maintenance.
    ...set('max_connections', connections + 5),
    // 32 MB of buffers is plenty for a single-user store; the OS page cache holds the rest.
    ...set('shared_buffers', '32MB'),
    // No I/O worker, logical replication launcher, WAL sender or parallel workers: each is a process.
    ...set('io_method', 'sync'),
    ...set('max_worker_processes', 0),
    ...set('max_logical_replication_workers', 0),
    ...set('max_wal_senders', 0),
    ...set('wal_level', 'minimal'),
    ...set('huge_pages', 'off'),
    // Statement errors are the application's to report; keep fatal ones (failed start, crashes).
    ...set('log_min_messages', 'fatal'),
  ];
}

async function initdb(dataDir: string, options: ClusterOptions): Promise<void> {
  const { binaries, runAs, logger } = options;
  const started = performance.now();
  const args = [
    '-D', dataDir,
    '-U', SUPERUSER,
    // Only the socket is open, and its directory is 0700: only this user (and root) can reach it.
    '--auth=trust',
    '-E', 'UTF8',
    // The builtin provider needs no OS locale, so a fresh machine or a slim container behaves the same.
    '--locale-provider=builtin', '--builtin-locale=C.UTF-8', '--locale=C',
    '--no-instructions',
    // One syncfs() instead of an fsync per file: a new store is durable before the server answers, in less time.
    '--sync-method=syncfs',
  ];
  const { outcome, output } = await run(binaries.initdb, args, runAs);
  if (outcome !== 'exit code 0') {
    // A half-made data directory would make the next start skip initdb; empty it (initdb needs it empty).
    for (const name of readdirSync(dataDir)) rmSync(join(dataDir, name), { recursive: true, force: true });
    throw new EmbeddedPostgresError(`initdb failed (${outcome}) in ${dataDir}: ${output.trim().split('\n').slice(-8).join(' | ')}`);
  }
  logger?.info({ dataDir, durationMs: Math.round(performance.now() - started) }, 'embedded PostgreSQL initialized a new data directory');
}

/** Runs a binary to completion; `outcome` is 'exit code 0' on success. */
function run(file: string, args: string[], runAs: RunAs | undefined): Promise<{ outcome: string; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_MESSAGES: 'C' }, ...(runAs && { uid: runAs.uid, gid: runAs.gid }) });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', (error) => resolve({ outcome: `spawn failed: ${error.message}`, output }));
    child.once('close', (code, signal) => resolve({ outcome: signal ? `signal ${signal}` : `exit code ${code}`, output }));
  });
}

/** Polls postmaster.pid until our postmaster says `ready` (as pg_ctl does), or fails with its last output. */
async function waitReady(dataDir: string, supervised: Supervised, timeoutMs: number, output: () => string): Promise<number> {
  let exited: string | undefined;
  void supervised.exited.then((how) => (exited = how));
  let pid: number | undefined;
  void supervised.postmasterPid.then((p) => (pid = p));
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (exited !== undefined) throw new EmbeddedPostgresError(`PostgreSQL exited while starting (${exited}): ${output() || '(no output)'}`);
    // The pid must match: a file left by a crash can say 'ready' too.
    const file = pid === undefined ? undefined : readPostmasterFile(dataDir);
    if (file && file.pid === pid && file.status === 'ready') return pid!;
    if (performance.now() > deadline) {
      supervised.requestStop();
      throw new EmbeddedPostgresError(`PostgreSQL did not accept connections within ${timeoutMs} ms: ${output() || '(no output)'}`);
    }
    await sleep(10);
  }
}

/** `<dir>/run`, or a private directory under the system temp dir when that path is too long for a socket. */
function socketDirFor(dir: string): string {
  const preferred = join(dir, 'run');
  if (join(preferred, `.s.PGSQL.${SOCKET_PORT}`).length <= MAX_SOCKET_PATH) return preferred;
  return mkdtempSync(join(existsSync('/tmp') ? '/tmp' : tmpdir(), 'durable-mcp-'));
}
