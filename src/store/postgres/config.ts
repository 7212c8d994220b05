/**
 * PoolOptions -> node-postgres configuration, decided once at open.
 */
import pg from 'pg';
import type { PoolOptions } from '../store.js';
import { StoreOptionsInvalidError } from '../errors.js';

export const APPLICATION_NAME = 'durable-mcp';
export const LISTEN_APPLICATION_NAME = 'durable-mcp-listen';

/** pg honours a per-query `query_timeout` and `queryMode`; @types/pg 8.23 declares neither. */
export type TimedQueryConfig = pg.QueryConfig & { query_timeout?: number; queryMode?: 'extended' };

/**
 * Always the extended protocol for query(), even without parameters: then one call is one statement
 * on both engines (PGlite's query() works that way) instead of pg silently accepting a script.
 */
export const EXTENDED = { queryMode: 'extended' } as const;

export interface ResolvedPoolOptions {
  max: number;
  connectionTimeoutMs: number;
  queryTimeoutMs: number;
  idleTimeoutMs: number;
}

export function resolvePoolOptions(options: PoolOptions = {}): ResolvedPoolOptions {
  const resolved = {
    max: options.max ?? 10,
    connectionTimeoutMs: options.connectionTimeoutMs ?? 5000,
    queryTimeoutMs: options.queryTimeoutMs ?? 15000,
    idleTimeoutMs: options.idleTimeoutMs ?? 30000,
  };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isInteger(value) || value <= 0) {
      throw new StoreOptionsInvalidError(`pool.${name} must be a positive integer, got ${String(value)}`);
    }
  }
  return resolved;
}

// int8 as bigint, like the PGlite engine (pg's default is a string). Everything else keeps pg's
// defaults, which already match PGlite's: timestamptz -> Date, json/jsonb -> parsed, text[] -> string[].
const INT8_OID = 20;
const parseBigInt = (value: string): bigint => BigInt(value);
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? parseBigInt
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

export function poolConfig(url: string, options: ResolvedPoolOptions): pg.PoolConfig {
  return {
    connectionString: url,
    max: options.max,
    connectionTimeoutMillis: options.connectionTimeoutMs,
    idleTimeoutMillis: options.idleTimeoutMs,
    // The server cancels a slow statement cleanly (SQLSTATE 57014); the client-side timeout, a
    // little later, covers a server or network that stopped answering altogether.
    statement_timeout: options.queryTimeoutMs,
    query_timeout: options.queryTimeoutMs + 1000,
    application_name: APPLICATION_NAME,
    keepAlive: true,
    types,
  };
}

export function listenClientConfig(url: string, options: ResolvedPoolOptions): pg.ClientConfig {
  return {
    connectionString: url,
    connectionTimeoutMillis: options.connectionTimeoutMs,
    application_name: LISTEN_APPLICATION_NAME,
    keepAlive: true,
    types,
  };
}
