/**
 * Against durable-mcp itself the client has nothing to recover: the server
 * keeps the session across a SIGKILL restart, so the same session id keeps
 * working and the client never re-initializes.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ResilientClient } from '../../src/client/index.js';
import { tempDir } from '../support/postgres.js';
import { startServer, type ServerProcess } from '../support/server-process.js';

describe('resilient client against durable-mcp', () => {
  let server: ServerProcess | undefined;
  after(() => server?.kill('SIGKILL'));

  it('a restart causes no reinitialize at all', async () => {
    const store = `pglite:${tempDir('dmcp-client-')}`;
    server = await startServer({ store });
    const client = new ResilientClient({ url: server.url, clientInfo: { name: 'resilient', version: '1' }, versionNegotiation: 'legacy' });
    await client.connect();
    const session = client.sessionId;
    await client.callTool({ name: 'state_set', arguments: { key: 'k', value: 'kept' } });
    await server.kill('SIGKILL');
    server = await startServer({ store, port: server.port });
    const result = (await client.callTool({ name: 'state_get', arguments: { key: 'k' } })) as { content: Array<{ text: string }> };
    assert.equal(result.content[0]!.text, '"kept"');
    assert.equal(client.sessionId, session, 'same session');
    assert.equal(client.stats.reinitializations, 0, 'never re-initialized');
    assert.equal(server.events('session_created').length, 0);
    await client.close();
  });
});
