import type { Queryable } from './database.js';
import { toJson } from './json.js';
import type { MailboxRepository } from './records.js';

export class SqlMailboxRepository implements MailboxRepository {
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  async put(payload: unknown): Promise<bigint> {
    const res = await this.#db.query<{ id: bigint }>('INSERT INTO durable_mcp_mailbox (payload) VALUES ($1::jsonb) RETURNING id', [toJson(payload)]);
    return res.rows[0]!.id;
  }

  async get(id: bigint): Promise<unknown | undefined> {
    const res = await this.#db.query<{ payload: unknown }>('SELECT payload FROM durable_mcp_mailbox WHERE id = $1', [id.toString()]);
    return res.rows[0]?.payload;
  }

  async pruneOlderThan(before: Date): Promise<number> {
    const res = await this.#db.query('DELETE FROM durable_mcp_mailbox WHERE created_at < $1::timestamptz', [before.toISOString()]);
    return res.rowCount;
  }
}
