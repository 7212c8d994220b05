/**
 * The gateway's promise, end to end with real processes: stock SDK v1 and v2
 * clients talk to `durable-mcp gateway` in front of an SDK v1 + express
 * server (sessions in memory, 400 on an unknown one), and the upstream and
 * the gateway are SIGKILLed and restarted in turn, three times each. Every
 * call succeeds, each client initializes once, and the append tool shows
 * every write exactly once. A gateway restart costs the upstream nothing (the
 * rebuilt session continues the same upstream session); an upstream restart
 * costs one upstream initialize per session, in the client's own name.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { killAll } from '../../../harness/process.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';
import { connectV1, connectV2, GatewayProcess, textOf } from '../support/gateway.js';
import { UpstreamFixture } from '../support/upstreams.js';

after(killAll);

describe('stock clients through the gateway while the upstream and the gateway restart', { timeout: 300_000 }, () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(async () => db?.drop());

  it('three SIGKILLs of each, in turn: every call succeeds once, no client re-initializes', async () => {
    const upstream = await UpstreamFixture.start('sdk-v1-express');
    const gateway = await GatewayProcess.start({ store: db.url, args: ['--upstream', upstream.url, '--log-level', 'debug'] });
    const v1 = await connectV1(gateway.url);
    const v2 = await connectV2(gateway.url);
    const expected: string[] = [];
    let calls = 0;
    const callBoth = async (label: string) => {
      for (const [name, client] of [['v1', v1.client], ['v2', v2.client]] as const) {
        const line = `${name}-${label}`;
        const result = await client.callTool({ name: 'append', arguments: { line } }).catch((error: unknown) => {
          // What the gateway logged about it is what explains a failure here.
          const errors = gateway.logText().split('\n').filter((l) => /"level":(40|50|60)/.test(l)).slice(-10);
          throw new Error(`${name} ${label}: ${String(error)}; gateway warnings and errors:\n${errors.join('\n')}`);
        });
        assert.equal(textOf(result), `appended ${line}`, `${name} after ${label}`);
        expected.push(line);
        calls++;
      }
    };
    try {
      const sessions = [v1.transport.sessionId, v2.transport.sessionId];
      await callBoth('start');
      for (let round = 1; round <= 3; round++) {
        await upstream.kill();
        await upstream.restart();
        await callBoth(`upstream-${round}`);
        await gateway.kill();
        await gateway.restart();
        await callBoth(`gateway-${round}`);
      }
      assert.equal(calls, 14);
      assert.deepEqual(upstream.writes().sort(), [...expected].sort(), 'every write exactly once');
      assert.equal(upstream.count('call', { tool: 'append' }), expected.length, 'no call ran twice');
      assert.deepEqual([v1.transport.sessionId, v2.transport.sessionId], sessions, 'the clients kept their sessions');
      assert.equal(gateway.events('session_created').length, 2, 'each client initialized once');
      assert.ok(gateway.events('session_rehydrated').length >= 6, 'each gateway restart rebuilt both sessions');
      // Upstream: the first initialize of each session, then one per session per upstream restart; gateway restarts none.
      assert.equal(upstream.count('initialize'), 2 + 3 * 2);
      for (const init of upstream.server.events().filter((e) => e.event === 'initialize')) {
        assert.ok(['stock-v1', 'stock-v2'].includes(String(init.clientName)), 'always in the client\'s own name');
      }
      const recreated = gateway.events('upstream_session_recreated');
      assert.equal(recreated.length, 6);
      // The SDK example answers a lost session 400; the gateway's standalone stream to it may notice first.
      assert.ok(recreated.every((line) => ['bad-session', 'stream-rejected'].includes(String(line.reason)) && line.upstream === 'default'), JSON.stringify(recreated.map((l) => l.reason)));
    } finally {
      await v1.client.close().catch(() => undefined);
      await v2.client.close().catch(() => undefined);
      await gateway.kill();
      await upstream.dispose();
    }
  });
});
