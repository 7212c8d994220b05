import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { startEmbeddedPostgres, type EmbeddedCluster } from '../../harness/postgres.js';
import { startInProcess } from '../support/in-process.js';
import { openSession, parseSse, post } from '../support/http.js';
import { startServer, type ServerProcess } from '../support/server-process.js';

describe('graceful drain', () => {
  const servers: ServerProcess[] = [];
  after(() => Promise.all(servers.map((s) => s.kill('SIGKILL'))));

  test('a 3 s tool call in flight at SIGTERM gets its result and the process exits 0 within the grace period', async () => {
    const server = await startServer({ store: 'pglite:memory', args: ['--grace-period', '10s'] });
    servers.push(server);
    const client = new Client({ name: 'drain-client', version: '1' }, { versionNegotiation: { mode: 'legacy' } });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
    const started = Date.now();
    const call = client.callTool({ name: 'sleep', arguments: { ms: 3000 } });
    let answered = false;
    const settle = () => (answered = true);
    void call.then(settle, settle);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(answered, false, 'the call is still running when SIGTERM is sent');
    server.proc.kill('SIGTERM');
    const result = (await call) as { content: Array<{ text: string }> };
    assert.equal(result.content[0]!.text, 'slept 3000');
    const code = await server.exited;
    assert.equal(code, 0);
    assert.ok(Date.now() - started < 10_000, 'exited within the grace period');
    assert.equal(server.events('drain_started').length, 1);
    assert.equal(server.events('drain_started')[0]!.inFlight, 1, 'the drain found the call in flight');
    const done = server.events('drain_completed')[0]!;
    assert.equal(done.aborted, 0);
    await client.close().catch(() => {});
  });

  test('at the deadline a still-running call is answered with a restart error that says whether a retry is safe', async () => {
    const server = await startServer({ store: 'pglite:memory', args: ['--grace-period', '500ms'] });
    servers.push(server);
    const id = await openSession(server.url);
    const res = await post(server.url, { jsonrpc: '2.0', id: 42, method: 'tools/call', params: { name: 'sleep', arguments: { ms: 8000 } } }, { sessionId: id });
    assert.equal(res.status, 200);
    setTimeout(() => server.proc.kill('SIGTERM'), 200);
    const events = parseSse(await res.text()).filter((e) => e.data.trim() !== '');
    const last = JSON.parse(events.at(-1)!.data) as { id: number; error?: { message: string; data: { code: string; retryable: boolean } } };
    assert.equal(last.id, 42);
    assert.equal(last.error?.data.code, 'SERVER_RESTARTING');
    assert.equal(last.error?.data.retryable, false, 'sleep is not annotated read-only or idempotent');
    assert.match(last.error!.message, /may or may not have taken effect/);
    assert.equal(await server.exited, 0);
    assert.equal(server.events('drain_deadline').length, 1);
  });

  test('a second signal exits at once', async () => {
    const server = await startServer({ store: 'pglite:memory', args: ['--grace-period', '30s'] });
    servers.push(server);
    const id = await openSession(server.url);
    const res = post(server.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'sleep', arguments: { ms: 20_000 } } }, { sessionId: id });
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    server.proc.kill('SIGTERM');
    await server.waitForLog((l) => l.event === 'drain_started');
    server.proc.kill('SIGTERM');
    assert.equal(await server.exited, 1);
    assert.ok(Date.now() - started < 5000);
    await res.then((r) => r.text()).catch(() => {});
  });

  test('readiness turns 503 the moment draining starts', async () => {
    const s = await startInProcess();
    try {
      assert.equal((await fetch(new URL('/readyz', s.url))).status, 200);
      s.server.beginDrain();
      const res = await fetch(new URL('/readyz', s.url));
      assert.equal(res.status, 503);
      assert.match(((await res.json()) as { reason: string }).reason, /draining/);
      assert.equal(res.headers.get('connection'), 'close');
    } finally {
      await s.close();
    }
  });
});

describe('readiness follows the database', () => {
  let pg: EmbeddedCluster | undefined;
  let server: ServerProcess | undefined;
  after(async () => {
    await server?.kill('SIGKILL');
    await pg?.destroy();
  });

  test('/readyz is 503 while PostgreSQL is down and 200 once it is back, with no restart of the server', async () => {
    pg = await startEmbeddedPostgres({ password: 'pw' });
    server = await startServer({ store: pg.url });
    const ready = () => fetch(new URL('/readyz', server!.url)).then(async (r) => ({ status: r.status, body: (await r.json()) as { reason?: string } }));
    assert.equal((await ready()).status, 200);
    const session = await openSession(server.url);

    await pg.stop();
    const down = await ready();
    assert.equal(down.status, 503);
    assert.match(down.body.reason ?? '', /^store: /);
    // Unauthenticated callers learn what failed, not where the database lives; the log keeps the detail.
    assert.doesNotMatch(JSON.stringify(down.body), new RegExp(`127\\.0\\.0\\.1|${pg.port}|ECONNREFUSED|postgres:`));
    const logged = await server.waitForLog((l) => l.event === 'readiness_failed');
    assert.match(JSON.stringify(logged), /ECONNREFUSED|connect/);
    const health = await fetch(new URL('/healthz', server.url));
    assert.equal(health.status, 200, 'liveness does not depend on the database');

    // Every route that needs the store answers its outage the same way: 503, Retry-After, "your session was not lost".
    const sessionHealth = await fetch(new URL(`/sessions/${session}/health`, server.url));
    const viaMcp = await post(server.url, { jsonrpc: '2.0', id: 1, method: 'ping' }, { sessionId: session, protocolVersion: '2025-11-25' });
    for (const res of [sessionHealth, viaMcp]) {
      assert.equal(res.status, 503, res.url);
      assert.ok(Number(res.headers.get('retry-after')) > 0);
      const body = (await res.json()) as { error: { message: string; data: { reason: string } } };
      assert.match(body.error.message, /not lost/);
      assert.equal(body.error.data.reason, 'store_unavailable');
    }

    await pg.start();
    let status = 0;
    for (let i = 0; i < 40 && status !== 200; i++) {
      status = (await ready()).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(status, 200);
    const id = await openSession(server.url);
    assert.ok(id, 'and it serves sessions again');
  });
});
