/**
 * What the engines give the store beyond the public `Database`: a way to run
 * migration scripts. Kept internal so apps see only parameterized `query`.
 */
import type { Database, Queryable } from './database.js';

export type StoreKind = 'embedded-postgres' | 'pglite' | 'postgres';

export interface ScriptQueryable extends Queryable {
  /**
   * Runs maintenance SQL with no client-side timeout (a migration, or waiting
   * for another instance's migration, may legitimately take minutes). Without
   * params it may hold several statements; with params it must be one.
   */
  exec(sql: string, params?: readonly unknown[]): Promise<void>;
}

export interface EngineDatabase extends Database {
  /**
   * True when no other process can reach this database (an embedded engine under the store's
   * directory lock): the runtime then need not re-read a session's termination on every request.
   */
  readonly exclusive: boolean;
  /** What serves it, for logs and metrics: the SQL engine alone does not tell embedded PostgreSQL from a shared one. */
  readonly kind: StoreKind;
  transaction<T>(fn: (tx: ScriptQueryable) => Promise<T>): Promise<T>;
}

/** A NOTIFY channel as a quoted identifier: LISTEN cannot take a bind parameter. */
export function quoteChannel(channel: string): string {
  if (typeof channel !== 'string' || channel.length === 0 || channel.includes('\0')) {
    throw new TypeError('A notification channel must be a non-empty string without NUL characters');
  }
  // PostgreSQL silently truncates longer identifiers, so LISTEN and pg_notify would disagree on the name.
  if (Buffer.byteLength(channel) > 63) {
    throw new TypeError(`Notification channel "${channel.slice(0, 20)}..." is longer than 63 bytes`);
  }
  return `"${channel.replaceAll('"', '""')}"`;
}
