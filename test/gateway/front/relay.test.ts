/**
 * What the gateway tells a client when things break upstream, with a stock
 * SDK v2 client and real upstream processes: a write cut by an upstream
 * crash ends in the unknown-outcome error and is not run again; a read cut
 * the same way is run again and succeeds; list changes reach the client,
 * including the ones a restarted upstream brings; a misbehaving or absent
 * upstream gets clean JSON-RPC errors within the configured bounds, and the
 * gateway stays ready.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { killAll } from '../../../harness/process.js';
import { waitFor } from '../../../harness/timeout.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';
import { freePort } from '../../../harness/ports.js';
import { badUpstream, closeBadUpstreams } from '../support/bad-upstream.js';
import { connectV2, textOf } from '../support/gateway.js';
import { startGateway, type InProcessGateway } from '../support/in-process.js';
import { UpstreamFixture } from '../support/upstreams.js';

after(killAll);
after(closeBadUpstreams);

/** The JSON-RPC error a call ended with (the SDK client throws it). */
async function rpcError(promise: Promise<unknown>): Promise<{ code: number; message: string; data?: { code?: string; mayHaveRun?: boolean } }> {
  return promise.then(
    (value) => assert.fail(`expected a JSON-RPC error, got ${JSON.stringify(value)}`),
    (error: { code: number; message: string; data?: { code?: string; mayHaveRun?: boolean } }) => error,
  );
}

describe('the gateway relaying to upstreams that break', { timeout: 300_000 }, () => {
  let db: TestDatabase;
  const gateways: InProcessGateway[] = [];
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => {
    for (const gateway of gateways) await gateway.close();
    await db?.drop();
  });

  it('a write cut by an upstream crash: unknown outcome, not re-run; a read cut the same way: re-run, succeeds', async () => {
    const upstream = await UpstreamFixture.start('sdk-v1-express');
    const gateway = await startGateway({ store: db.url, upstreams: [{ url: upstream.url }] });
    gateways.push(gateway);
    const { client } = await connectV2(gateway.url);
    try {
      await client.listTools(); // the annotations the safety rule needs
      const write = rpcError(client.callTool({ name: 'slow_append', arguments: { line: 'cut', ms: 5_000 } }));
      await waitFor(() => upstream.count('call', { tool: 'slow_append' }) === 1, 10_000, 'the write to start');
      await upstream.kill();
      await upstream.restart();
      const error = await write;
      assert.equal(error.code, -32003);
      assert.equal(error.data?.code, 'DURABLE_MCP_OUTCOME_UNKNOWN');
      assert.equal(error.data?.mayHaveRun, true);
      assert.match(error.message, /may or may not have run/);
      assert.equal(upstream.count('call', { tool: 'slow_append' }), 1, 'not run again');
      assert.deepEqual(upstream.writes(), []);

      const read = client.callTool({ name: 'slow_read', arguments: { ms: 5_000 } });
      read.catch(() => undefined); // awaited below; a rejection there fails the test
      await waitFor(() => upstream.count('call', { tool: 'slow_read' }) === 1, 10_000, 'the read to start');
      await upstream.kill();
      await upstream.restart();
      assert.match(textOf(await read), /read done by \d+/);
      assert.equal(upstream.count('call', { tool: 'slow_read' }), 2, 'run again on the restarted upstream');

      const metrics = await (await gateway.server.metrics.fetch(new Request('http://x/metrics'))).text();
      assert.match(metrics, /durable_mcp_upstream_unknown_outcomes_total\{upstream="default"\} 1/);
      assert.match(metrics, /durable_mcp_upstream_reinitializations_total\{upstream="default",reason="[a-z-]+"\} [12]/);
      assert.equal(gateway.events('upstream_outcome_unknown').length, 1, 'logged once');
    } finally {
      await client.close().catch(() => undefined);
      await upstream.dispose();
    }
  });

  it('list changes reach the client: one the upstream sends, and one a restarted upstream brings', async () => {
    const upstream = await UpstreamFixture.start('sdk-v1-express');
    const gateway = await startGateway({ store: db.url, upstreams: [{ url: upstream.url }] });
    gateways.push(gateway);
    const { client } = await connectV2(gateway.url);
    let changes = 0;
    client.setNotificationHandler('notifications/tools/list_changed', () => {
      changes++;
    });
    try {
      await client.listTools(); // the client has seen the list: a change to it is worth telling
      await client.callTool({ name: 'add_tool', arguments: { name: 'added_live' } });
      await waitFor(() => changes === 1, 10_000, 'list_changed from the upstream');
      assert.ok((await client.listTools()).tools.some((t) => t.name === 'added_live'));

      await upstream.kill();
      await upstream.restart({ FIXTURE_EXTRA_TOOL: 'after_restart' });
      assert.match(textOf(await client.callTool({ name: 'echo', arguments: { text: 'hi' } })), /hi/);
      await waitFor(() => changes === 2, 10_000, 'list_changed after the restarted upstream offered other tools');
      assert.ok((await client.listTools()).tools.some((t) => t.name === 'after_restart'));
    } finally {
      await client.close().catch(() => undefined);
      await upstream.dispose();
    }
  });

  for (const mode of ['garbage-json', '500', 'hang'] as const) {
    it(`an upstream answering ${mode}: a clean JSON-RPC error within the bound; the gateway stays ready`, async () => {
      const upstream = await badUpstream(mode);
      const gateway = await startGateway({ store: db.url, upstreams: [{ url: upstream.url, requestTimeoutMs: 2_000 }] });
      gateways.push(gateway);
      const { client } = await connectV2(gateway.url);
      try {
        const started = Date.now();
        const error = await rpcError(client.callTool({ name: 'write', arguments: {} }));
        const elapsed = Date.now() - started;
        assert.equal(error.code, -32003, JSON.stringify(error));
        assert.equal(error.data?.mayHaveRun, true);
        assert.ok(elapsed < 6_000, `answered after ${elapsed} ms`);
        assert.equal((await fetch(`${gateway.base}/readyz`)).status, 200);
        assert.equal((await fetch(`${gateway.base}/healthz`)).status, 200);
      } finally {
        await client.close().catch(() => undefined);
      }
    });
  }

  it('nobody listening upstream: initialize fails with a JSON-RPC error within the bound; health says unreachable, readiness stays', async () => {
    const url = `http://127.0.0.1:${await freePort()}/mcp`;
    const gateway = await startGateway({ store: db.url, upstreams: [{ url, handshakeTimeoutMs: 1_000, reconnect: { maxRetries: 2, windowMs: 3_000 } }] });
    gateways.push(gateway);
    const client = new Client({ name: 'early', version: '1.0.0' });
    const started = Date.now();
    const error = await rpcError(client.connect(new StreamableHTTPClientTransport(new URL(gateway.url))));
    assert.ok(Date.now() - started < 8_000);
    assert.match(error.message, /did not accept the request.*did not run/);
    assert.equal(error.data?.mayHaveRun, false);
    const health = await fetch(`${gateway.base}/upstreams/default/health`);
    assert.equal(health.status, 503);
    assert.equal(((await health.json()) as { status: string }).status, 'unreachable');
    assert.equal((await fetch(`${gateway.base}/readyz`)).status, 200);
    assert.ok(gateway.events('upstream_unreachable').length >= 1);
  });
});
