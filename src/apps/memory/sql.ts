/**
 * What the repositories need from the database, derived from the public app
 * contract so the app never reaches into the store's own modules.
 */
import type { AppDatabase } from '../../index.js';

/** The database itself or an open transaction. */
export type Sql = Pick<AppDatabase, 'query'>;

/** Both drivers hand timestamptz back as Date; tolerate strings so a driver setting never breaks output. */
export function iso(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return new Date(String(value)).toISOString();
}

/** The text search configuration of every vector and query; both must agree or nothing matches. */
export const TS_CONFIG = 'english';

export type Priority = 'always_check' | 'important' | 'reference';
export const PRIORITIES = ['always_check', 'important', 'reference'] as const satisfies readonly Priority[];

/** The caller's identity as the memory app keys it: state belongs to the user, not to a transport session. */
export interface Caller {
  principal: string;
  /** The client's self-reported name, or '' when unknown. */
  clientName: string;
}

/** A project of the caller, with the counters wake_up reports. Ids are text: pg and PGlite disagree on int8. */
export interface Project {
  id: string;
  name: string;
  createdAt: string;
  updatedAt: string;
  topicsActive: number;
  topicsArchived: number;
  versionsTotal: number;
  versionsArchived: number;
  handovers: number;
}

/** The database with transactions, for writes that touch several rows. */
export type Db = Pick<AppDatabase, 'query' | 'transaction'>;
