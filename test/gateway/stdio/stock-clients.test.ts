/**
 * A stdio server made remote in one command, end to end with real
 * processes: `durable-mcp gateway --upstream-command "node <server>"`, stock
 * SDK v1 and v2 clients, and the child and the gateway SIGKILLed in turn,
 * three times each. Every call succeeds, each client initializes once, every
 * write happens exactly once (the fixture's writes file), every child is
 * initialized in its client's own name, and after each scenario no process
 * is left in any child's group. The child limit answers a new session with
 * a 503 and Retry-After and serves it once a child has gone.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { killAll } from '../../../harness/process.js';
import { waitFor } from '../../../harness/timeout.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { CLIENT_CAPABILITIES, connectV1, connectV2, GatewayProcess, textOf } from '../support/gateway.js';
import { FIXTURE_STDIO, serverScript } from './support/links.js';
import { expectGroupsGone, groupMembers } from './support/process-table.js';

after(killAll);

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Process groups of every stdio child the gateway logged. */
function childGroups(gateway: GatewayProcess): number[] {
  return [...new Set(gateway.events('stdio_child_transition').map((l) => Number(l.pid)).filter((pid) => pid > 0))];
}

function lines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

describe('stdio servers through durable-mcp gateway, stock clients', { timeout: 300_000 }, () => {
  let db: TestDatabase;
  let dir: string;
  before(async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'durable-mcp-stdio-e2e-'));
  });
  after(async () => {
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('three SIGKILLs of each session\'s child and three of the gateway: every call once, one initialize per client, no process left', async () => {
    const log = join(dir, 'log.jsonl');
    const writes = join(dir, 'writes.txt');
    const command = `FIXTURE_LOG=${quote(log)} FIXTURE_WRITES=${quote(writes)} exec ${quote(process.execPath)} ${quote(FIXTURE_STDIO)}`;
    const gateway = await GatewayProcess.start({ store: db.url, args: ['--upstream-command', command, '--log-level', 'debug'] });
    const v1 = await connectV1(gateway.url);
    const v2 = await connectV2(gateway.url);
    const expected: string[] = [];
    const callBoth = async (label: string) => {
      for (const [name, client] of [['v1', v1.client], ['v2', v2.client]] as const) {
        const line = `${name}-${label}`;
        const result = await client.callTool({ name: 'append', arguments: { line } }).catch((error: unknown) => {
          const warnings = gateway.logText().split('\n').filter((l) => /"level":(40|50|60)/.test(l)).slice(-10);
          throw new Error(`${name} ${label}: ${String(error)}; gateway warnings and errors:\n${warnings.join('\n')}`);
        });
        assert.equal(textOf(result), `appended ${line}`);
        expected.push(line);
      }
    };
    const groups = new Set<number>();
    try {
      const sessions = [v1.transport.sessionId, v2.transport.sessionId];
      await callBoth('start');
      for (let round = 1; round <= 3; round++) {
        // The servers crash: both sessions' children, as a crash would end them (not the wrapper).
        for (const pgid of childGroups(gateway)) groups.add(pgid);
        const servers = [...groups].flatMap((pgid) => groupMembers(pgid));
        assert.ok(servers.length >= 2, `two servers running, found ${servers.length}`);
        for (const p of servers) process.kill(p.pid, 'SIGKILL');
        // Between calls means after the gateway saw the exits. A zombie in /proc is not enough: a killed node
        // process shows Z while its other threads still hold its pipes, so a request written then is taken in
        // and its outcome is rightly unknown.
        await waitFor(() => servers.every((p) => gateway.events('stdio_child_transition').some((l) => l.to === 'exited' && Number(l.pid) === p.pgid)), 10_000, 'the children to exit');
        await callBoth(`child-${round}`);
        for (const pgid of childGroups(gateway)) groups.add(pgid);
        await gateway.kill();
        await expectGroupsGone(groups);
        await gateway.restart();
        await callBoth(`gateway-${round}`);
      }
      assert.equal(expected.length, 14);
      assert.deepEqual(lines(writes).sort(), [...expected].sort(), 'every write exactly once');
      assert.deepEqual([v1.transport.sessionId, v2.transport.sessionId], sessions, 'the clients kept their sessions');
      assert.equal(gateway.events('session_created').length, 2, 'each client initialized once');
      const inits = lines(log).map((l) => JSON.parse(l) as { event: string; clientName?: string }).filter((e) => e.event === 'initialize');
      // First child per session, then one per session after each child crash and after each gateway restart.
      assert.equal(inits.length, 2 + 3 * 2 + 3 * 2);
      assert.ok(inits.every((e) => e.clientName === 'stock-v1' || e.clientName === 'stock-v2'), 'every child in its client\'s own name');
    } finally {
      await v1.client.close().catch(() => undefined);
      await v2.client.close().catch(() => undefined);
      for (const pgid of childGroups(gateway)) groups.add(pgid);
      await gateway.kill('SIGTERM');
      await expectGroupsGone(groups);
    }
  });

  it('a 2026-07-28 client, across a SIGKILL of its child and one of the gateway: every call once, the child initialized in its name', async () => {
    const log = join(dir, 'modern-log.jsonl');
    const writes = join(dir, 'modern-writes.txt');
    const command = `FIXTURE_LOG=${quote(log)} FIXTURE_WRITES=${quote(writes)} exec ${quote(process.execPath)} ${quote(FIXTURE_STDIO)}`;
    const gateway = await GatewayProcess.start({ store: db.url, args: ['--upstream-command', command, '--log-level', 'debug'] });
    const client = new Client({ name: 'modern-client', version: '2.0.0' }, { capabilities: CLIENT_CAPABILITIES, versionNegotiation: { mode: 'auto' } });
    const groups = new Set<number>();
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(gateway.url)));
      assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
      const append = async (line: string) => assert.equal(textOf(await client.callTool({ name: 'append', arguments: { line } })), `appended ${line}`);
      await append('m0');
      for (const pgid of childGroups(gateway)) groups.add(pgid);
      const servers = [...groups].flatMap((pgid) => groupMembers(pgid));
      for (const p of servers) process.kill(p.pid, 'SIGKILL');
      await waitFor(() => servers.every((p) => gateway.events('stdio_child_transition').some((l) => l.to === 'exited' && Number(l.pid) === p.pgid)), 10_000, 'the child to exit');
      await append('m1');
      for (const pgid of childGroups(gateway)) groups.add(pgid);
      await gateway.kill();
      await expectGroupsGone(groups);
      await gateway.restart();
      await append('m2');
      assert.deepEqual(lines(writes), ['m0', 'm1', 'm2']);
      const inits = lines(log).map((l) => JSON.parse(l) as { event: string; clientName?: string }).filter((e) => e.event === 'initialize');
      assert.deepEqual(inits.map((e) => e.clientName), ['modern-client', 'modern-client', 'modern-client'], 'one child per life, each in the client\'s name');
    } finally {
      await client.close().catch(() => undefined);
      for (const pgid of childGroups(gateway)) groups.add(pgid);
      await gateway.kill('SIGTERM');
      await expectGroupsGone(groups);
    }
  });

  it('the child limit: a third session gets 503 with Retry-After; it is served once a session ends', async () => {
    const command = `exec ${quote(process.execPath)} ${quote(serverScript('@modelcontextprotocol/server-everything'))} stdio`;
    const gateway = await GatewayProcess.start({ store: db.url, args: ['--upstream-command', command, '--max-children', '2'] });
    const groups = new Set<number>();
    try {
      const a = await connectV2(gateway.url, 'a');
      const b = await connectV2(gateway.url, 'b');
      const refused = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } } }),
      });
      assert.equal(refused.status, 503);
      assert.equal(refused.headers.get('retry-after'), '5');
      // The client ends its session (DELETE): its child stops and makes room.
      await a.transport.terminateSession();
      await a.client.close();
      const c = await connectV2(gateway.url, 'c');
      assert.match(textOf(await c.client.callTool({ name: 'echo', arguments: { message: 'third' } })), /third/);
      assert.match(textOf(await b.client.callTool({ name: 'echo', arguments: { message: 'second' } })), /second/);
      await b.client.close();
      await c.client.close();
    } finally {
      for (const pgid of childGroups(gateway)) groups.add(pgid);
      await gateway.kill('SIGTERM');
      await expectGroupsGone(groups);
    }
  });

  it('--share: two stock clients of one principal call at once under load and each gets only its own answers, on the pool\'s children', async () => {
    const command = `exec ${quote(process.execPath)} ${quote(serverScript('@modelcontextprotocol/server-everything'))} stdio`;
    const gateway = await GatewayProcess.start({ store: db.url, args: ['--upstream-command', command, '--share'] });
    const groups = new Set<number>();
    try {
      const clients = [await connectV2(gateway.url, 'one'), await connectV2(gateway.url, 'two')];
      const mismatches: string[] = [];
      await Promise.all(
        clients.flatMap(({ client }, who) =>
          Array.from({ length: 8 }, async (_, worker) => {
            for (let i = 0; i < 25; i++) {
              const message = `${who}-${worker}-${i}`;
              const text = textOf(await client.callTool({ name: 'echo', arguments: { message } }));
              if (text !== `Echo: ${message}`) mismatches.push(`${message} got ${text}`);
            }
          }),
        ),
      );
      assert.deepEqual(mismatches, []);
      const started = gateway.events('stdio_child_transition').filter((l) => l.to === 'ready').length;
      assert.ok(started >= 1 && started <= 2, `at most the pool's 2 children served 2 sessions (${started})`);
      for (const { client } of clients) await client.close();
    } finally {
      for (const pgid of childGroups(gateway)) groups.add(pgid);
      await gateway.kill('SIGTERM');
      await expectGroupsGone(groups);
    }
  });
});
