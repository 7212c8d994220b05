/**
 * What an upstream session carries beyond single calls: the lists the client
 * has seen (a restart with a different tool list is reported as changed,
 * the same list is not), notifications (list_changed, logging) relayed to
 * the front, the client's log level and subscriptions replayed on the new
 * session, and a snapshot that lets another instance go on with no new
 * initialize.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { killAll } from '../../../harness/process.js';
import { waitFor } from '../../../harness/timeout.js';
import { call, CLIENT, observe, rpc, textOf } from '../support/session.js';
import { UpstreamFixture } from '../support/upstreams.js';

after(killAll);

describe('UpstreamSession state across upstream sessions', () => {
  for (const kind of ['sdk-v1-express', 'sdk-v2-404'] as const) {
    it(`${kind}: list changes detected across restarts, state replayed, notifications relayed`, async () => {
      const upstream = await UpstreamFixture.start(kind);
      const { session, recreated, messages, snapshots } = observe(upstream.url);
      try {
        await session.initialize();
        const listed = await session.request(rpc('tools/list'));
        assert.ok('result' in listed && Array.isArray(listed.result.tools));
        await session.request(rpc('logging/setLevel', { level: 'debug' }));
        await session.request(rpc('resources/subscribe', { uri: 'mem://note' }));
        assert.equal(snapshots.at(-1)?.logLevel, 'debug');
        assert.deepEqual(snapshots.at(-1)?.subscriptions, ['mem://note']);

        // Same tool list after a restart: nothing to tell the client.
        await upstream.kill();
        await upstream.restart();
        const state = JSON.parse(textOf(await session.request(call('state')))) as { logLevel: string; subscriptions: string[] };
        assert.deepEqual(state, { ...state, logLevel: 'debug', subscriptions: ['mem://note'] }, 'replayed on the new session');
        assert.equal(recreated.length, 1);
        assert.deepEqual(recreated[0]!.listsChanged, []);
        assert.deepEqual(recreated[0]!.replayed, { logLevel: 'debug', subscriptions: 1 });

        // A restart with another tool list: reported, so the front sends tools/list_changed.
        await upstream.kill();
        await upstream.restart({ FIXTURE_EXTRA_TOOL: 'newcomer' });
        assert.equal(textOf(await session.request(call('echo', { text: 'x' }))), 'x');
        assert.equal(recreated.length, 2);
        assert.deepEqual(recreated[1]!.listsChanged, ['tools']);
        assert.ok(session.snapshot?.toolAnnotations.newcomer, 'annotations of the new list learned');

        // A logging notification rides its call's stream and is reported as related to it.
        const logCall = call('log', { message: 'hello log' });
        await session.request(logCall);
        const log = messages.find((m) => m.message.method === 'notifications/message');
        assert.equal(log?.related, logCall.id);
        // A tool added at run time: the upstream's own list_changed reaches the front.
        await session.request(call('add_tool', { name: 'late' }));
        await waitFor(() => messages.some((m) => m.message.method === 'notifications/tools/list_changed'), 10_000, 'tools/list_changed');

        // An initialize relayed by mistake answers from the current upstream session instead of starting another.
        const again = await session.request(rpc('initialize', { ...CLIENT }));
        assert.ok('result' in again && (again.result.serverInfo as { name: string }).name.startsWith('fixture-'));
        assert.equal(upstream.count('initialize'), 3);

        // Another instance holding only the snapshot goes on with the same upstream session.
        const other = observe(upstream.url, { snapshot: session.snapshot!, config: { standaloneStream: false } });
        assert.equal(textOf(await other.session.request(call('late'))), 'late here');
        assert.equal(upstream.count('initialize'), 3, 'the other instance did not initialize');
        other.session.close();
      } finally {
        session.close();
        await upstream.dispose();
      }
    });
  }
});
