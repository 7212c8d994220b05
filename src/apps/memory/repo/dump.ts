/**
 * Whole-project reads for export and import: every version of every topic,
 * archived ones included, which the tools never need at once. Content is read
 * in batches of topics so an export's memory is bounded by the batch, not by
 * the project, until the archive itself is built.
 */
import { iso, type Priority, type Sql } from '../sql.js';

/** Principals that own at least one project, for an export of the whole store. */
export async function listPrincipals(db: Sql): Promise<string[]> {
  const { rows } = await db.query<{ principal: string }>('SELECT DISTINCT principal FROM memory_projects ORDER BY principal');
  return rows.map((r) => r.principal);
}

/** Every project of a principal (the tools' listing stops at LIMITS.projectsMax), oldest first. */
export async function allProjectNames(db: Sql, principal: string): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>('SELECT name FROM memory_projects WHERE principal = $1 ORDER BY id', [principal]);
  return rows.map((r) => r.name);
}

export interface VersionMeta {
  version: number;
  priority: Priority;
  tags: string[];
  createdAt: string;
  archived: boolean;
}

export interface TopicVersions {
  topicId: string;
  topic: string;
  versions: VersionMeta[];
}

interface VersionRow {
  topic_id: string;
  topic: string;
  version: number;
  priority: Priority;
  tags: string[];
  created_at: unknown;
  archived: boolean;
}

/** Every topic of a project with its versions (no content), oldest change first: the order an import replays them in. */
export async function projectVersions(db: Sql, principal: string, projectId: string): Promise<TopicVersions[]> {
  const { rows } = await db.query<VersionRow>(
    `SELECT t.id::text AS topic_id, t.topic, c.version, c.priority, c.tags, c.created_at, c.archived_at IS NOT NULL AS archived
       FROM memory_topics t
       JOIN memory_contexts c ON c.topic_id = t.id AND c.principal = t.principal
      WHERE t.project_id = $1 AND t.principal = $2
      ORDER BY t.change_seq, c.version`,
    [projectId, principal],
  );
  const topics: TopicVersions[] = [];
  for (const r of rows) {
    let last = topics.at(-1);
    if (!last || last.topicId !== r.topic_id) topics.push((last = { topicId: r.topic_id, topic: r.topic, versions: [] }));
    last.versions.push({ version: r.version, priority: r.priority, tags: r.tags, createdAt: iso(r.created_at), archived: r.archived });
  }
  return topics;
}

/** Contents of every version of the given topics, keyed `<topicId>:<version>`. */
export async function versionContents(db: Sql, principal: string, topicIds: readonly string[]): Promise<Map<string, string>> {
  const { rows } = await db.query<{ topic_id: string; version: number; content: string }>(
    `SELECT topic_id::text AS topic_id, version, content FROM memory_contexts
      WHERE topic_id = ANY($1::bigint[]) AND principal = $2`,
    [topicIds, principal],
  );
  return new Map(rows.map((r) => [`${r.topic_id}:${r.version}`, r.content]));
}

export interface StoredVersion extends VersionMeta {
  content: string;
}

/** One topic's versions with their content, oldest first; empty when the topic does not exist. */
export async function topicHistory(db: Sql, principal: string, projectId: string, topic: string): Promise<StoredVersion[]> {
  const { rows } = await db.query<Omit<VersionRow, 'topic_id' | 'topic'> & { content: string }>(
    `SELECT c.version, c.priority, c.tags, c.created_at, c.archived_at IS NOT NULL AS archived, c.content
       FROM memory_topics t
       JOIN memory_contexts c ON c.topic_id = t.id AND c.principal = t.principal
      WHERE t.project_id = $1 AND lower(t.topic) = lower($2) AND t.principal = $3
      ORDER BY c.version`,
    [projectId, topic, principal],
  );
  return rows.map((r) => ({ version: r.version, priority: r.priority, tags: r.tags, createdAt: iso(r.created_at), archived: r.archived, content: r.content }));
}
