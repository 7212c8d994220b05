/** Handovers: what one conversation leaves for the next (sleep writes; wake_up reads the newest, in repo/wake.ts). */
import { iso, type Caller, type Db, type Project, type Sql } from '../sql.js';
import { bumpCounters } from './topics.js';

export interface HandoverInput {
  summary: string;
  nextSteps: string[];
  openQuestions: string[];
  /** Import keeps the handover's original time; otherwise now(). */
  createdAt?: string;
}

export interface Handover extends Omit<HandoverInput, 'createdAt'> {
  id: string;
  client: string;
  createdAt: string;
}

export interface Saved extends Handover {
  /** True when the project's newest handover was already this one (same client, same texts): it is returned, nothing is added. */
  alreadyStored: boolean;
}

interface HandoverRow {
  id: string;
  summary: string;
  next_steps: string[];
  open_questions: string[];
  client_name: string;
  created_at: unknown;
}

const COLUMNS = 'id::text AS id, summary, next_steps, open_questions, client_name, created_at';

function toHandover(row: HandoverRow): Handover {
  return {
    id: row.id,
    summary: row.summary,
    nextSteps: row.next_steps,
    openQuestions: row.open_questions,
    client: row.client_name,
    createdAt: iso(row.created_at),
  };
}

/**
 * Stores a handover, unless the project's newest one is identical (same
 * client, summary, next steps and open questions): then that one is returned
 * and nothing is written, so a sleep re-sent after its answer was lost leaves
 * one handover, not two. The project row is locked first, so identical sleeps
 * sent at once store one.
 */
export async function saveHandover(db: Db, caller: Caller, project: Project, input: HandoverInput): Promise<Saved> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT 1 FROM memory_projects WHERE id = $1 AND principal = $2 FOR UPDATE', [project.id, caller.principal]);
    const newest = await tx.query<HandoverRow>(
      `SELECT ${COLUMNS} FROM memory_handovers WHERE project_id = $1 AND principal = $2 ORDER BY id DESC LIMIT 1`,
      [project.id, caller.principal],
    );
    const last = newest.rows[0];
    // An import (createdAt given) is matched by time and summary instead (hasHandover): it may replay two equal handovers.
    if (input.createdAt === undefined && last && sameHandover(last, caller, input)) return { ...toHandover(last), alreadyStored: true };
    const { rows } = await tx.query<HandoverRow>(
      `INSERT INTO memory_handovers (principal, project_id, summary, next_steps, open_questions, client_name, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, coalesce($7::timestamptz, now())) RETURNING ${COLUMNS}`,
      [caller.principal, project.id, input.summary, input.nextSteps, input.openQuestions, caller.clientName, input.createdAt ?? null],
    );
    await bumpCounters(tx, caller.principal, project.id, { handovers: 1 });
    const row = rows[0];
    if (!row) throw new Error('handover insert returned no row');
    return { ...toHandover(row), alreadyStored: false };
  });
}

function sameHandover(row: HandoverRow, caller: Caller, input: HandoverInput): boolean {
  return (
    row.client_name === caller.clientName &&
    row.summary === input.summary &&
    sameList(row.next_steps, input.nextSteps) &&
    sameList(row.open_questions, input.openQuestions)
  );
}

/** Next steps and open questions are ordered lists: equal means the same items in the same order. */
function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

/** A project's handovers, newest first, `before` an id (exclusive) for paging. */
export async function listHandovers(db: Sql, principal: string, projectId: string, page: { limit: number; before?: string }): Promise<Handover[]> {
  const { rows } = await db.query<HandoverRow>(
    `SELECT ${COLUMNS} FROM memory_handovers
      WHERE project_id = $1 AND principal = $2 AND ($3::bigint IS NULL OR id < $3::bigint)
      ORDER BY id DESC LIMIT $4`,
    [projectId, principal, page.before ?? null, page.limit],
  );
  return rows.map(toHandover);
}

/**
 * Whether the project already holds this handover (import's identity: its time
 * and summary). Compared at millisecond precision, which is what an export
 * carries: the stored microseconds would make a re-import into the same store
 * find nothing and write a duplicate.
 */
export async function hasHandover(db: Sql, principal: string, projectId: string, createdAt: string, summary: string): Promise<boolean> {
  const { rows } = await db.query<{ found: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM memory_handovers
                     WHERE project_id = $1 AND principal = $2 AND summary = $4
                       AND date_trunc('milliseconds', created_at) = date_trunc('milliseconds', $3::timestamptz)) AS found`,
    [projectId, principal, createdAt, summary],
  );
  return rows[0]?.found === true;
}
