import type { Database, Engine, QueryObserver } from './database.js';
import type { StoreKind } from './engine.js';
import type { EventRepository, MailboxRepository, Migration, SessionRepository, StateRepository } from './records.js';

/** The durable store: one database, the runtime's repositories over it, and migrations for apps. */
export interface Store {
  readonly engine: Engine;
  /** No other process can reach the database (PGlite, embedded PostgreSQL): see EngineDatabase.exclusive. */
  readonly exclusive: boolean;
  /** `embedded-postgres`, `pglite` or `postgres` (a server of its own): the `store` label of logs and metrics. */
  readonly kind: StoreKind;
  /** Raw SQL access for apps with their own tables (always parameterized). */
  readonly db: Database;
  readonly sessions: SessionRepository;
  readonly events: EventRepository;
  readonly state: StateRepository;
  readonly mailbox: MailboxRepository;
  /**
   * Applies `migrations` for `namespace` that are not applied yet, in version
   * order, each in its own transaction, under a database-wide advisory lock so
   * several instances booting at once apply each step exactly once.
   */
  migrate(namespace: string, migrations: readonly Migration[]): Promise<void>;
  close(): Promise<void>;
}

export interface StoreLogger {
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
}

export interface PoolOptions {
  /** Maximum connections (PostgreSQL only). Default 10. */
  max?: number;
  /** How long to wait for a connection before a query fails. Default 5000 ms. */
  connectionTimeoutMs?: number;
  /** Statement timeout applied to every query. Default 15000 ms. */
  queryTimeoutMs?: number;
  /** Idle connections are closed after this long. Default 30000 ms. */
  idleTimeoutMs?: number;
}

export interface ConnectRetryOptions {
  /** Give up opening the store after this long. Default 60000 ms (serverless databases take 10-15 s to wake). */
  timeoutMs?: number;
  /** First backoff delay. Default 250 ms, doubling, with jitter. */
  initialDelayMs?: number;
  /** Backoff ceiling. Default 5000 ms. */
  maxDelayMs?: number;
}

export interface OpenStoreOptions {
  /**
   * `embedded-postgres:<dir>` (a PostgreSQL child process this process starts and stops, one
   * process per directory), `pglite:<dir>` (PostgreSQL in WASM in this process, one process per
   * directory), `pglite:memory` (in memory, for tests), or a `postgres://` / `postgresql://` URL.
   */
  url: string;
  pool?: PoolOptions;
  connectRetry?: ConnectRetryOptions;
  logger?: StoreLogger;
  onQuery?: QueryObserver;
}
