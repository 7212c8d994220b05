/**
 * Versioned contexts: lock (append a version), archive, restore, recall.
 * Versions are immutable; archiving only stamps `archived_at`, so nothing a
 * user locked is ever destroyed by these tools.
 */
import { MemoryError } from '../errors.js';
import { RECALL_VERSIONS } from '../limits.js';
import { TS_CONFIG, iso, type Db, type Priority, type Project, type Sql } from '../sql.js';
import { rankingQuery } from './search.js';
import { activityDelta, bumpCounters, findTopic, lockExistingTopic, lockTopicForWrite, notFound, refreshCurrent, type TopicRow } from './topics.js';

export interface LockInput {
  topic: string;
  content: string;
  tags: string[];
  priority: Priority;
  /** Import keeps the version's original time; otherwise now(). */
  createdAt?: string;
  /** Lock only if this becomes that version number (an edit's or an import's optimistic check); otherwise MemoryError and nothing written. */
  expectVersion?: number;
  /**
   * Import replays a topic's history exactly, two equal consecutive versions
   * included (older stores made them), so the equal-to-current check is skipped.
   */
  replay?: boolean;
}

export interface Locked {
  topic: string;
  version: number;
  priority: Priority;
  tags: string[];
  createdAt: string;
  /** True when the lock equalled the current version, which is returned instead of adding a copy. */
  alreadyStored: boolean;
}

/**
 * Adds version n+1, unless the topic's current version already holds exactly
 * this content, priority and tags (as a set): then that version is returned,
 * marked already stored, and nothing is written. So a lock re-sent after its
 * answer was lost adds nothing, and lock_context is safe to repeat. Archived
 * versions do not count: locking an archived text again is how it is made
 * current again. The check runs with the topic row locked, so identical locks
 * sent at once store one version.
 */
export async function lockContext(db: Db, principal: string, project: Project, input: LockInput): Promise<Locked> {
  return db.transaction(async (tx) => {
    const topic = await lockTopicForWrite(tx, principal, project.id, input.topic);
    const same = input.replay ? undefined : await identicalCurrent(tx, principal, topic, input);
    if (same) return same;
    // latest_version counts archived versions too: a version number is never reused.
    const version = topic.latest_version + 1;
    if (input.expectVersion !== undefined && input.expectVersion !== version) {
      throw new MemoryError(`${JSON.stringify(topic.topic)} changed meanwhile: version ${version} would be written, not ${input.expectVersion}.`);
    }
    await tx.query(
      `UPDATE memory_topics
          SET latest_version = $3, current_version = $3, priority = $4, tags = $5,
              change_seq = nextval('memory_change_seq'), updated_at = now()
        WHERE id = $1 AND principal = $2`,
      [topic.id, principal, version, input.priority, input.tags],
    );
    await tx.query(
      `UPDATE memory_contexts SET is_current = false WHERE topic_id = $1 AND principal = $2 AND is_current`,
      [topic.id, principal],
    );
    const { rows } = await tx.query<{ created_at: unknown }>(
      `INSERT INTO memory_contexts (topic_id, version, principal, project_id, topic, content, tags, priority, is_current, search, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, true,
               setweight(to_tsvector('${TS_CONFIG}', $5), 'A')
               || setweight(to_tsvector('${TS_CONFIG}', $9), 'B')
               || setweight(to_tsvector('${TS_CONFIG}', $6), 'C'),
               coalesce($10::timestamptz, now()))
       RETURNING created_at`,
      [topic.id, version, principal, project.id, topic.topic, input.content, input.tags, input.priority, input.tags.join(' '), input.createdAt ?? null],
    );
    await bumpCounters(tx, principal, project.id, {
      versionsTotal: 1,
      ...activityDelta(topic.current_version, version, topic.latest_version === 0),
    });
    return { topic: topic.topic, version, priority: input.priority, tags: input.tags, createdAt: iso(rows[0]?.created_at), alreadyStored: false };
  });
}

/** The topic's current version when it equals the input (tags as a set), as lockContext returns it. */
async function identicalCurrent(tx: Sql, principal: string, topic: TopicRow, input: LockInput): Promise<Locked | undefined> {
  if (topic.current_version === null) return undefined;
  const { rows } = await tx.query<{ tags: string[]; created_at: unknown }>(
    `SELECT tags, created_at FROM memory_contexts
      WHERE topic_id = $1 AND version = $2 AND principal = $3
        AND content = $4 AND priority = $5 AND tags @> $6::text[] AND tags <@ $6::text[]`,
    [topic.id, topic.current_version, principal, input.content, input.priority, input.tags],
  );
  const row = rows[0];
  if (!row) return undefined;
  const stored = { topic: topic.topic, version: topic.current_version, priority: input.priority, tags: row.tags };
  return { ...stored, createdAt: iso(row.created_at), alreadyStored: true };
}

/** Which versions an unlock or restore applies to. */
export type VersionTarget = number | 'all' | 'last_archived';

export interface ArchiveOutcome {
  topic: string;
  /** Versions whose state changed by this call (empty when it was already done: the call is idempotent). */
  changed: number[];
  currentVersion: number | null;
}

export async function archiveVersions(db: Db, principal: string, project: Project, topicName: string, target: number | 'all'): Promise<ArchiveOutcome> {
  return db.transaction(async (tx) => {
    const topic = await lockExistingTopic(tx, principal, project.id, project.name, topicName);
    checkVersion(topic.topic, topic.latest_version, target);
    const { rows } = await tx.query<{ version: number }>(
      `UPDATE memory_contexts SET archived_at = now(), is_current = false
        WHERE topic_id = $1 AND principal = $2 AND archived_at IS NULL AND ($3::integer IS NULL OR version = $3::integer)
        RETURNING version`,
      [topic.id, principal, target === 'all' ? null : target],
    );
    return finishStateChange(tx, principal, project, topic, rows, { archived: true, lastUnlocked: 'set' });
  });
}

