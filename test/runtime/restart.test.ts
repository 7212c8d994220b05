import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1Transport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client as V2Client, StreamableHTTPClientTransport as V2Transport } from '@modelcontextprotocol/client';
import { messagesOf, openSession, post } from '../support/http.js';
import { createTestDatabase, tempDir } from '../support/postgres.js';
import { startServer, type ServerProcess } from '../support/server-process.js';

type ToolResult = { content?: Array<{ type: string; text?: string }>; isError?: boolean };
const textOf = (r: unknown): string => ((r as ToolResult).content?.[0]?.text ?? '');

for (const engine of ['pglite', 'postgres'] as const) {
  describe(`stock clients across a SIGKILL restart (${engine})`, () => {
    let server: ServerProcess | undefined;
    let dropDb: (() => Promise<void>) | undefined;
    after(async () => {
      await server?.kill('SIGKILL');
      await dropDb?.();
    });

    test('v1 and v2 clients keep their sessions and state, and never re-initialize', async () => {
      let store: string;
      if (engine === 'pglite') store = `pglite:${tempDir('dmcp-restart-')}`;
      else {
        const db = await createTestDatabase();
        store = db.url;
        dropDb = db.drop;
      }
      server = await startServer({ store, deploymentId: 'dep-before' });
      const url = new URL(server.url);

      const v1 = new V1Client({ name: 'stock-v1', version: '1.32.2' });
      const t1 = new V1Transport(url);
      await v1.connect(t1);
      const v2 = new V2Client({ name: 'stock-v2', version: '2.4.0' }, { versionNegotiation: { mode: 'legacy' } });
      const t2 = new V2Transport(url);
      await v2.connect(t2);
      const [id1, id2] = [t1.sessionId, t2.sessionId];
      assert.ok(id1 && id2 && id1 !== id2, 'both clients got distinct session ids');
      assert.equal(t1.protocolVersion, '2025-11-25', 'v1 negotiated 2025-11-25');
      assert.equal(t2.protocolVersion, '2025-11-25', 'v2 negotiated 2025-11-25');
      // An older client on raw HTTP: its negotiated version changes what the server accepts (batches), so a
      // rebuild that lost the stored version would show.
      const id3 = await openSession(server.url, {}, '2025-03-26');

      await v1.callTool({ name: 'state_set', arguments: { key: 'k', value: 'from-v1' } });
      await v2.callTool({ name: 'state_set', arguments: { key: 'k', value: 'from-v2' } });
      assert.equal(server.events('session_created').length, 3);
      assert.deepEqual(
        server.events('session_created').map((l) => [l.sessionId, l.protocolVersion]),
        [[id1, '2025-11-25'], [id2, '2025-11-25'], [id3, '2025-03-26']],
      );

      await server.kill('SIGKILL');
      server = await startServer({ store, port: server.port, deploymentId: 'dep-after' });

      for (let i = 0; i < 3; i++) {
        assert.equal(textOf(await v1.callTool({ name: 'state_get', arguments: { key: 'k' } })), '"from-v1"');
        assert.equal(textOf(await v2.callTool({ name: 'state_get', arguments: { key: 'k' } })), '"from-v2"');
      }
      const who = JSON.parse(textOf(await v2.callTool({ name: 'whoami', arguments: {} }))) as { sessionId: string; client: { name: string } };
      assert.equal(who.sessionId, id2);
      assert.equal(who.client.name, 'stock-v2', 'client info survives the rebuild');
      assert.equal(t1.sessionId, id1);
      assert.equal(t2.sessionId, id2);
      assert.equal(t1.protocolVersion, '2025-11-25');
      assert.equal(t2.protocolVersion, '2025-11-25');
      const batch = await post(server.url, [{ jsonrpc: '2.0', id: 1, method: 'ping' }, { jsonrpc: '2.0', id: 2, method: 'ping' }], { sessionId: id3, protocolVersion: '2025-03-26' });
      assert.equal(batch.status, 200, 'the rebuilt 2025-03-26 session still takes batches: it kept its negotiated version');
      const answers = (await messagesOf(batch)).filter((m) => m.id !== undefined);
      assert.deepEqual(answers.map((m) => m.id).sort(), [1, 2], 'both pings answered (besides the upgrade notice)');
      assert.equal(server.events('session_created').length, 0, 'no client re-initialized');
      // The log line travels through the child's stdout and may trail the answer it belongs to.
      for (const id of [id1, id2, id3]) await server.waitForLog((l) => l.event === 'session_rehydrated' && l.sessionId === id, 5000);
      const rebuilt = server.events('session_rehydrated');
      assert.deepEqual(new Set(rebuilt.map((l) => l.sessionId)), new Set([id1, id2, id3]));
      assert.ok(rebuilt.every((l) => l.createdByDeployment === 'dep-before'));
      assert.equal(server.events('session_rejected').length, 0);

      await v1.close();
      await v2.close();
    });
  });
}
