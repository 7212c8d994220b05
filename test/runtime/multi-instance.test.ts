import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import pg from 'pg';
import { startInProcess, type InProcess } from '../support/in-process.js';
import { createTestDatabase, sql } from '../support/postgres.js';
import { initializeMessage, messagesOf, openSession, post } from '../support/http.js';
import { startServer, type ServerProcess } from '../support/server-process.js';

describe('two instances on one PostgreSQL', () => {
  const servers: ServerProcess[] = [];
  let drop: (() => Promise<void>) | undefined;
  after(async () => {
    await Promise.all(servers.map((s) => s.kill('SIGKILL')));
    await drop?.();
  });

  test('a session created on one instance is served by the other, and termination reaches both', async () => {
    const db = await createTestDatabase();
    drop = db.drop;
    const [a, b] = await Promise.all([startServer({ store: db.url }), startServer({ store: db.url })]);
    servers.push(a!, b!);

    // A stock client behind a round-robin "balancer": every request goes to the other instance.
    let turn = 0;
    const roundRobin = (input: string | URL | Request, init?: RequestInit) => {
      const target = new URL(turn++ % 2 === 0 ? a!.url : b!.url);
      const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
      url.host = target.host;
      return fetch(url, init);
    };
    const client = new Client({ name: 'rr-client', version: '1' }, { versionNegotiation: { mode: 'legacy' } });
    const transport = new StreamableHTTPClientTransport(new URL(a!.url), { fetch: roundRobin });
    await client.connect(transport);
    await client.callTool({ name: 'state_set', arguments: { key: 'k', value: 'shared' } });
    for (let i = 0; i < 4; i++) {
      const r = (await client.callTool({ name: 'state_get', arguments: { key: 'k' } })) as { content: Array<{ text: string }> };
      assert.equal(r.content[0]!.text, '"shared"');
    }
    assert.equal(a!.events('session_created').length + b!.events('session_created').length, 1, 'one initialize in all');
    assert.ok(a!.events('session_rehydrated').length + b!.events('session_rehydrated').length >= 1, 'the other instance rebuilt it');
    await client.close();

    // Termination on B is honoured by A, which holds the session live.
    const id = await openSession(a!.url);
    const warm = await post(a!.url, { jsonrpc: '2.0', id: 1, method: 'ping' }, { sessionId: id });
    assert.equal(warm.status, 200);
    await messagesOf(warm);
    const del = await fetch(b!.url, { method: 'DELETE', headers: { 'mcp-session-id': id } });
    assert.equal(del.status, 200);
    let status = 0;
    for (let i = 0; i < 50; i++) {
      const res = await post(a!.url, { jsonrpc: '2.0', id: 2, method: 'ping' }, { sessionId: id });
      status = res.status;
      await res.text();
      if (status === 404) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(status, 404, 'A stopped serving the terminated session');
  });

  test('the session row is committed before the initialize response leaves (any instance can serve the next request)', async () => {
    const db = await createTestDatabase();
    let s: InProcess | undefined;
    const locker = new pg.Client({ connectionString: db.url });
    try {
      s = await startInProcess({ store: db.url });
      await locker.connect();
      // Holds back every INSERT into the sessions table until COMMIT.
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE durable_mcp_sessions IN SHARE MODE');
      let answered = false;
      const init = post(s.url, initializeMessage()).then((res) => {
        answered = true;
        return res;
      });
      // The INSERT has been sent and waits for the lock: from here a response could only come from a server that does not wait for it.
      let blocked = false;
      for (let i = 0; i < 500 && !blocked; i++) {
        const waiting = await sql<{ n: number }>(db.url, "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
        blocked = waiting.rows[0]!.n > 0;
        if (!blocked) await new Promise((r) => setTimeout(r, 10));
      }
      assert.ok(blocked, 'the INSERT of the session row reached PostgreSQL and waits for the lock');
      // A response that does not wait for the row needs a few ms from here; give it ample time to show up.
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(answered, false, 'no initialize response while its session row cannot be written');
      await locker.query('COMMIT');
      const res = await init;
      assert.equal(res.status, 200);
      const id = res.headers.get('mcp-session-id');
      const row = await sql(db.url, 'SELECT principal FROM durable_mcp_sessions WHERE id = $1', [id]);
      assert.equal(row.rowCount, 1, 'the row exists when the client learns the id');
      await res.text();
    } finally {
      await locker.end().catch(() => {});
      await s?.close();
      await db.drop();
    }
  });
});
