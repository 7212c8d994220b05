import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import pg from 'pg';
import { createTestDatabase, tempDir } from '../support/postgres.js';
import { metric, openSession, post, scrape } from '../support/http.js';
import { startServer, type ServerProcess } from '../support/server-process.js';
import { withTimeout } from '../../harness/timeout.js';

const KEYS = { DURABLE_MCP_API_KEYS: 'alice:alice-secret-key-0001,bob:bob-secret-key-000002' };
const ALICE = { authorization: 'Bearer alice-secret-key-0001' };
const BOB = { authorization: 'Bearer bob-secret-key-000002' };
const ping = (id = 1) => ({ jsonrpc: '2.0', id, method: 'ping' });


describe('logs and metrics across a real restart', () => {
  let server: ServerProcess | undefined;
  let dropDb: (() => Promise<void>) | undefined;
  after(async () => {
    await server?.kill('SIGKILL');
    await dropDb?.();
  });

  test('created, rehydrated and every rejection reason are logged and counted', async () => {
    const db = await createTestDatabase();
    dropDb = db.drop;
    const store = db.url;
    server = await startServer({ store, deploymentId: 'dep-one', env: KEYS });
    const id = await openSession(server.url, ALICE);
    const doomed = await openSession(server.url, ALICE);
    const expiring = await openSession(server.url, ALICE);
    assert.equal(metric(await scrape(server.url), 'durable_mcp_sessions_created_total'), 3);
    const created = server.events('session_created');
    assert.equal(created.length, 3);
    assert.equal(created[0]!.deploymentId, 'dep-one');
    assert.ok(typeof created[0]!.instanceId === 'string');
    const requestLine = server.logs.find((l) => l.event === 'request' && l.rpcMethod === 'initialize')!;
    assert.equal(requestLine.sessionId, 'missing');
    assert.equal(requestLine.principal, 'alice');
    assert.equal(requestLine.era, 'legacy');
    assert.equal(typeof requestLine.elapsedMs, 'number');
    assert.ok(!JSON.stringify(server.logs).includes('alice-secret'), 'never a key in the logs');

    await server.kill('SIGKILL');
    server = await startServer({ store, port: server.port, deploymentId: 'dep-two', env: KEYS });
    const res = await post(server.url, ping(), { headers: ALICE, sessionId: id });
    assert.equal(res.status, 200);
    await res.text();
    const rebuilt = await server.waitForLog((l) => l.event === 'session_rehydrated');
    assert.equal(rebuilt.createdByDeployment, 'dep-one');
    assert.equal(rebuilt.deploymentId, 'dep-two');

    const del = await fetch(server.url, { method: 'DELETE', headers: { ...ALICE, 'mcp-session-id': doomed } });
    assert.equal(del.status, 200);
    // Idle expiry without waiting a day: move the clock of one session in the database itself.
    const sql = new pg.Client({ connectionString: store });
    await sql.connect();
    await sql.query(`UPDATE durable_mcp_sessions SET expires_at = now() - interval '1 second' WHERE id = $1`, [expiring]);
    await sql.end();
    const reasons: Array<[string, Record<string, string>, string | undefined, number]> = [
      ['unknown', ALICE, 'U'.repeat(43), 404],
      ['terminated', ALICE, doomed, 404],
      ['expired', ALICE, expiring, 404],
      ['wrong_principal', BOB, id, 404],
      ['missing', ALICE, undefined, 400],
    ];
    for (const [, headers, sessionId, status] of reasons) {
      const r = await post(server.url, ping(), { headers, ...(sessionId && { sessionId }) });
      assert.equal(r.status, status);
      await r.text();
    }
    const text = await scrape(server.url);
    assert.equal(metric(text, 'durable_mcp_sessions_rehydrated_total'), 1);
    assert.equal(metric(text, 'durable_mcp_sessions_terminated_total'), 1);
    for (const [reason, , , status] of reasons) {
      assert.equal(metric(text, `durable_mcp_sessions_rejected_total{reason="${reason}",status="${status}"}`), 1, reason);
      assert.ok(server.events('session_rejected').some((l) => l.reason === reason), `logged: ${reason}`);
    }
    assert.ok(metric(text, 'durable_mcp_rehydration_duration_seconds_count') >= 1);
    assert.ok(metric(text, 'durable_mcp_store_query_duration_seconds_count{ok="true"}') > 0);
    assert.equal(metric(text, 'durable_mcp_sessions_live'), 1);
    assert.equal(metric(text, 'durable_mcp_build_info{deployment_id="dep-two",version="0.1.0",store="postgres"}'), 1);
    assert.ok(metric(text, 'process_resident_memory_bytes') > 0, 'default process metrics');
    assert.ok(text.includes('durable_mcp_request_duration_seconds_bucket{le="0.005",era="legacy",rpc_method="ping"}'));
  });
});

