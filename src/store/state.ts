/**
 * StateRepository: small JSON values under (scope, key). Keys are compared
 * byte-wise (COLLATE "C" in the schema) so ordering and prefixes behave the
 * same on every server.
 */
import type { Queryable } from './database.js';
import type { StateRepository } from './records.js';
import { toJson } from './json.js';

export class SqlStateRepository implements StateRepository {
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  async get(scope: string, key: string): Promise<unknown | undefined> {
    const res = await this.#db.query<{ value: unknown }>(
      'SELECT value FROM durable_mcp_state WHERE scope = $1 AND key = $2',
      [scope, key],
    );
    return res.rows.length === 0 ? undefined : res.rows[0]!.value;
  }

  async set(scope: string, key: string, value: unknown): Promise<void> {
    await this.#db.query(
      `INSERT INTO durable_mcp_state (scope, key, value, updated_at) VALUES ($1, $2, $3::text::jsonb, now())
       ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      [scope, key, toJson(value)],
    );
  }

  async setIfAbsent(scope: string, key: string, value: unknown): Promise<unknown> {
    await this.#db.query(
      `INSERT INTO durable_mcp_state (scope, key, value, updated_at) VALUES ($1, $2, $3::text::jsonb, now())
       ON CONFLICT (scope, key) DO NOTHING`,
      [scope, key, toJson(value)],
    );
    // Read back rather than RETURNING: on a conflict DO NOTHING returns no row, and the winner's value is wanted.
    return this.get(scope, key);
  }

  async delete(scope: string, key: string): Promise<boolean> {
    const res = await this.#db.query('DELETE FROM durable_mcp_state WHERE scope = $1 AND key = $2', [scope, key]);
    return res.rowCount > 0;
  }

  async list(
    scope: string,
    options: { prefix?: string; limit?: number } = {},
  ): Promise<Array<{ key: string; value: unknown }>> {
    // A prefix compared with left() has no wildcards to escape (LIKE would treat % and _ as patterns);
    // LIMIT NULL means no limit, so one statement serves every option combination.
    const prefix = options.prefix ?? '';
    const limit = options.limit === undefined ? null : Math.max(0, Math.floor(options.limit));
    const res = await this.#db.query<{ key: string; value: unknown }>(
      `SELECT key, value FROM durable_mcp_state
       WHERE scope = $1 AND left(key, char_length($2::text)) = $2::text
       ORDER BY key
       LIMIT $3`,
      [scope, prefix, limit],
    );
    return res.rows;
  }

  async deleteScope(scope: string): Promise<number> {
    const res = await this.#db.query('DELETE FROM durable_mcp_state WHERE scope = $1', [scope]);
    return res.rowCount;
  }
}
