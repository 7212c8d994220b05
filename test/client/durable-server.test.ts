/**
 * Against durable-mcp itself the client has nothing to recover: the server
 * keeps the session across a SIGKILL restart, so the same session id keeps
 * working and the client never re-initializes.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { ResilientClient } from '../../src/client/index.js';
import { tempDir } from '../support/postgres.js';
import { startServer, type ServerProcess } from '../support/server-process.js';

describe('resilient client against durable-mcp', { timeout: 150_000 }, () => {
  const servers: ServerProcess[] = [];
  const dirs: string[] = [];
  const start = async (store: string, port?: number): Promise<ServerProcess> => {
    const server = await startServer({ store, ...(port !== undefined && { port }) });
    servers.push(server);
    return server;
  };
  after(async () => {
    await Promise.all(servers.map((s) => s.kill('SIGKILL')));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('a restart causes no reinitialize at all', async () => {
    const dir = tempDir('dmcp-client-');
    dirs.push(dir);
    const store = `pglite:${dir}`;
    let server = await start(store);
    const client = new ResilientClient({ url: server.url, clientInfo: { name: 'resilient', version: '1' }, versionNegotiation: 'legacy' });
    try {
      await client.connect();
      const session = client.sessionId;
      await client.callTool({ name: 'state_set', arguments: { key: 'k', value: 'kept' } });
      await server.kill('SIGKILL');
      server = await start(store, server.port);
      const result = (await client.callTool({ name: 'state_get', arguments: { key: 'k' } })) as { content: Array<{ text: string }> };
      assert.equal(result.content[0]!.text, '"kept"');
      assert.equal(client.sessionId, session, 'same session');
      assert.equal(client.stats.reinitializations, 0, 'never re-initialized');
      assert.equal(server.events('session_created').length, 0);
    } finally {
      // An open client keeps probing a server that is gone; the test process would never end.
      await client.close();
    }
  });

  it('a request the server sends on the standalone stream right after a restart reaches the client', async () => {
    const dir = tempDir('dmcp-client-');
    dirs.push(dir);
    const store = `pglite:${dir}`;
    let server = await start(store);
    let asked = 0;
    const client = new ResilientClient({
      url: server.url,
      versionNegotiation: 'legacy',
      capabilities: { sampling: {} },
      // Long enough for the stream to come back; a lost request would only end here.
      requestTimeoutMs: 20_000,
      setupClient: (sdk) =>
        sdk.setRequestHandler('sampling/createMessage', async () => {
          asked++;
          return { role: 'assistant', content: { type: 'text', text: 'from the client' }, model: 'm' };
        }),
    });
    try {
      await client.connect();
      await server.kill('SIGKILL');
      // Down for longer than the SDK's own reconnection of the stream tries (1 s, then 1.5 s): it gives up,
      // and nothing would reopen the stream before the keep-alive probe (ping, then a 2 s grace).
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      server = await start(store, server.port);
      // The tool asks on the standalone stream at once; the stream must be open by the time it does.
      const result = (await client.callTool({ name: 'sample_standalone', arguments: { prompt: 'hi' } })) as { content: Array<{ text: string }> };
      assert.equal(result.content[0]!.text, 'sampled: from the client');
      assert.equal(asked, 1);
      assert.equal(client.stats.reinitializations, 0);
    } finally {
      await client.close();
    }
  });
});
