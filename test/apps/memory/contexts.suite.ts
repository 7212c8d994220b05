import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { newPrincipal, type Harness } from './support.js';

export function contextsSuite(harness: () => Harness): void {
  describe('contexts', () => {
    let h: Harness;
    before(async () => {
      h = harness();
    });

    test('locking a topic again creates version n+1; recall gives the exact content, latest by default', async () => {
      const s = await h.connect(newPrincipal('versions'));
      await s.ok('wake_up', { project: 'app' });
      const content1 = 'Use JWT.\n\n  Indented line, trailing spaces kept  ';
      const v1 = await s.ok('lock_context', { topic: 'Auth design', content: content1, tags: ['Backend', 'backend', 'security'] });
      assert.deepEqual([v1.version, v1.priority, v1.tags], [1, 'reference', ['backend', 'security']]);
      const v2 = await s.ok('lock_context', { topic: 'auth DESIGN', content: 'Use opaque tokens.', priority: 'important' });
      assert.equal(v2.version, 2);
      assert.equal(v2.topic, 'Auth design', 'topics match case-insensitively and keep their first spelling');

      const latest = await s.ok('recall_context', { topic: 'auth design' });
      assert.deepEqual([latest.version, latest.current_version, latest.content, latest.priority], [2, 2, 'Use opaque tokens.', 'important']);
      assert.deepEqual(latest.versions.map((v: { version: number }) => v.version), [2, 1]);
      const first = await s.ok('recall_context', { topic: 'Auth design', version: 1 });
      assert.equal(first.content, content1, 'content is stored exactly');
      assert.deepEqual(first.tags, ['backend', 'security']);

      assert.match(await s.fails('recall_context', { topic: 'Auth design', version: 3 }), /versions 1 to 2; there is no version 3/);
      assert.match(await s.fails('recall_context', { topic: 'auth' }), /No context named "auth".*Similar topics: "Auth design"/);
    });

    test('unlock archives (never deletes) and restore brings versions back, both idempotent', async () => {
      const s = await h.connect(newPrincipal('archive'));
      await s.ok('wake_up', { project: 'app' });
      for (const text of ['one', 'two', 'three']) await s.ok('lock_context', { topic: 'plan', content: text });

      const one = await s.ok('unlock_context', { topic: 'plan', version: 3 });
      assert.deepEqual([one.archived_versions, one.current_version], [[3], 2]);
      assert.equal((await s.ok('recall_context', { topic: 'plan' })).content, 'two', 'falls back to the newest remaining version');

      const all = await s.ok('unlock_context', { topic: 'plan' });
      assert.deepEqual([all.archived_versions, all.current_version], [[1, 2], null]);
      const again = await s.ok('unlock_context', { topic: 'plan', version: 'all' });
      assert.deepEqual(again.archived_versions, [], 'a second unlock changes nothing');
      assert.match(await s.fails('recall_context', { topic: 'plan' }), /archived \(versions 1 to 3\).*restore_context/);
      const archivedRead = await s.ok('recall_context', { topic: 'plan', version: 3 });
      assert.equal(archivedRead.content, 'three', 'an archived version is still readable by number');
      assert.ok(archivedRead.archived_at);

      const listed = await s.ok('list_contexts', { status: 'archived' });
      assert.deepEqual(listed.contexts.map((c: { topic: string }) => c.topic), ['plan']);
      assert.deepEqual((await s.ok('list_contexts', {})).contexts, []);
      let counts = (await s.ok('wake_up', {})).counts;
      assert.deepEqual(counts, { contexts: 0, archived_contexts: 1, versions: 3, archived_versions: 3, handovers: 0 });

      const undo = await s.ok('restore_context', { topic: 'plan' });
      assert.deepEqual([undo.restored_versions, undo.current_version], [[1, 2], 2], 'undoes exactly the last unlock');
      assert.deepEqual((await s.ok('restore_context', { topic: 'plan' })).restored_versions, [], 'and only once');
      const v3 = await s.ok('restore_context', { topic: 'plan', version: 3 });
      assert.deepEqual([v3.restored_versions, v3.current_version], [[3], 3]);
      assert.equal((await s.ok('recall_context', { topic: 'plan' })).content, 'three');
      counts = (await s.ok('wake_up', {})).counts;
      assert.deepEqual(counts, { contexts: 1, archived_contexts: 0, versions: 3, archived_versions: 0, handovers: 0 });

      assert.match(await s.fails('unlock_context', { topic: 'plan', version: 9 }), /versions 1 to 3; there is no version 9/);
      assert.match(await s.fails('restore_context', { topic: 'nothing' }), /No context named "nothing"/);
    });

    test('a new version after an unlock gets the next number; numbers are never reused', async () => {
      const s = await h.connect(newPrincipal('renumber'));
      await s.ok('wake_up', { project: 'p' });
      await s.ok('lock_context', { topic: 't', content: 'a' });
      await s.ok('lock_context', { topic: 't', content: 'b' });
      await s.ok('unlock_context', { topic: 't' });
      const next = await s.ok('lock_context', { topic: 't', content: 'c' });
      assert.equal(next.version, 3);
      const r = await s.ok('recall_context', { topic: 't' });
      assert.deepEqual([r.version, r.content], [3, 'c']);
      assert.deepEqual((await s.ok('wake_up', {})).counts, { contexts: 1, archived_contexts: 0, versions: 3, archived_versions: 2, handovers: 0 });
    });

    test('concurrent locks of one topic get distinct, gapless versions', async () => {
      const s = await h.connect(newPrincipal('race'));
      await s.ok('wake_up', { project: 'p' });
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => s.ok('lock_context', { topic: 'hot', content: `writer ${i}` })),
      );
      assert.deepEqual(results.map((r) => r.version).sort((a, b) => a - b), Array.from({ length: 12 }, (_, i) => i + 1));
      const counts = (await s.ok('wake_up', {})).counts;
      assert.deepEqual([counts.contexts, counts.versions], [1, 12]);
    });

    test('list_contexts pages newest first and filters by priority and tags', async () => {
      const s = await h.connect(newPrincipal('list'));
      await s.ok('wake_up', { project: 'p' });
      for (let i = 1; i <= 7; i++) {
        await s.ok('lock_context', { topic: `topic ${i}`, content: `body ${i}`, tags: i % 2 ? ['odd'] : ['even'], priority: i === 7 ? 'important' : 'reference' });
      }
      const page1 = await s.ok('list_contexts', { limit: 3 });
      assert.deepEqual(page1.contexts.map((c: { topic: string }) => c.topic), ['topic 7', 'topic 6', 'topic 5']);
      const page2 = await s.ok('list_contexts', { limit: 3, cursor: page1.next_cursor });
      const page3 = await s.ok('list_contexts', { limit: 3, cursor: page2.next_cursor });
      assert.deepEqual(page3.contexts.map((c: { topic: string }) => c.topic), ['topic 1']);
      assert.equal(page3.next_cursor, undefined);
      const odd = await s.ok('list_contexts', { tags: ['ODD'] });
      assert.equal(odd.contexts.length, 4);
      const important = await s.ok('list_contexts', { priority: 'important' });
      assert.deepEqual(important.contexts.map((c: { topic: string; preview: string }) => [c.topic, c.preview]), [['topic 7', 'body 7']]);
    });
  });
}
