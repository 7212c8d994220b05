/**
 * Reports every query's duration to OpenStoreOptions.onQuery. Applied once at
 * open and only when an observer is given, so a store without metrics pays
 * nothing per query.
 */
import type { ListenHandlers, PoolStats, QueryObserver, QueryResult, Unlisten } from './database.js';
import type { EngineDatabase, ScriptQueryable } from './engine.js';

export function observeQueries(db: EngineDatabase, observer: QueryObserver): EngineDatabase {
  return new ObservedDatabase(db, safe(observer));
}

/** The observer "must never throw"; if it does anyway, a metrics bug must not fail the query. */
function safe(observer: QueryObserver): QueryObserver {
  return (info) => {
    try {
      observer(info);
    } catch {
      // Deliberately ignored: see above.
    }
  };
}

async function timed<T>(observer: QueryObserver, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    const result = await run();
    observer({ durationMs: performance.now() - started, ok: true });
    return result;
  } catch (error) {
    observer({ durationMs: performance.now() - started, ok: false });
    throw error;
  }
}

class ObservedDatabase implements EngineDatabase {
  readonly #db: EngineDatabase;
  readonly #observer: QueryObserver;

  constructor(db: EngineDatabase, observer: QueryObserver) {
    this.#db = db;
    this.#observer = observer;
  }

  get engine() {
    return this.#db.engine;
  }

  get exclusive() {
    return this.#db.exclusive;
  }

  get kind() {
    return this.#db.kind;
  }

  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    return timed(this.#observer, () => this.#db.query<R>(sql, params));
  }

  transaction<T>(fn: (tx: ScriptQueryable) => Promise<T>): Promise<T> {
    const observer = this.#observer;
    return this.#db.transaction((tx) =>
      fn({
        query: (sql, params) => timed(observer, () => tx.query(sql, params)),
        exec: (sql, params) => timed(observer, () => tx.exec(sql, params)),
      }),
    );
  }

  listen(channel: string, handlers: ListenHandlers): Promise<Unlisten> {
    return this.#db.listen(channel, handlers);
  }

  notify(channel: string, payload: string): Promise<void> {
    return timed(this.#observer, () => this.#db.notify(channel, payload));
  }

  ping(timeoutMs: number): Promise<void> {
    return this.#db.ping(timeoutMs);
  }

  stats(): PoolStats {
    return this.#db.stats();
  }

  close(): Promise<void> {
    return this.#db.close();
  }
}
