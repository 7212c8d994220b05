/**
 * Fast store fills for the sections that need many sessions before the server
 * starts (store-size RSS, reconnect storm): creating them over HTTP would take
 * minutes on PGlite and measure initialize, not what the section is about.
 */
import { randomBytes } from 'node:crypto';
import { openStore } from '../src/store/index.js';
import { LEGACY_VERSION } from './mcp.js';

export const newId = (): string => randomBytes(32).toString('base64url');

/**
 * Inserts `count` sessions. One is created through the repository (so the row
 * is exactly what the runtime writes), the rest are copies of it with fresh
 * ids, in bulk statements: every column except the id is copied, so this does
 * not depend on the table's layout beyond its name and the `id` column.
 */
export async function fillStore(storeUrl: string, count: number, deploymentId: string): Promise<string[]> {
  const store = await openStore({ url: storeUrl });
  try {
    const template = newId();
    const now = Date.now();
    await store.sessions.create({
      id: template,
      principal: 'anonymous',
      protocolVersion: LEGACY_VERSION,
      initializeParams: { protocolVersion: LEGACY_VERSION, capabilities: {}, clientInfo: { name: 'durable-mcp-bench', version: '1.0.0' } },
      logLevel: null,
      subscriptions: [],
      createdAt: new Date(now),
      expiresAt: new Date(now + 24 * 3600_000),
      deploymentId,
      meta: { lastDeploymentId: deploymentId },
    });
    const columns = await store.db.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns
       WHERE table_name = 'durable_mcp_sessions' AND table_schema = current_schema() AND column_name <> 'id'
       ORDER BY ordinal_position`,
    );
    const names = columns.rows.map((r) => `"${r.column_name.replace(/"/g, '""')}"`);
    const sql =
      `INSERT INTO durable_mcp_sessions (id, ${names.join(', ')}) ` +
      `SELECT u.id, ${names.map((n) => `s.${n}`).join(', ')} FROM durable_mcp_sessions s CROSS JOIN unnest($2::text[]) AS u(id) WHERE s.id = $1`;
    const ids = [template];
    while (ids.length < count) {
      const batch = Array.from({ length: Math.min(5000, count - ids.length) }, newId);
      await store.db.query(sql, [template, batch]);
      ids.push(...batch);
    }
    const stored = await store.sessions.count();
    if (stored < count) throw new Error(`fill: expected ${count} sessions in the store, found ${stored}`);
    return ids;
  } finally {
    await store.close();
  }
}

