import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { newPrincipal, type Harness } from './support.js';

export function isolationSuite(harness: () => Harness): void {
  describe('isolation and durable selection', () => {
    let h: Harness;
    before(async () => {
      h = harness();
    });

    test('projects are isolated: nothing of one is returned for another, search included', async () => {
      const s = await h.connect(newPrincipal('projects'));
      await s.ok('wake_up', { project: 'alpha' });
      await s.ok('lock_context', { topic: 'secret', content: 'alpha launch codes', priority: 'always_check' });
      await s.ok('sleep', { summary: 'alpha work' });

      const beta = await s.ok('wake_up', { project: 'beta' });
      assert.deepEqual([beta.always_check, beta.recent, beta.handover], [[], [], null]);
      assert.match(await s.fails('recall_context', { topic: 'secret' }), /No context named "secret" in project "beta"/);
      assert.deepEqual((await s.ok('search_contexts', { query: 'launch codes' })).results, []);
      assert.deepEqual((await s.ok('list_contexts')).contexts, []);
      assert.match(await s.fails('unlock_context', { topic: 'secret' }), /No context named/);
      const own = await s.ok('lock_context', { topic: 'secret', content: 'beta stuff' });
      assert.equal(own.version, 1, 'same topic name, separate history');

      await s.ok('select_project', { name: 'alpha' });
      assert.equal((await s.ok('recall_context', { topic: 'secret' })).content, 'alpha launch codes');
    });

    test('principals are isolated: same project names, separate data; no cross-principal reads', async () => {
      const alice = await h.connect(newPrincipal('alice'));
      const bob = await h.connect(newPrincipal('bob'));
      await alice.ok('wake_up', { project: 'shared-name' });
      await alice.ok('lock_context', { topic: 'diary', content: 'alice private kumquat' });
      await alice.ok('sleep', { summary: 'alice handover' });

      const woke = await bob.ok('wake_up', { project: 'shared-name' });
      assert.deepEqual([woke.counts.contexts, woke.handover], [0, null]);
      assert.match(await bob.fails('recall_context', { topic: 'diary' }), /No context named/);
      assert.deepEqual((await bob.ok('search_contexts', { query: 'kumquat' })).results, []);
      assert.deepEqual((await bob.ok('list_projects')).projects.map((p: { name: string }) => p.name), ['shared-name']);
      const bobs = await bob.ok('list_projects');
      assert.equal(bobs.projects[0].contexts, 0);
      assert.equal((await alice.ok('search_contexts', { query: 'kumquat' })).results.length, 1);
    });

    test('the selected project survives a new session, per client name, with a fallback for new clients', async () => {
      const principal = newPrincipal('selection');
      const desktop = await h.connect(principal, 'desktop');
      await desktop.ok('wake_up', { project: 'work' });
      await desktop.close();
      const code = await h.connect(principal, 'code');
      assert.equal((await code.ok('wake_up')).project.name, 'work', 'a new client starts from the latest selection');
      await code.ok('select_project', { name: 'side', create: true });
      await code.close();

      const desktop2 = await h.connect(principal, 'desktop');
      assert.equal((await desktop2.ok('wake_up')).project.name, 'work', 'each client keeps its own selection');
      const code2 = await h.connect(principal, 'code');
      assert.equal((await code2.ok('list_projects')).selected, 'side');
    });

    test('data and the selection survive closing and reopening the store', async () => {
      const principal = newPrincipal('reopen');
      const s = await h.connect(principal);
      await s.ok('wake_up', { project: 'durable' });
      await s.ok('lock_context', { topic: 'fact', content: 'acknowledged before restart' });
      await s.ok('sleep', { summary: 'before restart' });
      await h.reopen();

      const after = await h.connect(principal);
      const woke = await after.ok('wake_up');
      assert.equal(woke.project.name, 'durable');
      assert.equal(woke.handover.summary, 'before restart');
      assert.equal((await after.ok('recall_context', { topic: 'fact' })).content, 'acknowledged before restart');
      assert.equal((await after.ok('search_contexts', { query: 'acknowledged' })).results.length, 1);
    });
  });
}
