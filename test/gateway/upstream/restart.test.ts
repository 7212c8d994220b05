/**
 * The upstream is SIGKILLed and restarted between calls, three times, for
 * each kind of upstream: every call succeeds, every write lands exactly
 * once, and each restart costs exactly one upstream initialize, made with
 * the front client's own info and capabilities. A 2026-07-28 upstream has no
 * session to lose: nothing is re-initialized. When the upstream's stream
 * refuses the session after a restart, only a session the upstream may push
 * something to is re-established at once; an idle one waits for its next
 * request, so a restart does not bring every session back at the same time.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { killAll } from '../../../harness/process.js';
import { waitFor } from '../../../harness/timeout.js';
import { CLIENT, call, observe, rpc, textOf } from '../support/session.js';
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

  it('a stream refused after a restart: an idle session waits for its next request, a subscribed one comes back at once', async () => {
    const upstream = await UpstreamFixture.start('sdk-v2-404');
    const quiet = { ...CLIENT, capabilities: {} };
    const idle = observe(upstream.url, { identity: { initialize: { ...quiet, clientInfo: { name: 'idle', version: '1' } } } });
    const subscribed = observe(upstream.url, { identity: { initialize: { ...quiet, clientInfo: { name: 'subscribed', version: '1' } } } });
    try {
      await idle.session.initialize();
      await subscribed.session.initialize();
      await subscribed.session.request(rpc('resources/subscribe', { uri: 'mem://note' }));
      const all = () => upstream.server.events().filter((e) => e.event === 'initialize').map((e) => e.clientName);
      assert.deepEqual(all().sort(), ['idle', 'subscribed']);
      const initializes = () => all().slice(2);
      await upstream.kill();
      await upstream.restart();
      // Both streams come back and are refused; only the subscribed session makes a new upstream session.
      await waitFor(() => idle.transitions().includes('ready>lost'), 10_000, 'the idle session to learn its upstream session is gone');
      await waitFor(() => subscribed.recreated.length === 1, 10_000, 'the subscribed session to be re-established');
      assert.equal(subscribed.recreated[0]!.reason, 'stream-rejected');
      assert.deepEqual(initializes(), ['subscribed'], 'nothing initialized for the idle session yet');
      // Its next request makes the new upstream session at once (no 404 first) and runs once.
      assert.equal(textOf(await idle.session.request(call('append', { line: 'after' }))), 'appended after');
      assert.deepEqual(initializes(), ['subscribed', 'idle']);
      assert.equal(idle.recreated.length, 1);
      assert.equal(idle.recreated[0]!.reason, 'stream-rejected');
      assert.deepEqual(idle.transitions(), ['idle>initializing', 'initializing>ready', 'ready>lost', 'lost>reinitializing', 'reinitializing>ready']);
      assert.deepEqual(upstream.writes(), ['after']);
    } finally {
      idle.session.close();
      subscribed.session.close();
      await upstream.dispose();
    }
  });
});
