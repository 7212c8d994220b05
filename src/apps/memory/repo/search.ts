/**
 * Ranked full-text search over current versions.
 *
 * Cost model: ranking has to read every candidate row (ts_rank needs the
 * vector), about 5-10 µs each, so ranking all matches of a word found in most
 * of 100,000 contexts would take half a second. Candidates are therefore the
 * CANDIDATES most recently changed matches, ranked among themselves:
 * - a specific query (fewer matches than that) is ranked exactly, via the GIN
 *   index (bitmap scan, then a top-N sort by recency);
 * - a broad query walks the recency index newest first and stops once it has
 *   enough matches, so its cost is bounded by how common the words are.
 * PostgreSQL picks between the two from its statistics, which is why the query
 * is written with the tsquery inline (a constant at plan time) and not in a CTE.
 * ts_headline, which re-parses the whole document, runs only on the page returned.
 *
 * Matching uses the whole query; ranking and highlighting use its positive
 * part (see rankingQuery), so an excluded word only ever removes matches.
 */
import { TS_CONFIG, iso, type Priority, type Sql } from '../sql.js';

/** Matches ranked per query at most; recency decides which when there are more. */
export const CANDIDATES = 400;

export interface SearchFilter {
  query: string;
  priority?: Priority;
  tags?: string[];
  limit: number;
}

export interface SearchHit {
  topic: string;
  version: number;
  priority: Priority;
  tags: string[];
  updatedAt: string;
  rank: number;
  snippet: string;
}

/** Snippet markup: markdown bold reads naturally to an assistant; fragments are joined with an ellipsis. */
const HEADLINE = 'StartSel=**, StopSel=**, MaxWords=35, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "';
const TSQUERY = `websearch_to_tsquery('${TS_CONFIG}', $3)`;

/**
 * The part of a tsquery to rank by: the query without its excluded words.
 * ts_rank scores a query of several ANDed terms by how close together its
 * terms stand in the document, counting every term, negated ones included. An
 * excluded word is absent from every match by definition, so `canary
 * -kubernetes` (`'canari' & !'kubernet'`) leaves `canary` with no term to pair
 * with and ranks every match 0, and the order falls back to recency.
 * querytree() is PostgreSQL's own positive part of a query (what an index can
 * look up): `'canari' & !'kubernet'` becomes `'canari'`, a phrase or an OR
 * keeps its shape. It answers 'T' when an exclusion stands alone or inside an
 * OR (`-kubernetes`, `canary OR -kubernetes`); the whole query ranks then,
 * which ts_rank scores term by term for an OR and as 0 for a bare exclusion
 * (nothing to rank by: recency decides). Both are immutable functions of a
 * constant, evaluated once per statement.
 */
export function rankingQuery(tsquery: string): string {
  return `(CASE querytree(${tsquery}) WHEN 'T' THEN ${tsquery} ELSE querytree(${tsquery})::tsquery END)`;
}
const RANKING = rankingQuery(TSQUERY);

interface Row {
  topic: string;
  version: number;
  priority: Priority;
  tags: string[];
  created_at: unknown;
  rank: number;
  snippet: string;
}

export async function searchContexts(db: Sql, principal: string, projectId: string, filter: SearchFilter): Promise<SearchHit[]> {
  const params: unknown[] = [projectId, principal, filter.query, filter.limit, CANDIDATES];
  // Fixed fragments chosen by the filter; every value is a parameter.
  const where = ['is_current', `search @@ ${TSQUERY}`, 'project_id = $1', 'principal = $2'];
  if (filter.priority) where.push(`priority = $${params.push(filter.priority)}`);
  if (filter.tags && filter.tags.length > 0) where.push(`tags @> $${params.push(filter.tags)}::text[]`);
  const { rows } = await db.query<Row>(
    `WITH candidates AS (
       SELECT topic_id, version, created_at, search FROM memory_contexts
        WHERE ${where.join(' AND ')}
        ORDER BY created_at DESC
        LIMIT $5
     ), ranked AS (
       SELECT topic_id, version, ts_rank(search, ${RANKING})::float8 AS rank, created_at
         FROM candidates
        ORDER BY rank DESC, created_at DESC
        LIMIT $4
     )
     SELECT c.topic, c.version, c.priority, c.tags, c.created_at, r.rank,
            ts_headline('${TS_CONFIG}', c.content, ${RANKING}, '${HEADLINE}') AS snippet
       FROM ranked r
       JOIN memory_contexts c ON c.topic_id = r.topic_id AND c.version = r.version AND c.principal = $2
      ORDER BY r.rank DESC, r.created_at DESC`,
    params,
  );
  return rows.map((r) => ({
    topic: r.topic,
    version: r.version,
    priority: r.priority,
    tags: r.tags,
    updatedAt: iso(r.created_at),
    rank: Math.round(r.rank * 1e4) / 1e4,
    snippet: r.snippet,
  }));
}

/** True when the query keeps at least one searchable word (stop words alone match nothing). */
export async function hasSearchableWords(db: Sql, query: string): Promise<boolean> {
  const { rows } = await db.query<{ nodes: number }>(
    `SELECT numnode(websearch_to_tsquery('${TS_CONFIG}', $1)) AS nodes`,
    [query],
  );
  return (rows[0]?.nodes ?? 0) > 0;
}
