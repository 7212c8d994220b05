/**
 * What a restart looks like from outside (issue #11): the log lines a
 * request depends on reach stdout before its response, so a SIGKILL right
 * after answering loses none of them; and a plain restart of the same build
 * is not announced to clients as an upgrade.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { messagesOf, openSession, post } from '../support/http.js';
import { tempDir } from '../support/postgres.js';
import { startServer, type ServerProcess } from '../support/server-process.js';

describe('restarts, seen from the log and from the client', () => {
  let server: ServerProcess | undefined;
  const dirs: string[] = [];
  after(async () => {
    await server?.kill('SIGKILL');
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const store = () => {
    const dir = tempDir('dmcp-restart-log');
    dirs.push(dir);
    return `pglite:${dir}`;
  };

  test('a SIGKILL right after a response loses none of the log lines written for it', async () => {
    const url = store();
    server = await startServer({ store: url });
    const session = await openSession(server.url);
    for (let round = 0; round < 5; round++) {
      await server.kill('SIGKILL');
      server = await startServer({ store: url, port: server.port });
      const res = await post(server.url, { jsonrpc: '2.0', id: `r${round}`, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' } } }, { sessionId: session, protocolVersion: '2025-11-25' });
      const messages = await messagesOf(res);
      // The response is in hand: kill at once, before anything else can be flushed.
      server.proc.kill('SIGKILL');
      await server.exited;
      assert.equal(res.status, 200);
      assert.ok(messages.some((m) => m.id === `r${round}`));
      assert.equal(server.events('session_rehydrated').length, 1, `round ${round}: session_rehydrated reached stdout`);
      assert.ok(
        server.logs.some((l) => l.event === 'request' && l.rpcMethod === 'tools/call' && l.status === 200),
        `round ${round}: the request line reached stdout`,
      );
    }
  });

  test('restarting the same build announces nothing; the deployment keeps its name', async () => {
    const url = store();
    server = await startServer({ store: url });
    const notices: unknown[] = [];
    const listChanges: string[] = [];
    const client = new Client({ name: 'restart-watcher', version: '1' }, { versionNegotiation: { mode: 'legacy' } });
    client.setNotificationHandler('notifications/message', (n: { params: { data: unknown } }) => {
      notices.push(n.params.data);
    });
    client.setNotificationHandler('notifications/tools/list_changed', () => {
      listChanges.push('tools');
    });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
    await client.callTool({ name: 'echo', arguments: { text: 'before' } });
    const firstDeployment = server.events('server_started')[0]!.deploymentId;
    for (let i = 0; i < 2; i++) {
      await server.kill('SIGKILL');
      server = await startServer({ store: url, port: server.port });
      assert.equal(server.events('server_started')[0]!.deploymentId, firstDeployment, 'same build, same deployment id');
      const result = (await client.callTool({ name: 'echo', arguments: { text: `after ${i}` } })) as { content: Array<{ text: string }> };
      assert.equal(result.content[0]!.text, `after ${i}`);
      await server.waitForLog((l) => l.event === 'session_rehydrated');
    }
    await client.listTools();
    assert.deepEqual(notices, [], 'no upgrade notice for a plain restart');
    assert.deepEqual(listChanges, []);
    assert.equal(server.events('session_upgrade_notice').length, 0);
    await client.close();
  });
});
