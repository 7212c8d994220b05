/**
 * The per-topic row: which version is current, and the project counters that
 * move with it. Shared by lock, archive and restore so the three keep the
 * invariants the same way:
 * - `current_version` is the newest version that is not archived (null: the
 *   whole topic is archived), and exactly that row has `is_current`;
 * - `priority`/`tags` on the topic mirror the current version.
 * Lock order is always topic row, then project row, so writers never deadlock.
 */
import { MemoryError } from '../errors.js';
import type { Priority, Sql } from '../sql.js';

export interface TopicRow {
  id: string;
  topic: string;
  latest_version: number;
  current_version: number | null;
}

const TOPIC_COLUMNS = 'id::text AS id, topic, latest_version, current_version';

export async function findTopic(db: Sql, principal: string, projectId: string, topic: string, lock = false): Promise<TopicRow | undefined> {
  const { rows } = await db.query<TopicRow>(
    `SELECT ${TOPIC_COLUMNS} FROM memory_topics
      WHERE project_id = $1 AND lower(topic) = lower($2) AND principal = $3${lock ? ' FOR UPDATE' : ''}`,
    [projectId, topic, principal],
  );
  return rows[0];
}

/** Locks the topic row, creating it (with no versions yet) when needed. */
export async function lockTopicForWrite(tx: Sql, principal: string, projectId: string, topic: string): Promise<TopicRow> {
  // DO NOTHING then lock: concurrent first locks of one topic both end up on the same row, one after the other.
  await tx.query(
    `INSERT INTO memory_topics (principal, project_id, topic) VALUES ($1, $2, $3)
     ON CONFLICT (project_id, lower(topic)) DO NOTHING`,
    [principal, projectId, topic],
  );
  const row = await findTopic(tx, principal, projectId, topic, true);
  if (!row) throw new Error(`topic row for ${topic} missing right after insert`);
  return row;
}

/** Locks an existing topic or explains how to find the right name. */
export async function lockExistingTopic(tx: Sql, principal: string, projectId: string, projectName: string, topic: string): Promise<TopicRow> {
  const row = await findTopic(tx, principal, projectId, topic, true);
  if (!row || row.latest_version === 0) throw notFound(topic, projectName);
  return row;
}

export function notFound(topic: string, projectName: string, suggestions: readonly string[] = []): MemoryError {
  const hint = suggestions.length > 0
    ? ` Similar topics: ${suggestions.map((s) => JSON.stringify(s)).join(', ')}.`
    : ' list_contexts or search_contexts shows what exists.';
  return new MemoryError(`No context named ${JSON.stringify(topic)} in project ${JSON.stringify(projectName)}.${hint}`);
}

/**
 * Recomputes the current version after versions were archived or restored,
 * moves the `is_current` flag, mirrors priority/tags, bumps change order and
 * returns the new current version (null when everything is archived).
 */
export async function refreshCurrent(
  tx: Sql,
  principal: string,
  topic: TopicRow,
  lastUnlocked: 'set' | 'clear' | 'keep',
): Promise<number | null> {
  const { rows } = await tx.query<{ version: number; priority: Priority; tags: string[] }>(
    `SELECT version, priority, tags FROM memory_contexts
      WHERE topic_id = $1 AND principal = $2 AND archived_at IS NULL
      ORDER BY version DESC LIMIT 1`,
    [topic.id, principal],
  );
  const next = rows[0];
  const current = next?.version ?? null;
  // Only rows whose flag actually flips are written, so a no-op refresh leaves no dead tuples.
  await tx.query(
    `UPDATE memory_contexts SET is_current = coalesce(version = $3::integer, false)
      WHERE topic_id = $1 AND principal = $2 AND (is_current OR version = $3::integer)
        AND is_current IS DISTINCT FROM coalesce(version = $3::integer, false)`,
    [topic.id, principal, current],
  );
  await tx.query(
    `UPDATE memory_topics
        SET current_version = $3, priority = coalesce($4, priority), tags = coalesce($5::text[], tags),
            last_unlocked_at = CASE $6::text WHEN 'set' THEN now() WHEN 'clear' THEN NULL ELSE last_unlocked_at END,
            change_seq = nextval('memory_change_seq'), updated_at = now()
      WHERE id = $1 AND principal = $2`,
    [topic.id, principal, current, next?.priority ?? null, next?.tags ?? null, lastUnlocked],
  );
  return current;
}

/** Applies counter deltas to the project row; called last in each write transaction. */
export async function bumpCounters(
  tx: Sql,
  principal: string,
  projectId: string,
  delta: { topicsActive?: number; topicsArchived?: number; versionsTotal?: number; versionsArchived?: number; handovers?: number },
): Promise<void> {
  await tx.query(
    `UPDATE memory_projects
        SET topics_active = topics_active + $3, topics_archived = topics_archived + $4,
            versions_total = versions_total + $5, versions_archived = versions_archived + $6,
            handovers = handovers + $7, updated_at = now()
      WHERE id = $1 AND principal = $2`,
    [
      projectId,
      principal,
      delta.topicsActive ?? 0,
      delta.topicsArchived ?? 0,
      delta.versionsTotal ?? 0,
      delta.versionsArchived ?? 0,
      delta.handovers ?? 0,
    ],
  );
}

/** Counter deltas for a topic whose current version went from `before` to `after`. */
export function activityDelta(before: number | null, after: number | null, isNew: boolean): { topicsActive: number; topicsArchived: number } {
  const wasActive = before !== null;
  const isActive = after !== null;
  if (wasActive === isActive) return { topicsActive: 0, topicsArchived: 0 };
  if (isActive) return { topicsActive: 1, topicsArchived: isNew ? 0 : -1 };
  return { topicsActive: -1, topicsArchived: 1 };
}
