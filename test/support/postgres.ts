/**
 * Real databases for tests. scripts/test.mjs sets DATABASE_URL (an embedded
 * PostgreSQL unless one was given); every test file makes its own fresh
 * database on it so files can run in parallel without seeing each other.
 */
import { createDatabase, type Database } from '../../harness/postgres.js';

export { sql } from '../../harness/postgres.js';
export { tempDir } from '../../harness/temp.js';
export type TestDatabase = Database;

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

export function createTestDatabase(): Promise<TestDatabase> {
  return createDatabase(adminUrl(), 'durable_mcp_test');
}
