/**
 * The upstream is SIGKILLed and restarted between calls, three times, for
 * each kind of upstream: every call succeeds, every write lands exactly
 * once, and each restart costs exactly one upstream initialize, made with
 * the front client's own info and capabilities. A 2026-07-28 upstream has no
 * session to lose: nothing is re-initialized.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { killAll } from '../../../harness/process.js';
import { CLIENT, call, observe, textOf } from '../support/session.js';
import { UpstreamFixture, type UpstreamKind } from '../support/upstreams.js';

after(killAll);

const KINDS: UpstreamKind[] = ['sdk-v1-express', 'sdk-v2-404', 'fastmcp', 'sdk-v2-modern'];

describe('UpstreamSession across upstream restarts', () => {
  for (const kind of KINDS) {
    it(`${kind}: three SIGKILL restarts between calls, every call succeeds and writes once`, async () => {
      const upstream = await UpstreamFixture.start(kind);
      const observed = observe(upstream.url);
      const { session } = observed;
      try {
        await session.initialize();
        for (let round = 0; round < 4; round++) {
          if (round > 0) {
            await upstream.kill();
            await upstream.restart();
          }
          assert.equal(textOf(await session.request(call('append', { line: `w${round}` }))), `appended w${round}`);
        }
        assert.deepEqual(upstream.writes(), ['w0', 'w1', 'w2', 'w3']);
        assert.equal(upstream.count('call', { tool: 'append' }), 4, 'no call ran twice');

        const snapshot = session.snapshot;
        assert.ok(snapshot);
        if (kind === 'sdk-v2-modern') {
          assert.equal(snapshot.era, 'modern');
          assert.equal(snapshot.sessionId, undefined);
          assert.equal(observed.recreated.length, 0);
          assert.deepEqual(observed.transitions(), ['idle>initializing', 'initializing>ready']);
          // The client's own identity travelled in `_meta`.
          const state = JSON.parse(textOf(await session.request(call('state')))) as { envelope: Record<string, unknown> };
          assert.deepEqual(state.envelope.clientInfo ?? state.envelope['io.modelcontextprotocol/clientInfo'], CLIENT.clientInfo);
          return;
        }
        assert.equal(snapshot.era, 'legacy');
        assert.equal(upstream.count('initialize'), 4, 'one upstream initialize per restart');
        assert.equal(observed.recreated.length, 3);
        assert.ok(observed.recreated.every((r) => r.listsChanged.length === 0));
        assert.equal(new Set(observed.recreated.map((r) => r.sessionId)).size, 3, 'a new upstream session each time');
        assert.deepEqual(observed.transitions(), [
          'idle>initializing',
          'initializing>ready',
          ...Array.from({ length: 3 }, () => ['ready>reinitializing', 'reinitializing>ready']).flat(),
        ]);
        assert.equal(snapshot.generation, 4);
        assert.equal(observed.snapshots.at(-1)?.sessionId, snapshot.sessionId, 'the last snapshot handed out is the live session');
        if (kind === 'fastmcp') {
          // FastMCP keeps the client's identity on its session; ask it.
          const state = JSON.parse(textOf(await session.request(call('state')))) as { client: unknown; capabilities: unknown };
          assert.deepEqual(state.client, CLIENT.clientInfo);
          assert.deepEqual(state.capabilities, CLIENT.capabilities);
        } else {
          const inits = upstream.server.events().filter((e) => e.event === 'initialize');
          for (const init of inits) {
            assert.equal(init.clientName, CLIENT.clientInfo.name);
            assert.deepEqual(init.capabilities, CLIENT.capabilities);
            assert.equal(init.protocolVersion, CLIENT.protocolVersion);
          }
        }
      } finally {
        session.close();
        await upstream.dispose();
      }
    });
  }
});
