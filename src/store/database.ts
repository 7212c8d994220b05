/**
 * The one seam between durable-mcp and a SQL engine. Both engines (embedded
 * PGlite and PostgreSQL through `pg`) implement exactly this, and everything
 * above it (repositories, migrations, apps) runs the same SQL on either.
 *
 * Nothing here knows about HTTP or MCP.
 */

export type Engine = 'pglite' | 'postgres';

export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

/** Anything that runs parameterized SQL: the database itself or an open transaction. */
export interface Queryable {
  /** Runs exactly one statement (on both engines); multi-statement scripts belong in migrations. */
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
}

export interface PoolStats {
  /** Connections that exist (PGlite: always 1). */
  total: number;
  /** Connections checked out right now. */
  inUse: number;
  /** Callers waiting for a connection. */
  waiting: number;
}

export type Unlisten = () => Promise<void>;

export interface Database extends Queryable {
  readonly engine: Engine;
  /** Runs `fn` in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Subscribes to a PostgreSQL NOTIFY channel. `onDisconnect` fires when the
   * listening connection was lost and notifications may have been missed
   * (callers that cache must then drop their cache); the engine reconnects by
   * itself and `onReconnect` fires once it listens again.
   */
  listen(channel: string, handlers: ListenHandlers): Promise<Unlisten>;
  notify(channel: string, payload: string): Promise<void>;
  /** Resolves when the database answered a trivial query within `timeoutMs`, rejects otherwise. */
  ping(timeoutMs: number): Promise<void>;
  stats(): PoolStats;
  /** Closes every connection. Further calls reject with StoreClosedError. */
  close(): Promise<void>;
}

export interface ListenHandlers {
  onPayload(payload: string): void;
  onDisconnect?(error: Error): void;
  onReconnect?(): void;
}

/** Called around every query, for metrics; must never throw. */
export type QueryObserver = (info: { durationMs: number; ok: boolean }) => void;

