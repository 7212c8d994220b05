/**
 * The store `durable-mcp serve` uses when none is given: embedded PostgreSQL
 * in `./.durable-mcp`, unless that directory already holds a PGlite database
 * (the default before embedded PostgreSQL; it keeps being served as it is) or
 * this platform has no PostgreSQL binaries (then PGlite, which runs anywhere).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { unavailableReason } from './embedded/binaries.js';

export const DEFAULT_STORE_DIR = './.durable-mcp';

export interface DefaultStore {
  url: string;
  /** Why the default is not embedded PostgreSQL, when it is not. */
  fallback?: string;
}

export async function chooseDefaultStore(dir = DEFAULT_STORE_DIR): Promise<DefaultStore> {
  if (holdsPglite(dir)) {
    return { url: `pglite:${dir}`, fallback: `${dir} holds a PGlite store (the earlier default); serving it with PGlite` };
  }
  const reason = await unavailableReason();
  if (reason !== undefined) return { url: `pglite:${dir}`, fallback: `${reason}; serving PGlite instead` };
  return { url: `embedded-postgres:${dir}` };
}

/** A PGlite data directory is a PostgreSQL data directory at the top; embedded PostgreSQL keeps its own in `pg/`. */
export function holdsPglite(dir: string): boolean {
  return existsSync(join(dir, 'PG_VERSION'));
}

export function holdsEmbeddedPostgres(dir: string): boolean {
  return existsSync(join(dir, 'pg', 'PG_VERSION'));
}
