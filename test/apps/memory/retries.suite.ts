/**
 * Re-sending a call whose answer was lost. The resilient client (and any
 * careful host) re-sends only tools annotated read-only or idempotent, so
 * those annotations are a promise: each such tool, sent twice with the same
 * arguments, must leave the store exactly as one send left it.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { newPrincipal, type Harness, type Session } from './support.js';

type Payload = Record<string, any>; // any: assertions read nested fields of tool payloads

interface Resend {
  tool: string;
  args: Record<string, unknown>;
  /** Calls that bring the principal to the state the resent call acts on. */
  setup?: (s: Session) => Promise<void>;
  /** What the second answer must say, given the first. */
  answers: (first: Payload, second: Payload) => void;
}

const inProject = (...calls: Array<[string, Record<string, unknown>]>) => async (s: Session) => {
  await s.ok('wake_up', { project: 'p' });
  for (const [tool, args] of calls) await s.ok(tool, args);
};
const identical = (first: Payload, second: Payload) => assert.deepEqual(second, first);

const RESENDS: Array<[label: string, Resend]> = [
  ['wake_up, the very first (creates "default")', { tool: 'wake_up', args: {}, answers: identical }],
  ['wake_up with a new project', { tool: 'wake_up', args: { project: 'New' }, answers: identical }],
  [
    'select_project with create',
    { tool: 'select_project', args: { name: 'side', create: true }, setup: inProject(), answers: identical },
  ],
  [
    'lock_context of a new topic',
    {
      tool: 'lock_context',
      args: { topic: 'Auth', content: 'Use JWT.\n', tags: ['Backend', 'security'], priority: 'important' },
      setup: inProject(),
      answers: (first, second) => {
        assert.equal(first.already_stored, undefined);
        assert.deepEqual([second.version, second.already_stored, second.created_at], [1, true, first.created_at]);
      },
    },
  ],
  [
    'lock_context of a new version',
    {
      tool: 'lock_context',
      args: { topic: 'auth', content: 'Use opaque tokens.' },
      setup: inProject(['lock_context', { topic: 'Auth', content: 'Use JWT.' }]),
      answers: (first, second) => assert.deepEqual([first.version, second.version, second.already_stored], [2, 2, true]),
    },
  ],
  [
    'sleep',
    {
      tool: 'sleep',
      args: { summary: 'Built auth.', next_steps: ['tests'], open_questions: ['TTL?'] },
      setup: inProject(['sleep', { summary: 'an older handover' }]),
      answers: (first, second) => {
        assert.equal(first.already_stored, undefined);
        assert.deepEqual([second.handover_id, second.created_at, second.already_stored], [first.handover_id, first.created_at, true]);
      },
    },
  ],
  [
    'unlock_context of every version',
    {
      tool: 'unlock_context',
      args: { topic: 't' },
      setup: inProject(['lock_context', { topic: 't', content: 'a' }], ['lock_context', { topic: 't', content: 'b' }]),
      answers: (first, second) => assert.deepEqual([first.archived_versions, second.archived_versions, second.current_version], [[1, 2], [], null]),
    },
  ],
  [
    'unlock_context of one version',
    {
      tool: 'unlock_context',
      args: { topic: 't', version: 2 },
      setup: inProject(['lock_context', { topic: 't', content: 'a' }], ['lock_context', { topic: 't', content: 'b' }]),
      answers: (first, second) => assert.deepEqual([first.archived_versions, second.archived_versions, second.current_version], [[2], [], 1]),
    },
  ],
  [
    'restore_context of the last unlock',
    {
      tool: 'restore_context',
      args: { topic: 't' },
      setup: inProject(['lock_context', { topic: 't', content: 'a' }], ['lock_context', { topic: 't', content: 'b' }], ['unlock_context', { topic: 't' }]),
      answers: (first, second) => assert.deepEqual([first.restored_versions, second.restored_versions, second.current_version], [[1, 2], [], 2]),
    },
  ],
  [
    'restore_context of all',
    {
      tool: 'restore_context',
      args: { topic: 't', version: 'all' },
      setup: inProject(['lock_context', { topic: 't', content: 'a' }], ['unlock_context', { topic: 't' }]),
      answers: (first, second) => assert.deepEqual([first.restored_versions, second.restored_versions], [[1], []]),
    },
  ],
  ['recall_context', { tool: 'recall_context', args: { topic: 't' }, setup: inProject(['lock_context', { topic: 't', content: 'a' }]), answers: identical }],
  ['search_contexts', { tool: 'search_contexts', args: { query: 'alpha' }, setup: inProject(['lock_context', { topic: 't', content: 'alpha' }]), answers: identical }],
  ['list_contexts', { tool: 'list_contexts', args: {}, setup: inProject(['lock_context', { topic: 't', content: 'a' }]), answers: identical }],
  ['list_projects', { tool: 'list_projects', args: {}, setup: inProject(), answers: identical }],
];

