/**
 * Real databases for tests. scripts/test.mjs sets DATABASE_URL (an embedded
 * PostgreSQL unless one was given); every test file makes its own fresh
 * database on it so files can run in parallel without seeing each other.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

export function adminUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) {
    throw new Error(
      'DATABASE_URL is not set: run the tests through `node scripts/test.mjs` (it starts an embedded PostgreSQL) ' +
        'or set DATABASE_URL to a PostgreSQL server where the user may CREATE DATABASE',
    );
  }
  return url;
}

async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl(), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  // A generated name of [a-z0-9_] only: CREATE DATABASE takes an identifier, not a bind parameter.
  const name = `durable_mcp_test_${randomBytes(6).toString('hex')}`;
  await withAdmin((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    async drop() {
      if (dropped) return;
      dropped = true;
      await withAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

const made = new Set<string>();
// A PGlite directory is ~40 MB: each one goes when the process that made it exits (a test file's process, after
// its `after` hooks stopped the servers using it). scripts/test.mjs also fails a run that leaves anything behind.
process.once('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory under the OS temp dir (for PGlite data dirs), removed when this process exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `${prefix.replace(/[^A-Za-z0-9_-]/g, '-')}-`));
  made.add(dir);
  return dir;
}

/** One statement on its own connection: for tests that look at (or change) the store behind the server's back. */
export async function sql<R extends pg.QueryResultRow = Record<string, unknown>>(url: string, text: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await client.query<R>(text, params);
  } finally {
    await client.end();
  }
}
