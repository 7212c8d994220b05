/**
 * What the session table says about the fleet, for the operations console:
 * which deployments created sessions, which now serve them, and how many are
 * still valid. One scan of the table; meant for a page an operator opens, not
 * for the request path.
 */
import type { Queryable } from './database.js';

export interface DeploymentSessions {
  deploymentId: string;
  /** Sessions this deployment created that are still in the store (any state). */
  created: number;
  /** Valid sessions it serves now: those it created, or rebuilt last after a newer deploy. */
  serving: number;
  firstCreatedAt: Date | null;
  lastActiveAt: Date | null;
}

export interface SessionStats {
  valid: number;
  terminated: number;
  expired: number;
  /** Most recently active deployments first. */
  deployments: DeploymentSessions[];
}

interface Row {
  deployment_id: string;
  created: string | number;
  serving: string | number;
  first_created_at: Date | string | null;
  last_active_at: Date | string | null;
  valid_total: string | number;
  terminated_total: string | number;
  expired_total: string | number;
}

const date = (v: Date | string | null): Date | null => (v === null ? null : v instanceof Date ? v : new Date(v));

export async function sessionStats(db: Queryable, now: Date, limit = 20): Promise<SessionStats> {
  const { rows } = await db.query<Row>(
    `WITH s AS (
       SELECT deployment_id, coalesce(meta->>'lastDeploymentId', deployment_id) AS served_by, created_at, last_active_at,
              terminated_at IS NULL AND expires_at > $1::timestamptz AS valid,
              terminated_at IS NOT NULL AS terminated
         FROM durable_mcp_sessions
     ), created AS (
       SELECT deployment_id AS d, count(*) AS created, min(created_at) AS first_created_at FROM s GROUP BY 1
     ), served AS (
       SELECT served_by AS d, count(*) FILTER (WHERE valid) AS serving, max(last_active_at) AS last_active_at FROM s GROUP BY 1
     ), totals AS (
       SELECT count(*) FILTER (WHERE valid) AS valid_total, count(*) FILTER (WHERE terminated) AS terminated_total,
              count(*) FILTER (WHERE NOT valid AND NOT terminated) AS expired_total FROM s
     )
     SELECT coalesce(c.d, v.d) AS deployment_id, coalesce(c.created, 0) AS created, coalesce(v.serving, 0) AS serving,
            c.first_created_at, v.last_active_at, t.valid_total, t.terminated_total, t.expired_total
       FROM totals t
       LEFT JOIN (created c FULL JOIN served v ON v.d = c.d) ON true
      ORDER BY v.last_active_at DESC NULLS LAST, c.first_created_at DESC NULLS LAST
      LIMIT $2`,
    [now.toISOString(), limit],
  );
  const first = rows[0];
  return {
    valid: Number(first?.valid_total ?? 0),
    terminated: Number(first?.terminated_total ?? 0),
    expired: Number(first?.expired_total ?? 0),
    deployments: rows
      .filter((r) => r.deployment_id !== null)
      .map((r) => ({
        deploymentId: r.deployment_id,
        created: Number(r.created),
        serving: Number(r.serving),
        firstCreatedAt: date(r.first_created_at),
        lastActiveAt: date(r.last_active_at),
      })),
  };
}