export function retriesSuite(harness: () => Harness): void {
  describe('re-sending a call (a lost answer)', () => {
    let h: Harness;
    before(async () => {
      h = harness();
    });

    test('annotations say which tools are safe to repeat: every one, reads and writes alike, and none destructive', async () => {
      const s = await h.connect(newPrincipal('tools'));
      const { tools } = await s.client.listTools();
      const hints = Object.fromEntries(
        tools.map((t) => [t.name, [t.annotations?.readOnlyHint, t.annotations?.idempotentHint, t.annotations?.destructiveHint, t.annotations?.openWorldHint]]),
      );
      // [readOnly, idempotent, destructive, openWorld]
      assert.deepEqual(hints, {
        wake_up: [false, true, false, false],
        sleep: [false, true, false, false],
        lock_context: [false, true, false, false],
        recall_context: [true, true, false, false],
        unlock_context: [false, true, false, false],
        restore_context: [false, true, false, false],
        search_contexts: [true, true, false, false],
        list_contexts: [true, true, false, false],
        list_projects: [true, true, false, false],
        select_project: [false, true, false, false],
      });
      for (const t of tools) assert.ok((t.description ?? '').length > 40, `${t.name} has a description`);
      const claimed = tools.filter((t) => t.annotations?.readOnlyHint || t.annotations?.idempotentHint).map((t) => t.name);
      assert.deepEqual([...new Set(RESENDS.map(([, r]) => r.tool))].sort(), claimed.sort(), 'every tool safe to repeat is re-sent below');
    });

    for (const [label, resend] of RESENDS) {
      test(`${label}, sent twice, changes nothing the first send did not`, async () => {
        const s = await h.connect(newPrincipal('resend'));
        await resend.setup?.(s);
        const first = await s.ok(resend.tool, resend.args);
        const once = await h.snapshot(s.principal);
        const second = await s.ok(resend.tool, resend.args);
        assert.deepEqual(await h.snapshot(s.principal), once, 'the second send wrote nothing');
        resend.answers(first, second);
      });
    }

    test('identical locks sent at once store one version', async () => {
      const s = await h.connect(newPrincipal('twin-locks'));
      await s.ok('wake_up', { project: 'p' });
      const both = await Promise.all([1, 2].map(() => s.ok('lock_context', { topic: 'hot', content: 'same text' })));
      assert.deepEqual(both.map((r) => r.version), [1, 1]);
      assert.equal(both.filter((r) => r.already_stored === true).length, 1);
      assert.equal((await s.ok('wake_up')).counts.versions, 1);
    });

    test('a lock that differs in content, tags or priority adds a version; so does one whose twin was archived', async () => {
      const s = await h.connect(newPrincipal('distinct-locks'));
      await s.ok('wake_up', { project: 'p' });
      const lock = (args: Record<string, unknown>) => s.ok('lock_context', { topic: 't', content: 'text', ...args });
      assert.equal((await lock({ tags: ['a', 'b'] })).version, 1);
      const reordered = await lock({ tags: ['B', 'a', 'b'] });
      assert.deepEqual([reordered.version, reordered.already_stored], [1, true], 'tags are a set: order, case and repeats do not count');
      assert.equal((await lock({ tags: ['a'] })).version, 2);
      assert.equal((await lock({ tags: ['a'], priority: 'important' })).version, 3);
      assert.equal((await lock({ tags: ['a'], priority: 'important', content: 'text ' })).version, 4, 'content compares exactly');
      await s.ok('unlock_context', { topic: 't' });
      const back = await lock({ tags: ['a'], priority: 'important', content: 'text ' });
      assert.deepEqual([back.version, back.already_stored], [5, undefined], 'a lock after an unlock makes the text current again');
      assert.equal((await s.ok('recall_context', { topic: 't' })).current_version, 5);
      // The current version is what counts, not the newest: with version 6 archived, 5 is current and equal.
      await lock({ content: 'six' });
      await s.ok('unlock_context', { topic: 't', version: 6 });
      const current = await lock({ tags: ['a'], priority: 'important', content: 'text ' });
      assert.deepEqual([current.version, current.already_stored], [5, true]);
    });

    test('a handover that differs from the newest, or comes from another client, is stored', async () => {
      const principal = newPrincipal('distinct-sleeps');
      const s = await h.connect(principal, 'desktop');
      await s.ok('wake_up', { project: 'p' });
      const first = await s.ok('sleep', { summary: 'same', next_steps: ['a'] });
      assert.notEqual((await s.ok('sleep', { summary: 'same', next_steps: ['a', 'b'] })).handover_id, first.handover_id);
      const other = await h.connect(principal, 'code');
      await other.ok('wake_up', { project: 'p' });
      assert.equal((await other.ok('sleep', { summary: 'same', next_steps: ['a', 'b'] })).already_stored, undefined);
      assert.equal((await other.ok('wake_up')).counts.handovers, 3);
    });
  });
}
