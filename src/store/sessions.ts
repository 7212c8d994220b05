/**
 * SessionRepository in SQL shared by both engines. Dates go in as ISO
 * strings and JSON as text, so neither driver's own value conversion
 * (pg turns JS arrays into PostgreSQL arrays) can change what is stored.
 */
import type { Queryable } from './database.js';
import type { NewSession, SessionRecord, SessionRepository, SessionStatus, SessionTouch, SweptSession } from './records.js';
import { toJson } from './json.js';

interface SessionRow {
  id: string;
  principal: string;
  protocol_version: string;
  initialize_params: Record<string, unknown>;
  log_level: string | null;
  subscriptions: string[];
  created_at: Date;
  last_active_at: Date;
  expires_at: Date;
  terminated_at: Date | null;
  deployment_id: string;
  meta: Record<string, unknown>;
  route: string;
}

const COLUMNS = `id, principal, protocol_version, initialize_params, log_level, subscriptions, created_at,
  last_active_at, expires_at, terminated_at, deployment_id, meta, route`;

export class SqlSessionRepository implements SessionRepository {
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  async create(session: NewSession): Promise<void> {
    await this.#db.query(
      `INSERT INTO durable_mcp_sessions (id, principal, protocol_version, initialize_params, log_level, subscriptions,
         created_at, last_active_at, expires_at, deployment_id, meta, route)
       VALUES ($1, $2, $3, $4::text::jsonb, $5, $6::text[], $7::timestamptz, $7::timestamptz, $8::timestamptz, $9,
         $10::text::jsonb, $11)`,
      [
        session.id,
        session.principal,
        session.protocolVersion,
        toJson(session.initializeParams),
        session.logLevel,
        session.subscriptions,
        session.createdAt.toISOString(),
        session.expiresAt.toISOString(),
        session.deploymentId,
        toJson(session.meta ?? {}),
        session.route ?? '',
      ],
    );
  }

  async statuses(ids: readonly string[]): Promise<Map<string, SessionStatus>> {
    const found = new Map<string, SessionStatus>();
    if (ids.length === 0) return found;
    const res = await this.#db.query<{ id: string; principal: string; expires_at: Date; terminated_at: Date | null }>(
      'SELECT id, principal, expires_at, terminated_at FROM durable_mcp_sessions WHERE id = ANY($1::text[])',
      [ids],
    );
    for (const row of res.rows) {
      found.set(row.id, { principal: row.principal, expiresAt: row.expires_at, terminatedAt: row.terminated_at });
    }
    return found;
  }

  async get(id: string): Promise<SessionRecord | undefined> {
    const res = await this.#db.query<SessionRow>(`SELECT ${COLUMNS} FROM durable_mcp_sessions WHERE id = $1`, [id]);
    const row = res.rows[0];
    return row === undefined ? undefined : toRecord(row);
  }

  async touch(batch: readonly SessionTouch[]): Promise<void> {
    if (batch.length === 0) return;
    // One row per id (the latest times win) in id order: an UPDATE ... FROM with duplicate ids would
    // apply an arbitrary one, and a stable order keeps concurrent batches from locking rows crosswise.
    const latest = new Map<string, { last: number; expires: number }>();
    for (const t of batch) {
      const last = t.lastActiveAt.getTime();
      const expires = t.expiresAt.getTime();
      const seen = latest.get(t.id);
      if (!seen) latest.set(t.id, { last, expires });
      else latest.set(t.id, { last: Math.max(seen.last, last), expires: Math.max(seen.expires, expires) });
    }
    const ids = [...latest.keys()].sort();
    const lastActive = ids.map((id) => new Date(latest.get(id)!.last).toISOString());
    const expires = ids.map((id) => new Date(latest.get(id)!.expires).toISOString());
    await this.#db.query(
      `UPDATE durable_mcp_sessions AS s
       SET last_active_at = GREATEST(s.last_active_at, t.last_active_at),
           expires_at = GREATEST(s.expires_at, t.expires_at)
       FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[]) AS t(id, last_active_at, expires_at)
       WHERE s.id = t.id AND s.terminated_at IS NULL
         AND (t.last_active_at > s.last_active_at OR t.expires_at > s.expires_at)`,
      [ids, lastActive, expires],
    );
  }

  async terminate(id: string, at: Date): Promise<boolean> {
    const res = await this.#db.query(
      'UPDATE durable_mcp_sessions SET terminated_at = $2::timestamptz WHERE id = $1 AND terminated_at IS NULL',
      [id, at.toISOString()],
    );
    return res.rowCount > 0;
  }

  async setLogLevel(id: string, level: string): Promise<void> {
    await this.#db.query('UPDATE durable_mcp_sessions SET log_level = $2 WHERE id = $1', [id, level]);
  }

  async addSubscription(id: string, uri: string): Promise<void> {
    await this.#db.query(
      `UPDATE durable_mcp_sessions SET subscriptions = array_append(subscriptions, $2::text)
       WHERE id = $1 AND NOT ($2::text = ANY (subscriptions))`,
      [id, uri],
    );
  }

  async removeSubscription(id: string, uri: string): Promise<void> {
    await this.#db.query(
      `UPDATE durable_mcp_sessions SET subscriptions = array_remove(subscriptions, $2::text)
       WHERE id = $1 AND $2::text = ANY (subscriptions)`,
      [id, uri],
    );
  }

  async mergeMeta(id: string, patch: Record<string, unknown>): Promise<void> {
    await this.#db.query('UPDATE durable_mcp_sessions SET meta = meta || $2::text::jsonb WHERE id = $1', [
      id,
      toJson(patch),
    ]);
  }

  async sweep(now: Date, terminatedBefore: Date, limit: number): Promise<SweptSession[]> {
    if (!(limit > 0)) return [];
    // One statement, hence one transaction. SKIP LOCKED lets several instances sweep at once
    // without queueing on each other's rows (or on a session being touched right now).
    const res = await this.#db.query<{ id: string; principal: string; protocol_version: string; created_at: Date; expired: boolean }>(
      `WITH doomed AS (
         SELECT id FROM durable_mcp_sessions
         WHERE expires_at < $1::timestamptz OR terminated_at < $2::timestamptz
         LIMIT $3
         FOR UPDATE SKIP LOCKED
       ), gone_events AS (
         DELETE FROM durable_mcp_events AS e USING doomed AS d WHERE e.session_id = d.id
       ), gone_state AS (
         DELETE FROM durable_mcp_state AS st USING doomed AS d WHERE st.scope = 'session:' || d.id
       )
       DELETE FROM durable_mcp_sessions AS s USING doomed AS d WHERE s.id = d.id
       RETURNING s.id, s.principal, s.protocol_version, s.created_at, s.terminated_at IS NULL AS expired`,
      [now.toISOString(), terminatedBefore.toISOString(), Math.floor(limit)],
    );
    return res.rows.map((r) => ({ id: r.id, principal: r.principal, protocolVersion: r.protocol_version, createdAt: r.created_at, expired: r.expired }));
  }

  async count(): Promise<number> {
    const res = await this.#db.query<{ n: bigint }>('SELECT count(*) AS n FROM durable_mcp_sessions');
    return Number(res.rows[0]?.n ?? 0n);
  }
}

function toRecord(row: SessionRow): SessionRecord {
  return {
    id: row.id,
    principal: row.principal,
    protocolVersion: row.protocol_version,
    initializeParams: row.initialize_params,
    logLevel: row.log_level,
    subscriptions: row.subscriptions,
    createdAt: row.created_at,
    lastActiveAt: row.last_active_at,
    expiresAt: row.expires_at,
    terminatedAt: row.terminated_at,
    deploymentId: row.deployment_id,
    meta: row.meta,
    route: row.route,
  };
}
