/**
 * wake_up's read in one statement: the project (named, or the caller's
 * selection), its counters, the newest handover, the always_check contexts and
 * the recent ones. One round trip and one plan instead of five, which matters
 * most on PGlite where queries run one after another.
 */
import { WAKE_UP } from '../limits.js';
import { iso, type Caller, type Project, type Sql } from '../sql.js';
import type { Handover } from './handovers.js';
import { toTopicSummary, topicListSql, type TopicRow, type TopicSummary } from './listing.js';
import { toProject, type ProjectRow } from './projects.js';

export interface WakeSnapshot {
  project: Project;
  /** True when this client's own saved selection already points at the project. */
  selectedHere: boolean;
  handover: Handover | undefined;
  /** Up to WAKE_UP.alwaysCheck + 1 rows: one more than shown, to tell whether some were left out. */
  alwaysCheck: TopicSummary[];
  recent: TopicSummary[];
}

interface Row extends ProjectRow {
  selected_here: boolean;
  handover: { id: string; summary: string; next_steps: string[]; open_questions: string[]; client_name: string; created_at: string } | null;
  always_check: TopicRow[];
  recent: TopicRow[];
}

/** `name` picks a project by name; without it, the caller's selection. Undefined when there is no such project. */
export async function wakeSnapshot(db: Sql, caller: Caller, name: string | undefined): Promise<WakeSnapshot | undefined> {
  const params: unknown[] = [caller.principal, caller.clientName, name ?? null];
  const alwaysCheck = topicListSql(params, 'p.id', '$1', {
    status: 'active',
    priority: 'always_check',
    limit: WAKE_UP.alwaysCheck + 1,
    chars: WAKE_UP.alwaysCheckChars,
  });
  const recent = topicListSql(params, 'p.id', '$1', {
    status: 'active',
    notPriority: 'always_check',
    limit: WAKE_UP.recent,
    chars: WAKE_UP.previewChars,
  });
  const { rows } = await db.query<Row>(
    `WITH sel AS (
       SELECT project_id, client_name = $2 AS own FROM memory_selections
        WHERE principal = $1
        ORDER BY (client_name = $2) DESC, updated_at DESC
        LIMIT 1
     )
     SELECT p.id::text AS id, p.name, p.created_at, p.updated_at, p.topics_active, p.topics_archived,
            p.versions_total, p.versions_archived, p.handovers,
            coalesce((SELECT own AND project_id = p.id FROM sel), false) AS selected_here,
            (SELECT json_build_object('id', h.id::text, 'summary', h.summary, 'next_steps', h.next_steps,
                                      'open_questions', h.open_questions, 'client_name', h.client_name,
                                      'created_at', h.created_at)
               FROM memory_handovers h WHERE h.project_id = p.id AND h.principal = $1
              ORDER BY h.id DESC LIMIT 1) AS handover,
            (SELECT coalesce(json_agg(x ORDER BY x.seq::bigint DESC), '[]'::json) FROM (${alwaysCheck}) x) AS always_check,
            (SELECT coalesce(json_agg(x ORDER BY x.seq::bigint DESC), '[]'::json) FROM (${recent}) x) AS recent
       FROM memory_projects p
      WHERE p.principal = $1
        AND CASE WHEN $3::text IS NULL THEN p.id = (SELECT project_id FROM sel) ELSE lower(p.name) = lower($3::text) END`,
    params,
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    project: toProject(row),
    selectedHere: row.selected_here,
    handover: row.handover
      ? {
          id: row.handover.id,
          summary: row.handover.summary,
          nextSteps: row.handover.next_steps,
          openQuestions: row.handover.open_questions,
          client: row.handover.client_name,
          createdAt: iso(row.handover.created_at),
        }
      : undefined,
    alwaysCheck: row.always_check.map(toTopicSummary),
    recent: row.recent.map(toTopicSummary),
  };
}
