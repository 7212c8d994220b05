/** Handovers: what one conversation leaves for the next (sleep writes; wake_up reads the newest, in repo/wake.ts). */
import { iso, type Caller, type Db, type Project } from '../sql.js';
import { bumpCounters } from './topics.js';

export interface HandoverInput {
  summary: string;
  nextSteps: string[];
  openQuestions: string[];
}

export interface Handover extends HandoverInput {
  id: string;
  client: string;
  createdAt: string;
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

export async function saveHandover(db: Db, caller: Caller, project: Project, input: HandoverInput): Promise<Handover> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<HandoverRow>(
      `INSERT INTO memory_handovers (principal, project_id, summary, next_steps, open_questions, client_name)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
      [caller.principal, project.id, input.summary, input.nextSteps, input.openQuestions, caller.clientName],
    );
    await bumpCounters(tx, caller.principal, project.id, { handovers: 1 });
    const row = rows[0];
    if (!row) throw new Error('handover insert returned no row');
    return toHandover(row);
  });
}