describe('session health endpoint', () => {
  let server: ServerProcess | undefined;
  after(() => server?.kill('SIGKILL'));

  test('valid, unknown, terminated; another principal sees unknown; credentials required', async () => {
    server = await startServer({ store: 'pglite:memory', env: KEYS, deploymentId: 'dep-h' });
    const id = await openSession(server.url, ALICE);
    const health = async (sid: string, headers: Record<string, string>) => {
      const res = await fetch(new URL(`/sessions/${sid}/health`, server!.url), { headers });
      return { status: res.status, deployment: res.headers.get('x-deployment-id'), body: (await res.json()) as Record<string, unknown> };
    };
    const ok = await health(id, ALICE);
    assert.equal(ok.status, 200);
    assert.equal(ok.deployment, 'dep-h');
    assert.equal(ok.body.status, 'valid');
    assert.equal(ok.body.action, 'none');
    assert.equal((await health(id, BOB)).body.status, 'unknown');
    assert.equal((await health('nope', ALICE)).body.status, 'unknown');
    assert.equal((await health(id, {})).status, 401);
    await fetch(server.url, { method: 'DELETE', headers: { ...ALICE, 'mcp-session-id': id } });
    const gone = await health(id, ALICE);
    assert.equal(gone.body.status, 'terminated');
    assert.equal(gone.body.action, 'reinitialize');
  });
});

describe('deployment awareness', () => {
  let server: ServerProcess | undefined;
  after(() => server?.kill('SIGKILL'));

  test('after a deploy that changes the tool list the client is told and refreshes its tools', async () => {
    const store = `pglite:${tempDir('dmcp-deploy-')}`;
    server = await startServer({ store, deploymentId: 'release-1' });
    const notices: unknown[] = [];
    let toolNames: string[] = [];
    let refreshed: () => void = () => {};
    const refreshedOnce = new Promise<void>((r) => (refreshed = r));
    const client = new Client(
      { name: 'deploy-watcher', version: '1' },
      {
        versionNegotiation: { mode: 'legacy' },
        listChanged: {
          tools: {
            onChanged: (error: Error | null, tools: Array<{ name: string }> | null) => {
              if (!error && tools) {
                toolNames = tools.map((t) => t.name);
                refreshed();
              }
            },
          },
        },
      },
    );
    client.setNotificationHandler('notifications/message', (n: { params: { data: unknown } }) => {
      notices.push(n.params.data);
    });
    const transport = new StreamableHTTPClientTransport(new URL(server.url));
    await client.connect(transport);
    toolNames = (await client.listTools()).tools.map((t) => t.name);
    assert.ok(!toolNames.includes('added_in_v2'));
    // Wait until the session's tool-list baseline is recorded.
    await new Promise((r) => setTimeout(r, 300));

    await server.kill('SIGKILL');
    server = await startServer({ store, port: server.port, deploymentId: 'release-2', env: { TOOLSET: 'v2' } });
    const result = (await client.callTool({ name: 'echo', arguments: { text: 'after deploy' } })) as { content: Array<{ text: string }> };
    assert.equal(result.content[0]!.text, 'after deploy');
    await withTimeout(refreshedOnce, 5000, 'the tools/list_changed refresh');
    assert.ok(toolNames.includes('added_in_v2'), `refreshed tool list: ${toolNames.join(', ')}`);
    const notice = notices.find((n) => (n as { event?: string }).event === 'deployment_changed') as Record<string, unknown> | undefined;
    assert.ok(notice, `notices: ${JSON.stringify(notices)}`);
    assert.equal(notice.fromDeployment, 'release-1');
    assert.equal(notice.toDeployment, 'release-2');
    assert.deepEqual(notice.changed, ['tools']);
    assert.equal(server.events('session_created').length, 0);
    await client.close();
  });
});
