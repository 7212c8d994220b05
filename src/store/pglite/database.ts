/**
 * `Database` over embedded PGlite: PostgreSQL compiled to WASM, in this
 * process, one connection. Good for a single process and for tests; several
 * processes need PostgreSQL (the directory lock enforces it).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite, types, type Results, type Transaction } from '@electric-sql/pglite';
import { type ListenHandlers, type PoolStats, type QueryResult, type Unlisten } from '../database.js';
import { ChannelRegistry } from '../channels.js';
import { quoteChannel, type EngineDatabase, type ScriptQueryable } from '../engine.js';
import { StoreClosedError, StoreUrlInvalidError, toStoreError } from '../errors.js';
import { holdsEmbeddedPostgres } from '../default-store.js';
import { withTimeout } from '../timeout.js';
import type { StoreLogger } from '../store.js';
import { acquireDirLock, type DirLock } from '../dir-lock.js';

// PGlite parses int8 into a JS number, silently losing precision above 2^53; `pg` gives
// strings. Both engines are configured to return bigint so repositories see one type.
const PARSERS = { [types.INT8]: (value: string): bigint => BigInt(value) };

export interface PgliteOptions {
  /** Data directory (created if missing), or undefined for an in-memory database. */
  dir: string | undefined;
  logger?: StoreLogger;
}

/**
 * PGlite's defaults size PostgreSQL for a server (128 MB shared_buffers), and in WASM every byte of
 * it is touched at start (its mmap zeroes memory) and never returned. 16 MB is plenty for one
 * process's store and cuts the resident size by about 110 MiB (docs/benchmarks.md).
 */
const START_PARAMS = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'];

export async function openPgliteDatabase(options: PgliteOptions): Promise<EngineDatabase> {
  const dir = options.dir === undefined ? undefined : resolve(options.dir);
  let lock: DirLock | undefined;
  if (dir !== undefined) {
    if (holdsEmbeddedPostgres(dir)) throw new StoreUrlInvalidError(`${dir} holds an embedded PostgreSQL store; open it with embedded-postgres:${options.dir}`);
    mkdirSync(dir, { recursive: true });
    lock = acquireDirLock(dir, 'PGlite');
  }
  try {
    if (dir !== undefined && !existsSync(join(dir, 'PG_VERSION'))) await initdbInChild(dir, options.logger);
    const pg = await PGlite.create(dir, { parsers: PARSERS, startParams: START_PARAMS });
    return new PgliteDatabase(pg, lock, options.logger);
  } catch (error) {
    lock?.release();
    throw error;
  }
}

/** Runs initdb-child.js and waits; see there why initdb must not run in this process. */
async function initdbInChild(dir: string, logger: StoreLogger | undefined): Promise<void> {
  const started = performance.now();
  const script = fileURLToPath(new URL('./initdb-child.js', import.meta.url));
  const outcome = await new Promise<{ how: string; stderr: string }>((done) => {
    const child = spawn(process.execPath, [script, dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    child.once('error', (error) => done({ how: `spawn failed: ${error.message}`, stderr }));
    child.once('close', (code, signal) => done({ how: signal ? `signal ${signal}` : `exit code ${code}`, stderr }));
  });
  if (outcome.how !== 'exit code 0') throw new Error(`PGlite could not create ${dir} (${outcome.how}): ${outcome.stderr.trim() || '(no output)'}`);
  logger?.info({ dir, durationMs: Math.round(performance.now() - started) }, 'PGlite created a new data directory in a child process');
}

class PgliteDatabase implements EngineDatabase {
  readonly engine = 'pglite' as const;
  readonly exclusive = true;
  readonly kind = 'pglite' as const;
  readonly #pg: PGlite;
  readonly #lock: DirLock | undefined;
  readonly #registry: ChannelRegistry;
  readonly #stopNotifications: () => void;
  /** Calls under way, so close() can let them finish before the WASM instance goes away. */
  readonly #running = new Set<Promise<unknown>>();
  #closed = false;

  constructor(pg: PGlite, lock: DirLock | undefined, logger: StoreLogger | undefined) {
    this.#pg = pg;
    this.#lock = lock;
    this.#registry = new ChannelRegistry((error, channel) =>
      logger?.error({ err: error, channel }, 'notification handler threw'),
    );
    // One global subscription, dispatched by our registry: PGlite's per-channel `listen` maps names
    // without undoing identifier quoting, so quoted names with special characters would not match.
    this.#stopNotifications = pg.onNotification((channel, payload) => this.#registry.deliver(channel, payload));
  }

  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    return this.#track(async () => {
      try {
        return toResult(await this.#pg.query<R>(sql, params as unknown[] | undefined));
      } catch (error) {
        throw toStoreError(error);
      }
    });
  }

  transaction<T>(fn: (tx: ScriptQueryable) => Promise<T>): Promise<T> {
    return this.#track(async () => {
      // Errors thrown by `fn` are the caller's and pass through as they are; only the engine's are wrapped.
      let own: { error: unknown } | undefined;
      try {
        return await this.#pg.transaction(async (tx) => {
          try {
            return await fn(wrapTransaction(tx));
          } catch (error) {
            own = { error };
            throw error;
          }
        });
      } catch (error) {
        if (own && own.error === error) throw error;
        throw toStoreError(error);
      }
    });
  }

  async listen(channel: string, handlers: ListenHandlers): Promise<Unlisten> {
    const quoted = quoteChannel(channel);
    if (this.#registry.add(channel, handlers)) {
      try {
        await this.#track(() => this.#pg.exec(`LISTEN ${quoted}`));
      } catch (error) {
        this.#registry.remove(channel, handlers);
        throw toStoreError(error);
      }
    }
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      if (this.#registry.remove(channel, handlers) && !this.#closed) {
        await this.#track(() => this.#pg.exec(`UNLISTEN ${quoted}`)).catch(() => {
          // Closing concurrently: nothing left to unlisten.
        });
      }
    };
  }

  async notify(channel: string, payload: string): Promise<void> {
    await this.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  ping(timeoutMs: number): Promise<void> {
    return withTimeout(this.query('SELECT 1'), timeoutMs, 'PGlite ping').then(() => undefined);
  }

  stats(): PoolStats {
    const running = this.#running.size;
    return { total: 1, inUse: running > 0 ? 1 : 0, waiting: Math.max(0, running - 1) };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#stopNotifications();
      this.#registry.clear();
      await Promise.allSettled([...this.#running]);
      await this.#pg.close();
    } finally {
      this.#lock?.release();
    }
  }

  #track<T>(run: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new StoreClosedError());
    const promise = run();
    this.#running.add(promise);
    const forget = () => this.#running.delete(promise);
    promise.then(forget, forget);
    return promise;
  }
}

function wrapTransaction(tx: Transaction): ScriptQueryable {
  return {
    async query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
      try {
        return toResult(await tx.query<R>(sql, params as unknown[] | undefined));
      } catch (error) {
        throw toStoreError(error);
      }
    },
    async exec(sql: string, params?: readonly unknown[]): Promise<void> {
      try {
        if (params === undefined) await tx.exec(sql);
        else await tx.query(sql, params as unknown[]);
      } catch (error) {
        throw toStoreError(error);
      }
    },
  };
}

function toResult<R>(res: Results<R>): QueryResult<R> {
  return { rows: res.rows, rowCount: res.rowCount ?? res.affectedRows ?? res.rows.length };
}
