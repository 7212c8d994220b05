import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createTestDatabase } from '../support/postgres.js';
import { messagesOf, openSession, post } from '../support/http.js';
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
});
