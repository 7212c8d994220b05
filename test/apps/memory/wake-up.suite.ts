import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { WAKE_UP } from '../../../src/apps/memory/limits.js';
import { newPrincipal, type Harness } from './support.js';

export function wakeUpSuite(harness: () => Harness): void {
  describe('wake_up and sleep', () => {
    let h: Harness;
    before(async () => {
      h = harness();
    });

    test('a first wake_up selects a default project; wake_up(project) creates and selects', async () => {
      const s = await h.connect(newPrincipal('first'));
      const fresh = await s.ok('wake_up');
      assert.equal(fresh.project.name, 'default');
      assert.equal(fresh.handover, null);
      assert.match(fresh.hint, /lock_context/);
      const named = await s.ok('wake_up', { project: 'Billing' });
      assert.equal(named.project.name, 'Billing');
      assert.equal((await s.ok('wake_up', { project: 'billing' })).project.name, 'Billing', 'names match case-insensitively');
      const listed = await s.ok('list_projects');
      assert.equal(listed.selected, 'Billing');
      assert.deepEqual(listed.projects.map((p: { name: string }) => p.name).sort(), ['Billing', 'default']);
    });

    test('wake_up says, where a client reads it, that without a project it creates and selects "default"', async () => {
      const s = await h.connect(newPrincipal('described'));
      const wakeUp = (await s.client.listTools()).tools.find((t) => t.name === 'wake_up');
      assert.match(wakeUp?.description ?? '', /when none was ever selected it creates and selects a project named "default"/);
      const project = (wakeUp?.inputSchema.properties as Record<string, { description?: string }> | undefined)?.project;
      assert.match(project?.description ?? '', /"default", created when none was ever selected/);
    });

    test('sleep stores a handover that the next wake_up returns, newest only', async () => {
      const principal = newPrincipal('handover');
      const s = await h.connect(principal);
      assert.match(await s.fails('sleep', { summary: 'x' }), /No project is selected.*wake_up/);
      await s.ok('wake_up', { project: 'p' });
      await s.ok('sleep', { summary: 'older' });
      const stored = await s.ok('sleep', { summary: 'Built auth.', next_steps: ['tests', 'docs'], open_questions: ['token TTL?'] });
      assert.equal(stored.stored, true);
      await s.close();

      const next = await h.connect(principal);
      const woke = await next.ok('wake_up');
      assert.equal(woke.project.name, 'p');
      assert.deepEqual(
        [woke.handover.summary, woke.handover.next_steps, woke.handover.open_questions, woke.handover.from_client],
        ['Built auth.', ['tests', 'docs'], ['token TTL?'], 'test-client'],
      );
      assert.equal(woke.counts.handovers, 2);
    });

    test('wake_up returns every always_check context in full, recent changes as previews, and counts', async () => {
      const s = await h.connect(newPrincipal('wake'));
      await s.ok('wake_up', { project: 'p' });
      const long = 'rule '.repeat(1_000);
      await s.ok('lock_context', { topic: 'Rules', content: 'Never push to main.', priority: 'always_check' });
      await s.ok('lock_context', { topic: 'Long rules', content: long, priority: 'always_check' });
      for (let i = 1; i <= WAKE_UP.recent + 2; i++) await s.ok('lock_context', { topic: `note ${i}`, content: `line one\nline two of ${i}` });
      await s.ok('lock_context', { topic: 'Rules', content: 'Never push to main. Squash merges.', priority: 'always_check' });

      const woke = await s.ok('wake_up');
      assert.deepEqual(woke.always_check.map((c: { topic: string }) => c.topic), ['Rules', 'Long rules']);
      assert.equal(woke.always_check[0].content, 'Never push to main. Squash merges.');
      assert.equal(woke.always_check[0].version, 2);
      assert.equal(woke.always_check[1].truncated, true);
      assert.ok(woke.always_check[1].content.length <= WAKE_UP.alwaysCheckChars + 1);
      assert.equal(woke.always_check_more, undefined);
      assert.equal(woke.recent.length, WAKE_UP.recent);
      assert.equal(woke.recent[0].topic, `note ${WAKE_UP.recent + 2}`);
      assert.equal(woke.recent[0].preview, `line one line two of ${WAKE_UP.recent + 2}`);
      assert.ok(woke.recent.every((c: { priority: string }) => c.priority !== 'always_check'), 'always_check is not repeated');
      assert.deepEqual(woke.counts, { contexts: WAKE_UP.recent + 4, archived_contexts: 0, versions: WAKE_UP.recent + 5, archived_versions: 0, handovers: 0 });
    });

    test('wake_up says when always_check contexts were left out', async () => {
      const s = await h.connect(newPrincipal('many-rules'));
      await s.ok('wake_up', { project: 'p' });
      for (let i = 0; i <= WAKE_UP.alwaysCheck; i++) await s.ok('lock_context', { topic: `rule ${i}`, content: 'r', priority: 'always_check' });
      const woke = await s.ok('wake_up');
      assert.equal(woke.always_check.length, WAKE_UP.alwaysCheck);
      assert.match(woke.always_check_more, /list_contexts/);
    });
  });
}
