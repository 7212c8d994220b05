/**
 * EventRepository: the SSE events a stream may need to replay. append() is
 * on the hot path (the runtime group-commits a batch) so it is one INSERT of
 * unnested arrays whatever the batch size.
 */
import type { Queryable } from './database.js';
import type { EventRepository, StoredEvent } from './records.js';
import { toJson } from './json.js';

interface EventRow {
  session_id: string;
  stream_id: string;
  seq: bigint;
  message: unknown;
}

export class SqlEventRepository implements EventRepository {
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  async append(events: readonly StoredEvent[]): Promise<void> {
    if (events.length === 0) return;
    const sessions = new Array<string>(events.length);
    const streams = new Array<string>(events.length);
    const seqs = new Array<string>(events.length);
    const messages = new Array<string>(events.length);
    events.forEach((e, i) => {
      sessions[i] = e.sessionId;
      streams[i] = e.streamId;
      seqs[i] = e.seq.toString();
      messages[i] = toJson(e.message);
    });
    await this.#db.query(
      `INSERT INTO durable_mcp_events (session_id, stream_id, seq, message)
       SELECT t.session_id, t.stream_id, t.seq, t.message::jsonb
       FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[]) AS t(session_id, stream_id, seq, message)
       ON CONFLICT DO NOTHING`,
      [sessions, streams, seqs, messages],
    );
  }

  async after(sessionId: string, streamId: string, afterSeq: bigint, limit: number): Promise<StoredEvent[]> {
    const res = await this.#db.query<EventRow>(
      `SELECT session_id, stream_id, seq, message FROM durable_mcp_events
       WHERE session_id = $1 AND stream_id = $2 AND seq > $3::bigint
       ORDER BY seq
       LIMIT $4`,
      [sessionId, streamId, afterSeq.toString(), Math.max(0, Math.floor(limit))],
    );
    return res.rows.map((r) => ({ sessionId: r.session_id, streamId: r.stream_id, seq: r.seq, message: r.message }));
  }

  async deleteStream(sessionId: string, streamId: string): Promise<void> {
    await this.#db.query('DELETE FROM durable_mcp_events WHERE session_id = $1 AND stream_id = $2', [
      sessionId,
      streamId,
    ]);
  }

  async pruneOlderThan(before: Date, limit: number): Promise<number> {
    if (!(limit > 0)) return 0;
    // Bounded: a large backlog is pruned over several calls instead of one long lock-holding DELETE.
    const res = await this.#db.query(
      `DELETE FROM durable_mcp_events AS e
       USING (
         SELECT session_id, stream_id, seq FROM durable_mcp_events
         WHERE created_at < $1::timestamptz
         LIMIT $2
       ) AS old
       WHERE e.session_id = old.session_id AND e.stream_id = old.stream_id AND e.seq = old.seq`,
      [before.toISOString(), Math.floor(limit)],
    );
    return res.rowCount;
  }
}