/**
 * Restores archived versions. `last_archived` undoes the most recent unlock:
 * the versions it archived share one `archived_at` (one transaction, one
 * now()), recorded on the topic and cleared by this restore so that a second
 * call changes nothing instead of reaching for an older unlock.
 */
export async function restoreVersions(db: Db, principal: string, project: Project, topicName: string, target: VersionTarget): Promise<ArchiveOutcome> {
  return db.transaction(async (tx) => {
    const topic = await lockExistingTopic(tx, principal, project.id, project.name, topicName);
    if (target !== 'last_archived') checkVersion(topic.topic, topic.latest_version, target);
    const { rows } = await tx.query<{ version: number }>(
      `UPDATE memory_contexts SET archived_at = NULL
        WHERE topic_id = $1 AND principal = $2 AND archived_at IS NOT NULL
          AND ($3::integer IS NULL OR version = $3::integer)
          -- Compared in SQL: a JS Date would drop the microseconds and match nothing.
          AND (NOT $4::boolean OR archived_at = (SELECT last_unlocked_at FROM memory_topics WHERE id = $1 AND principal = $2))
        RETURNING version`,
      [topic.id, principal, typeof target === 'number' ? target : null, target === 'last_archived'],
    );
    return finishStateChange(tx, principal, project, topic, rows, {
      archived: false,
      lastUnlocked: target === 'last_archived' ? 'clear' : 'keep',
    });
  });
}

async function finishStateChange(
  tx: Sql,
  principal: string,
  project: Project,
  topic: TopicRow,
  rows: Array<{ version: number }>,
  change: { archived: boolean; lastUnlocked: 'set' | 'clear' | 'keep' },
): Promise<ArchiveOutcome> {
  const changed = rows.map((r) => r.version).sort((a, b) => a - b);
  if (changed.length === 0) return { topic: topic.topic, changed, currentVersion: topic.current_version };
  const current = await refreshCurrent(tx, principal, topic, change.lastUnlocked);
  await bumpCounters(tx, principal, project.id, {
    versionsArchived: change.archived ? changed.length : -changed.length,
    ...activityDelta(topic.current_version, current, false),
  });
  return { topic: topic.topic, changed, currentVersion: current };
}

function checkVersion(topic: string, latest: number, target: number | 'all'): void {
  if (typeof target === 'number' && target > latest) {
    throw new MemoryError(`${JSON.stringify(topic)} has versions 1 to ${latest}; there is no version ${target}.`);
  }
}

export interface Recalled {
  topic: string;
  version: number;
  currentVersion: number | null;
  latestVersion: number;
  priority: Priority;
  tags: string[];
  createdAt: string;
  archivedAt: string | null;
  content: string;
  versions: Array<{ version: number; createdAt: string; archived: boolean }>;
}

export async function recallContext(db: Sql, principal: string, project: Project, topicName: string, version?: number): Promise<Recalled> {
  const topic = await findTopic(db, principal, project.id, topicName);
  if (!topic || topic.latest_version === 0) throw notFound(topicName, project.name, await suggestTopics(db, principal, project.id, topicName));
  let wanted: number;
  if (version !== undefined) {
    checkVersion(topic.topic, topic.latest_version, version);
    wanted = version;
  } else if (topic.current_version === null) {
    throw new MemoryError(
      `${JSON.stringify(topic.topic)} is archived (versions 1 to ${topic.latest_version}). ` +
        'Call restore_context to bring it back, or recall_context with a version to read an archived version.',
    );
  } else {
    wanted = topic.current_version;
  }
  const [row, history] = await Promise.all([
    db.query<{ version: number; priority: Priority; tags: string[]; created_at: unknown; archived_at: unknown; content: string }>(
      `SELECT version, priority, tags, created_at, archived_at, content FROM memory_contexts
        WHERE topic_id = $1 AND version = $2 AND principal = $3`,
      [topic.id, wanted, principal],
    ),
    db.query<{ version: number; created_at: unknown; archived: boolean }>(
      `SELECT version, created_at, archived_at IS NOT NULL AS archived FROM memory_contexts
        WHERE topic_id = $1 AND principal = $2 ORDER BY version DESC LIMIT $3`,
      [topic.id, principal, RECALL_VERSIONS],
    ),
  ]);
  const found = row.rows[0];
  if (!found) throw new Error(`version ${wanted} of topic ${topic.id} missing`);
  return {
    topic: topic.topic,
    version: found.version,
    currentVersion: topic.current_version,
    latestVersion: topic.latest_version,
    priority: found.priority,
    tags: found.tags,
    createdAt: iso(found.created_at),
    archivedAt: found.archived_at == null ? null : iso(found.archived_at),
    content: found.content,
    versions: history.rows.map((h) => ({ version: h.version, createdAt: iso(h.created_at), archived: h.archived })),
  };
}

/**
 * Topics that look like a name the caller got wrong. Only on a miss, through
 * the search index, and over a bounded candidate set so a typo never scans.
 */
async function suggestTopics(db: Sql, principal: string, projectId: string, topic: string): Promise<string[]> {
  const { rows } = await db.query<{ topic: string }>(
    `SELECT topic FROM (
       SELECT topic, ts_rank(search, ${rankingQuery('q')}) AS rank FROM memory_contexts, websearch_to_tsquery('${TS_CONFIG}', $3) q
        WHERE is_current AND search @@ q AND project_id = $1 AND principal = $2
        LIMIT 200
     ) candidates ORDER BY rank DESC LIMIT 5`,
    [projectId, principal, topic],
  );
  return rows.map((r) => r.topic);
}
