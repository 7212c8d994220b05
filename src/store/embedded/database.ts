/**
 * `Database` over a PostgreSQL server that this process starts, owns and
 * stops: the default store. Queries go through the same `pg` engine as any
 * PostgreSQL; this module adds the cluster's life cycle around it. Only this
 * process can reach the cluster (directory lock, Unix socket in a 0700
 * directory), so the store is `exclusive` like PGlite.
 *
 * Close order: the pool first, then the cluster (fast shutdown), then the lock.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ListenHandlers, PoolStats, QueryResult, Unlisten } from '../database.js';
import { holdsPglite } from '../default-store.js';
import { acquireDirLock } from '../dir-lock.js';
import { StoreUrlInvalidError } from '../errors.js';
import type { EngineDatabase, ScriptQueryable } from '../engine.js';
import { createPostgresDatabase } from '../postgres/database.js';
import { resolvePoolOptions } from '../postgres/config.js';
import type { PoolOptions, StoreLogger } from '../store.js';
import { findBinaries } from './binaries.js';
import { startCluster, type RunningCluster } from './cluster.js';
import { serviceUser } from './os-user.js';

export interface EmbeddedOptions {
  dir: string;
  pool?: PoolOptions;
  logger?: StoreLogger;
}

export async function openEmbeddedDatabase(options: EmbeddedOptions): Promise<EngineDatabase> {
  const dir = resolve(options.dir);
  if (holdsPglite(dir)) throw new StoreUrlInvalidError(`${dir} holds a PGlite store; open it with pglite:${options.dir}`);
  mkdirSync(dir, { recursive: true });
  const lock = acquireDirLock(dir, 'embedded PostgreSQL');
  let cluster: RunningCluster | undefined;
  try {
    const binaries = await findBinaries();
    const pool = resolvePoolOptions(options.pool);
    cluster = await startCluster({ dir, binaries, runAs: serviceUser(options.logger), connections: pool.max + 1, logger: options.logger });
    const db = createPostgresDatabase({ url: cluster.url, pool: options.pool, logger: options.logger });
    const owned = new EmbeddedDatabase(db, cluster, lock, options.logger);
    await db.ping(5000);
    return owned;
  } catch (error) {
    await cluster?.stop();
    lock.release();
    throw error;
  }
}

class EmbeddedDatabase implements EngineDatabase {
  readonly engine = 'postgres' as const;
  readonly exclusive = true;
  readonly kind = 'embedded-postgres' as const;
  readonly #db: EngineDatabase;
  readonly #cluster: RunningCluster;
  readonly #lock: { release(): void };
  #closing: Promise<void> | undefined;

  constructor(db: EngineDatabase, cluster: RunningCluster, lock: { release(): void }, logger: StoreLogger | undefined) {
    this.#db = db;
    this.#cluster = cluster;
    this.#lock = lock;
    void cluster.exited.then((how) => {
      // Queries now fail with connection errors and /readyz turns 503; a supervisor restarts the server.
      if (this.#closing === undefined) logger?.error({ pid: cluster.pid, how }, 'embedded PostgreSQL exited unexpectedly');
    });
  }

  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    return this.#db.query<R>(sql, params);
  }

  transaction<T>(fn: (tx: ScriptQueryable) => Promise<T>): Promise<T> {
    return this.#db.transaction(fn);
  }

  listen(channel: string, handlers: ListenHandlers): Promise<Unlisten> {
    return this.#db.listen(channel, handlers);
  }

  notify(channel: string, payload: string): Promise<void> {
    return this.#db.notify(channel, payload);
  }

  ping(timeoutMs: number): Promise<void> {
    return this.#db.ping(timeoutMs);
  }

  stats(): PoolStats {
    return this.#db.stats();
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      try {
        await this.#db.close();
      } finally {
        try {
          await this.#cluster.stop();
        } finally {
          this.#lock.release();
        }
      }
    })();
    return this.#closing;
  }
}
