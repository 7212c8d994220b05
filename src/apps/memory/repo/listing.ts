/**
 * Topic listings, newest change first. All walk one partial index on
 * (project_id[, priority], change_seq DESC) and stop at the LIMIT, so their
 * cost does not grow with the project (test/apps/memory/listing-plan.test.ts
 * checks the plan with 10,000 topics).
 */
import { iso, type Priority, type Sql } from '../sql.js';

export interface TopicSummary {
  topic: string;
  /** The current version; for an archived topic, its newest version. */
  version: number;
  versions: number;
  priority: Priority;
  tags: string[];
  updatedAt: string;
  /** The start of the content, cut at `chars`; `truncated` says whether there is more. */
  content: string;
  truncated: boolean;
  /** Keyset cursor: the topic's position in change order. */
  seq: string;
}

export interface ListFilter {
  status: 'active' | 'archived';
  priority?: Priority;
  /** Excludes one priority (wake_up's "recent" leaves out always_check, shown separately). */
  notPriority?: Priority;
  tags?: string[];
  /** Only topics changed before this cursor (exclusive). */
  before?: string;
  limit: number;
  /** Characters of content to return. */
  chars: number;
}

/** A listing row as SQL returns it, directly or inside json_agg (where timestamps arrive as strings). */
export interface TopicRow {
  topic: string;
  version: number;
  versions: number;
  priority: Priority;
  tags: string[];
  updated_at: unknown;
  content: string;
  length: number;
  seq: string;
}

/**
 * The listing as SQL text, for use alone or as a subquery (wake_up nests two).
 * `project` and `principal` are SQL expressions (a placeholder or an outer
 * column); filter values are appended to `params` and referenced by position.
 */
export function topicListSql(params: unknown[], project: string, principal: string, filter: ListFilter): string {
  const where = [
    `t.project_id = ${project}`,
    `t.principal = ${principal}`,
    // Literal (not parameterized) so the planner can match the partial indexes.
    filter.status === 'active' ? 't.current_version IS NOT NULL' : 't.current_version IS NULL',
  ];
  if (filter.priority) where.push(`t.priority = $${params.push(filter.priority)}`);
  if (filter.notPriority) where.push(`t.priority <> $${params.push(filter.notPriority)}`);
  if (filter.tags && filter.tags.length > 0) where.push(`t.tags @> $${params.push(filter.tags)}::text[]`);
  if (filter.before) where.push(`t.change_seq < $${params.push(filter.before)}::bigint`);
  const chars = `$${params.push(filter.chars)}::integer`;
  const limit = `$${params.push(filter.limit)}::integer`;
  // The LIMIT sits on the topics alone, before the join: with it outside, the planner may join every topic of
  // the project and sort them (a hash join over 10,000 topics took ~0.9 s on PGlite) instead of walking the index.
  return `SELECT t.topic, c.version, t.latest_version AS versions, c.priority, c.tags, t.updated_at,
                 left(c.content, ${chars}) AS content, length(c.content) AS length, t.change_seq::text AS seq
            FROM (SELECT t.id, t.principal, t.topic, t.current_version, t.latest_version, t.updated_at, t.change_seq
                    FROM memory_topics t
                   WHERE ${where.join(' AND ')}
                   ORDER BY t.change_seq DESC
                   LIMIT ${limit}) t
            JOIN memory_contexts c ON c.topic_id = t.id AND c.principal = t.principal
                                  AND c.version = coalesce(t.current_version, t.latest_version)
           ORDER BY t.change_seq DESC`;
}

export function toTopicSummary(r: TopicRow): TopicSummary {
  return {
    topic: r.topic,
    version: r.version,
    versions: r.versions,
    priority: r.priority,
    tags: r.tags,
    updatedAt: iso(r.updated_at),
    content: r.content,
    truncated: r.length > r.content.length,
    seq: r.seq,
  };
}

export async function listTopics(db: Sql, principal: string, projectId: string, filter: ListFilter): Promise<TopicSummary[]> {
  const params: unknown[] = [projectId, principal];
  const { rows } = await db.query<TopicRow>(topicListSql(params, '$1', '$2', filter), params);
  return rows.map(toTopicSummary);
}
