/**
 * The migration runner, shared by the runtime's schema and apps' own tables.
 * Safe when N instances boot at once on one PostgreSQL: every step runs in
 * its own transaction holding a per-namespace advisory lock and re-checks
 * whether another instance applied it meanwhile.
 */
import type { EngineDatabase } from './engine.js';
import { MigrationFailedError, MigrationInvalidError, StoreQueryError } from './errors.js';
import type { Migration } from './records.js';
import type { StoreLogger } from './store.js';

export const MIGRATIONS_TABLE = 'durable_mcp_migrations';

const BOOTSTRAP_SQL = `CREATE TABLE IF NOT EXISTS durable_mcp_migrations (
  namespace text NOT NULL,
  version integer NOT NULL,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (namespace, version)
)`;

/** Throws MigrationInvalidError unless versions are positive int4s, unique and ascending, with names and SQL. */
export function validateMigrations(namespace: string, migrations: readonly Migration[]): void {
  if (typeof namespace !== 'string' || namespace.trim() === '') {
    throw new MigrationInvalidError('A migration namespace must be a non-empty string');
  }
  if (!Array.isArray(migrations)) throw new MigrationInvalidError(`Migrations for "${namespace}" must be an array`);
  let previous = 0;
  migrations.forEach((m, index) => {
    const where = `Migration #${index} of "${namespace}"`;
    if (!Number.isInteger(m?.version) || m.version < 1 || m.version > 2_147_483_647) {
      throw new MigrationInvalidError(`${where} has version ${String(m?.version)}; versions are positive integers`);
    }
    if (m.version <= previous) {
      throw new MigrationInvalidError(
        `${where} has version ${m.version} after version ${previous}; versions must be unique and listed in ascending order`,
      );
    }
    if (typeof m.name !== 'string' || m.name.trim() === '') throw new MigrationInvalidError(`${where} has no name`);
    if (typeof m.sql !== 'string' || m.sql.trim() === '') throw new MigrationInvalidError(`${where} has no SQL`);
    previous = m.version;
  });
}

/**
 * A stable signed 64-bit key for pg_advisory_xact_lock: FNV-1a over the
 * UTF-8 bytes. Computed here rather than with hashtext() so the key never
 * depends on the server's version or build.
 */
export function advisoryKey(namespace: string): bigint {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(`durable-mcp:migrate:${namespace}`)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return BigInt.asIntN(64, hash);
}

export async function migrate(
  db: EngineDatabase,
  namespace: string,
  migrations: readonly Migration[],
  logger?: StoreLogger,
): Promise<void> {
  validateMigrations(namespace, migrations);
  await ensureMigrationsTable(db);
  const applied = await appliedVersions(db, namespace);
  const pending = migrations.filter((m) => !applied.has(m.version));
  const lockKey = String(advisoryKey(namespace));
  for (const migration of pending) {
    const started = performance.now();
    const ran = await db.transaction(async (tx) => {
      // Waiting for another instance's long migration is expected: lift the statement timeout for this transaction.
      await tx.exec('SET LOCAL statement_timeout = 0');
      await tx.exec('SELECT pg_advisory_xact_lock($1::bigint)', [lockKey]);
      const done = await tx.query(`SELECT 1 FROM durable_mcp_migrations WHERE namespace = $1 AND version = $2`, [
        namespace,
        migration.version,
      ]);
      if (done.rowCount > 0) return false;
      try {
        await tx.exec(migration.sql);
      } catch (error) {
        throw new MigrationFailedError(namespace, migration.version, migration.name, error);
      }
      await tx.query(`INSERT INTO durable_mcp_migrations (namespace, version, name) VALUES ($1, $2, $3)`, [
        namespace,
        migration.version,
        migration.name,
      ]);
      return true;
    });
    if (ran) {
      const durationMs = Math.round(performance.now() - started);
      logger?.info({ namespace, version: migration.version, name: migration.name, durationMs }, 'migration applied');
    }
  }
}

async function ensureMigrationsTable(db: EngineDatabase): Promise<void> {
  // Fast path for every boot after the first; catalog reads take no lock.
  const exists = await db.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [
    MIGRATIONS_TABLE,
  ]);
  if (exists.rows[0]?.present) return;
  // Concurrent CREATE TABLE IF NOT EXISTS can still collide in the catalogs (23505); serialize it.
  const key = String(advisoryKey(''));
  try {
    await db.transaction(async (tx) => {
      await tx.exec('SELECT pg_advisory_xact_lock($1::bigint)', [key]);
      await tx.exec(BOOTSTRAP_SQL);
    });
  } catch (error) {
    if (!(error instanceof StoreQueryError) || error.sqlState !== '42P07') throw error;
  }
}

async function appliedVersions(db: EngineDatabase, namespace: string): Promise<Set<number>> {
  const res = await db.query<{ version: number }>(`SELECT version FROM durable_mcp_migrations WHERE namespace = $1`, [
    namespace,
  ]);
  return new Set(res.rows.map((r) => r.version));
}
