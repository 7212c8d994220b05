/**
 * `Database` over PostgreSQL through one `pg.Pool` per store (never a pool
 * per call), plus one dedicated LISTEN connection created on first listen().
 * Creating it does not connect: openStore pings with retry.
 */
import pg from 'pg';
import { type ListenHandlers, type PoolStats, type QueryResult, type Unlisten } from '../database.js';
import type { EngineDatabase, ScriptQueryable } from '../engine.js';
import { StoreClosedError, toStoreError } from '../errors.js';
import type { PoolOptions, StoreLogger } from '../store.js';
import { withTimeout, type Backoff } from '../timeout.js';
import { EXTENDED, listenClientConfig, poolConfig, resolvePoolOptions, type TimedQueryConfig } from './config.js';
import { PgListener } from './listener.js';

export interface PostgresOptions {
  url: string;
  pool?: PoolOptions;
  logger?: StoreLogger;
  /** Pacing of LISTEN reconnects. Default 250 ms doubling to 5 s. */
  listenBackoff?: Backoff;
  /** Probe interval of the idle LISTEN connection. Default 30 s. */
  listenHeartbeatMs?: number;
}

/** setTimeout's ceiling: "no client-side timeout" for migrations, which may legitimately run for minutes. */
const UNBOUNDED_MS = 2_147_483_647;

export function createPostgresDatabase(options: PostgresOptions): EngineDatabase {
  return new PostgresDatabase(options);
}

class PostgresDatabase implements EngineDatabase {
  readonly engine = 'postgres' as const;
  readonly exclusive = false;
  readonly kind = 'postgres' as const;
  readonly #pool: pg.Pool;
  readonly #listener: PgListener;
  #closed = false;

  constructor(options: PostgresOptions) {
    const resolved = resolvePoolOptions(options.pool);
    this.#pool = new pg.Pool(poolConfig(options.url, resolved));
    // An idle client losing its server (restart, failover, idle kill) is reported here; without a
    // listener the pool's EventEmitter would throw it and crash the process.
    this.#pool.on('error', (error) => {
      options.logger?.warn({ err: error.message, sqlState: sqlStateOf(error) }, 'idle PostgreSQL connection failed');
    });
    this.#listener = new PgListener({
      client: listenClientConfig(options.url, resolved),
      logger: options.logger,
      backoff: options.listenBackoff ?? { initialDelayMs: 250, maxDelayMs: 5000 },
      heartbeatMs: options.listenHeartbeatMs ?? 30_000,
    });
  }

  async query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    if (this.#closed) throw new StoreClosedError();
    try {
      const config: TimedQueryConfig = { ...EXTENDED, text: sql, values: params as unknown[] | undefined };
      return toResult<R>(await this.#pool.query(config));
    } catch (error) {
      throw toStoreError(error);
    }
  }

  async transaction<T>(fn: (tx: ScriptQueryable) => Promise<T>): Promise<T> {
    if (this.#closed) throw new StoreClosedError();
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw toStoreError(error);
    }
    // A client whose BEGIN/COMMIT/ROLLBACK failed is in an unknown state: destroy it, never reuse it.
    let broken: Error | undefined;
    let open = true;
    const run = async (config: TimedQueryConfig): Promise<pg.QueryResult> => {
      if (!open) throw new Error('This transaction has already finished; use the store, not the transaction object');
      try {
        return await client.query(config);
      } catch (error) {
        throw toStoreError(error);
      }
    };
    const tx: ScriptQueryable = {
      query: async <R>(sql: string, params?: readonly unknown[]) =>
        toResult<R>(await run({ ...EXTENDED, text: sql, values: params as unknown[] | undefined })),
      exec: async (sql: string, params?: readonly unknown[]) => {
        await run({ text: sql, values: params as unknown[] | undefined, query_timeout: UNBOUNDED_MS });
      },
    };
    try {
      await run({ text: 'BEGIN' }).catch((error: Error) => {
        broken = error;
        throw error;
      });
      let result: T;
      try {
        result = await fn(tx);
      } catch (error) {
        await run({ text: 'ROLLBACK' }).catch((rollbackError: Error) => {
          broken = rollbackError;
        });
        throw error;
      }
      await run({ text: 'COMMIT' }).catch((error: Error) => {
        broken = error;
        throw error;
      });
      return result;
    } finally {
      open = false;
      client.release(broken);
    }
  }

  listen(channel: string, handlers: ListenHandlers): Promise<Unlisten> {
    if (this.#closed) return Promise.reject(new StoreClosedError());
    return this.#listener.listen(channel, handlers);
  }

  async notify(channel: string, payload: string): Promise<void> {
    await this.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  async ping(timeoutMs: number): Promise<void> {
    if (this.#closed) throw new StoreClosedError();
    // The race bounds the whole call, connection wait included (a hung server accepts TCP and never
    // answers; the pool's own connect timeout may be longer than the caller's budget).
    const config: TimedQueryConfig = { text: 'SELECT 1', query_timeout: Math.max(1, timeoutMs) };
    const query = this.#pool.query(config);
    try {
      await withTimeout(query, timeoutMs, 'PostgreSQL ping');
    } catch (error) {
      throw toStoreError(error);
    }
  }

  stats(): PoolStats {
    const pool = this.#pool;
    return { total: pool.totalCount, inUse: pool.totalCount - pool.idleCount, waiting: pool.waitingCount };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#listener.close();
    await this.#pool.end();
  }
}

function toResult<R>(res: pg.QueryResult): QueryResult<R> {
  return { rows: res.rows as R[], rowCount: res.rowCount ?? res.rows.length };
}

function sqlStateOf(error: Error): string | undefined {
  const code = (error as Error & { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
