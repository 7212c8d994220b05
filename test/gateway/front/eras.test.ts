/**
 * Both eras at the front, whatever the upstream speaks, across restarts:
 * a 2026-07-28 client (stock SDK v2 client negotiating 2026-07-28) in front of
 * a 2025-era upstream (SDK v1 + express), and a 2025-era client (stock SDK v1)
 * in front of a 2026-07-28-only upstream. The modern client's upstream session
 * lives in the store, so a gateway restart does not cost a new one; the
 * legacy client gets the modern upstream's `input_required` as a real
 * elicitation request, and a sampling request from a legacy upstream to a
 * modern client is refused with a clear error instead of hanging.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { killAll } from '../../../harness/process.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';
import { CLIENT_CAPABILITIES, connectV1, GatewayProcess, textOf } from '../support/gateway.js';
import { UpstreamFixture } from '../support/upstreams.js';

after(killAll);

describe('eras across the gateway', { timeout: 300_000 }, () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => db?.drop());

  it('a 2026-07-28 client in front of a 2025-era upstream, across restarts of both', async () => {
    const upstream = await UpstreamFixture.start('sdk-v1-express');
    const gateway = await GatewayProcess.start({ store: db.url, args: ['--upstream', upstream.url, '--log-level', 'debug'] });
    const client = new Client({ name: 'modern-client', version: '2.0.0' }, { capabilities: CLIENT_CAPABILITIES, versionNegotiation: { mode: 'auto' } });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(gateway.url)));
      assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
      assert.equal(client.getServerVersion()?.name, 'fixture-v1-express', 'the upstream, presented as it is');
      const expected: string[] = [];
      const append = async (line: string) => {
        assert.equal(textOf(await client.callTool({ name: 'append', arguments: { line } })), `appended ${line}`);
        expected.push(line);
      };
      await append('m0');
      const tools = await client.listTools();
      assert.ok(tools.tools.some((t) => t.name === 'echo'));
      await upstream.kill();
      await upstream.restart();
      await append('m1');
      await gateway.kill();
      await gateway.restart();
      await append('m2');
      assert.deepEqual(upstream.writes(), expected);
      // One upstream session for this client, replaced once when the upstream restarted; the gateway restart continued it.
      assert.equal(upstream.count('initialize', { clientName: 'modern-client' }), 2);
      assert.equal(gateway.events('session_created').length, 0, 'a 2026-07-28 client has no front session');

      // The upstream asks this client for a completion: 2026-07-28 cannot carry it; the call fails clearly, it does not hang.
      const sampled = await client.callTool({ name: 'ask_sampling', arguments: { prompt: 'hello' } }).then(
        (result) => textOf(result),
        (error: unknown) => String(error),
      );
      assert.match(sampled, /2026-07-28.*no server-to-client requests|cannot deliver sampling\/createMessage/);
    } finally {
      await client.close().catch(() => undefined);
      await gateway.kill();
      await upstream.dispose();
    }
  });

  it('a 2025-era client in front of a 2026-07-28-only upstream, across restarts; input_required becomes real elicitation', async () => {
    const upstream = await UpstreamFixture.start('sdk-v2-modern');
    const gateway = await GatewayProcess.start({ store: db.url, args: ['--upstream', upstream.url, '--log-level', 'debug'] });
    const v1 = await connectV1(gateway.url, 'legacy-client');
    const asked: string[] = [];
    v1.client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request.params.message);
      return { action: 'accept', content: { answer: 'forty-two' } };
    });
    try {
      const expected: string[] = [];
      const append = async (line: string) => {
        assert.equal(textOf(await v1.client.callTool({ name: 'append', arguments: { line } })), `appended ${line}`);
        expected.push(line);
      };
      await append('l0');
      await upstream.kill();
      await upstream.restart();
      await append('l1');
      await gateway.kill();
      await gateway.restart();
      await append('l2');
      assert.deepEqual(upstream.writes(), expected);
      assert.equal(gateway.events('session_created').length, 1, 'the client initialized once');
      // The client's own identity travels in `_meta` to the modern upstream.
      const state = JSON.parse(textOf(await v1.client.callTool({ name: 'state', arguments: {} }))) as { envelope: Record<string, unknown> };
      assert.equal((state.envelope['io.modelcontextprotocol/clientInfo'] as { name?: string } | undefined)?.name, 'legacy-client');

      const elicited = textOf(await v1.client.callTool({ name: 'ask_elicitation', arguments: { message: 'the answer?' } }));
      assert.deepEqual(asked, ['the answer?'], 'the client was asked once, as a real elicitation request');
      assert.match(elicited, /forty-two/);
    } finally {
      await v1.client.close().catch(() => undefined);
      await gateway.kill();
      await upstream.dispose();
    }
  });
});
