/**
 * The listing behind list_contexts, wake_up and the console's project page
 * must read only the page it returns, however large the project: checked on
 * the query plan (rows actually read), not on a clock. Found by the console
 * bench: with 10,000 topics PGlite joined and sorted every topic (~0.9 s).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { memoryApp } from '../../../src/apps/memory/index.js';
import { topicListSql } from '../../../src/apps/memory/repo/listing.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { freshStoreUrl, type EngineName } from './support.js';

interface PlanNode {
  'Relation Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  Plans?: PlanNode[];
}

/** Rows each scan of a table produced, over all its loops. */
function rowsRead(node: PlanNode, table: string): number {
  const own = node['Relation Name'] === table ? (node['Actual Rows'] ?? 0) * (node['Actual Loops'] ?? 1) : 0;
  return own + (node.Plans ?? []).reduce((n, child) => n + rowsRead(child, table), 0);
}

for (const engine of ['pglite', 'postgres'] as EngineName[]) {
  describe(`topic listing plan (${engine})`, () => {
    let store: Store | undefined;
    let drop: (() => Promise<void>) | undefined;
    after(async () => {
      await store?.close();
      await drop?.();
    });

    test('a page of 50 from 10,000 topics reads about 50 topics and 50 contexts', async () => {
      const target = await freshStoreUrl(engine);
      drop = target.drop;
      store = await openStore({ url: target.url });
      await store.migrate(memoryApp.name, memoryApp.migrations ?? []);
      const db = store.db;
      const { rows } = await db.query<{ id: string }>(`INSERT INTO memory_projects (principal, name) VALUES ('plan', 'big') RETURNING id::text AS id`);
      const projectId = rows[0]!.id;
      await db.query(
        `INSERT INTO memory_topics (principal, project_id, topic, latest_version, current_version)
         SELECT 'plan', $1::bigint, 'topic ' || g, 1, 1 FROM generate_series(1, 10000) g`,
        [projectId],
      );
      await db.query(
        `INSERT INTO memory_contexts (topic_id, version, principal, project_id, topic, content, priority, is_current, search)
         SELECT id, 1, 'plan', $1::bigint, topic, 'content of ' || topic, 'reference', true, to_tsvector('english', topic)
           FROM memory_topics WHERE project_id = $1::bigint`,
        [projectId],
      );
      await db.query('ANALYZE');
      const params: unknown[] = [projectId, 'plan'];
      const sql = topicListSql(params, '$1', '$2', { status: 'active', limit: 51, chars: 100 });
      const plan = await db.query<Record<string, unknown>>(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params);
      const raw = Object.values(plan.rows[0]!)[0];
      const root = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Array<{ Plan: PlanNode }>;
      const result = await db.query(sql, params);
      assert.equal(result.rows.length, 51);
      assert.ok(rowsRead(root[0]!.Plan, 'memory_topics') <= 60, `topics read: ${rowsRead(root[0]!.Plan, 'memory_topics')}`);
      assert.ok(rowsRead(root[0]!.Plan, 'memory_contexts') <= 60, `contexts read: ${rowsRead(root[0]!.Plan, 'memory_contexts')}`);
    });
  });
}
