/**
 * Several upstreams behind one gateway process (`--config`, YAML), with API
 * keys for two principals. A session belongs to its route and its principal:
 * created at /mcp/a it is never served, rebuilt or ended at /mcp/b, nor for
 * another principal. Upstream credentials (`${VAR}` from the environment)
 * reach the upstream and nothing else: not the logs, not /metrics, not
 * /upstreams, not an error a client gets. The client's own Authorization
 * header is forwarded only where the config asks for it. A client's DELETE
 * ends its upstream session too.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { killAll } from '../../../harness/process.js';
import { createTestDatabase, tempDir, type TestDatabase } from '../../support/postgres.js';
import { connectV2, GatewayProcess, textOf } from '../support/gateway.js';
import { UpstreamFixture } from '../support/upstreams.js';

after(killAll);

const SECRET = 'upstream-secret-3f9a2c7e51';
const ALICE = 'alice-key-0123456789abcdef';
const BOB = 'bob-key-0123456789abcdef00';

describe('routes, principals and credentials', { timeout: 300_000 }, () => {
  let db: TestDatabase;
  let a: UpstreamFixture;
  let b: UpstreamFixture;
  let gateway: GatewayProcess;
  before(async () => {
    db = await createTestDatabase();
    [a, b] = await Promise.all([UpstreamFixture.start('sdk-v1-express'), UpstreamFixture.start('sdk-v1-express')]);
    const config = join(tempDir('gateway-config'), 'gateway.yaml');
    writeFileSync(
      config,
      [
        'upstreams:',
        '  a:',
        `    url: ${a.url}`,
        '    headers:',
        '      X-Upstream-Token: "${UPSTREAM_TOKEN}"',
        '    requestTimeout: 20s',
        '  b:',
        `    url: ${b.url}`,
        '    forwardAuthorization: true',
        '',
      ].join('\n'),
    );
    gateway = await GatewayProcess.start({
      store: db.url,
      args: ['--config', config, '--log-level', 'trace'],
      env: { UPSTREAM_TOKEN: SECRET, DURABLE_MCP_API_KEYS: `alice:${ALICE},bob:${BOB}` },
    });
  });
  after(async () => {
    await gateway?.kill();
    await Promise.all([a?.dispose(), b?.dispose()]);
    await db?.drop();
  });

  const base = () => `http://127.0.0.1:${gateway.port}`;
  const post = (path: string, key: string, sessionId: string, body: unknown) =>
    fetch(`${base()}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify(body),
    });

  it('a session is served only on its own route and for its own principal', async () => {
    const { client, transport } = await connectV2(`${base()}/mcp/a`, 'alice-client', { authorization: `Bearer ${ALICE}` });
    try {
      assert.match(textOf(await client.callTool({ name: 'echo', arguments: { text: 'on a' } })), /on a/);
      const id = transport.sessionId!;
      const ping = { jsonrpc: '2.0', id: 1, method: 'ping' };
      for (const [path, key, why] of [['/mcp/b', ALICE, 'another route'], ['/mcp/a', BOB, 'another principal']] as const) {
        const refused = await post(path, key, id, ping);
        assert.equal(refused.status, 404, why);
        const body = (await refused.json()) as { error: { data: { reason: string } } };
        assert.equal(body.error.data.reason, 'unknown', `${why}: the session simply does not exist there`);
      }
      const deleted = await fetch(`${base()}/mcp/b`, { method: 'DELETE', headers: { authorization: `Bearer ${ALICE}`, 'mcp-session-id': id } });
      assert.equal(deleted.status, 404, 'not ended from another route');
      assert.match(textOf(await client.callTool({ name: 'echo', arguments: { text: 'still' } })), /still/);
      assert.ok(gateway.events('session_rejected').some((l) => l.reason === 'wrong_route'));
      assert.ok(gateway.events('session_rejected').some((l) => l.reason === 'wrong_principal'));
    } finally {
      await client.close();
    }
  });

  it('upstream credentials reach the upstream only; the client Authorization is forwarded only where asked', async () => {
    const onA = await connectV2(`${base()}/mcp/a`, 'creds-a', { authorization: `Bearer ${ALICE}` });
    const onB = await connectV2(`${base()}/mcp/b`, 'creds-b', { authorization: `Bearer ${ALICE}` });
    try {
      await onA.client.callTool({ name: 'echo', arguments: { text: 'x' } });
      await onB.client.callTool({ name: 'echo', arguments: { text: 'x' } });
      const initA = a.server.events().find((e) => e.event === 'initialize' && e.clientName === 'creds-a');
      const initB = b.server.events().find((e) => e.event === 'initialize' && e.clientName === 'creds-b');
      assert.equal(initA?.token, SECRET, 'the configured header, ${VAR} expanded');
      assert.equal(initA?.authorization, null, "the client's own Authorization is not forwarded by default");
      assert.equal(initB?.authorization, `Bearer ${ALICE}`, 'forwarded where the config asks');

      const metrics = await (await fetch(`${base()}/metrics`)).text();
      const upstreams = await (await fetch(`${base()}/upstreams`, { headers: { authorization: `Bearer ${ALICE}` } })).text();
      const listed = JSON.parse(upstreams) as { upstreams: Array<{ name: string; status: string }> };
      assert.deepEqual(listed.upstreams.map((u) => [u.name, u.status]), [['a', 'reachable'], ['b', 'reachable']]);
      assert.match(metrics, /durable_mcp_upstream_requests_total\{upstream="a",status="ok"\} [1-9]/);
      for (const [what, text] of [['logs', gateway.logText()], ['/metrics', metrics], ['/upstreams', upstreams]] as const) {
        assert.ok(!text.includes(SECRET), `the upstream credential is not in ${what}`);
        assert.ok(!text.includes(ALICE), `the client's key is not in ${what}`);
      }
    } finally {
      await onA.client.close();
      await onB.client.close();
    }
  });

  it("a client's DELETE ends its upstream session too", async () => {
    const { client, transport } = await connectV2(`${base()}/mcp/a`, 'deleter', { authorization: `Bearer ${ALICE}` });
    await client.callTool({ name: 'echo', arguments: { text: 'x' } });
    const before = a.count('delete');
    await transport.terminateSession();
    await client.close();
    assert.equal(a.count('delete'), before + 1);
  });
});
