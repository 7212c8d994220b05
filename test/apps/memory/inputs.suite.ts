import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { LIMITS } from '../../../src/apps/memory/limits.js';
import { newPrincipal, type Harness, type Session } from './support.js';

/** Each bad call, and what its error must tell the assistant. */
const BAD_CALLS: Array<[tool: string, args: Record<string, unknown>, says: RegExp]> = [
  ['lock_context', {}, /topic is required.*content is required/],
  ['lock_context', { topic: '   ', content: 'x' }, /topic must not be empty/],
  ['lock_context', { topic: 't'.repeat(LIMITS.topic + 1), content: 'x' }, new RegExp(`topic must be at most ${LIMITS.topic} characters`)],
  ['lock_context', { topic: 'two\nlines', content: 'x' }, /topic must be a single line/],
  ['lock_context', { topic: 't', content: 'x'.repeat(LIMITS.content + 1) }, /content must be at most 100000 characters; split it/],
  ['lock_context', { topic: 't', content: 'x', tags: Array.from({ length: LIMITS.tags + 1 }, (_, i) => `t${i}`) }, /at most 20 tags/],
  ['lock_context', { topic: 't', content: 'x', tags: 'ops' }, /tags must be an array of strings/],
  ['lock_context', { topic: 't', content: 'x', priority: 'urgent' }, /priority must be one of always_check, important, reference/],
  ['recall_context', { topic: 't', version: 0 }, /versions start at 1/],
  ['recall_context', { topic: 't', version: 1.5 }, /version must be a whole number/],
  ['unlock_context', { topic: 't', version: 'latest' }, /version must be a positive whole number or "all"/],
  ['search_contexts', { query: '' }, /query must not be empty/],
  ['search_contexts', { query: 'q', limit: 500 }, new RegExp(`limit must be at most ${LIMITS.searchMax}`)],
  ['list_contexts', { cursor: 'page2' }, /cursor must be the next_cursor/],
  ['list_contexts', { status: 'deleted' }, /status must be "active" or "archived"/],
  ['sleep', { summary: 42 }, /summary/],
  ['sleep', { summary: 's', next_steps: ['ok', ''] }, /each item of next_steps must not be empty/],
  ['select_project', { name: 'x'.repeat(LIMITS.projectName + 1) }, /project must be at most 100 characters/],
  ['wake_up', { project: '' }, /project must not be empty/],
];

export function inputsSuite(harness: () => Harness): void {
  describe('input validation', () => {
    let h: Harness;
    let s: Session;
    before(async () => {
      h = harness();
      s = await h.connect(newPrincipal('inputs'));
      await s.ok('wake_up', { project: 'p' });
    });

    test('bad calls get tool errors (isError) that say what to fix, never protocol errors', async () => {
      for (const [tool, args, says] of BAD_CALLS) {
        const message = await s.fails(tool, args);
        assert.match(message, says, `${tool}(${JSON.stringify(args).slice(0, 60)})`);
      }
      assert.deepEqual((await s.ok('list_contexts')).contexts, [], 'no bad call wrote anything');
    });

    test('the bounds themselves are accepted', async () => {
      const topic = 't'.repeat(LIMITS.topic);
      const tags = Array.from({ length: LIMITS.tags }, (_, i) => `tag${i}`);
      const r = await s.ok('lock_context', { topic, content: 'x'.repeat(LIMITS.content), tags });
      assert.equal(r.version, 1);
      assert.equal((await s.ok('recall_context', { topic })).content.length, LIMITS.content);
    });

    test('an unknown project is refused by select_project with the names that exist', async () => {
      assert.match(await s.fails('select_project', { name: 'nope' }), /No project named "nope". Existing projects: "p". Pass create: true/);
    });

    test('SQL-looking input is data, not SQL', async () => {
      const topic = "x'); DROP TABLE memory_contexts; --";
      await s.ok('lock_context', { topic, content: "'; SELECT 1; --", tags: ["o'hara"] });
      assert.equal((await s.ok('recall_context', { topic })).content, "'; SELECT 1; --");
      assert.equal((await s.ok('search_contexts', { query: "drop ' table\" --" })).results.length, 1);
    });
  });
}
