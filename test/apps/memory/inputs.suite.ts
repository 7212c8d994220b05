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

const NUL = 'a\u0000b';
const SAYS_NUL = (field: string) => new RegExp(`${field} contains a NUL character \\(U\\+0000\\), which cannot be stored; remove it`);

/**
 * Every string a memory tool takes, with a NUL in it (PostgreSQL text cannot hold one), and what the error must say.
 * Free text gets the NUL message; enums and cursors are refused by their own shape. The test fails for a listed
 * string field that has no row here, so a new field cannot skip the check.
 */
const NUL_CALLS: Array<[tool: string, field: string, args: Record<string, unknown>, says: RegExp]> = [
  ['wake_up', 'project', { project: NUL }, SAYS_NUL('project')],
  ['select_project', 'name', { name: NUL, create: true }, SAYS_NUL('project')],
  ['lock_context', 'topic', { topic: NUL, content: 'c' }, SAYS_NUL('topic')],
  ['lock_context', 'content', { topic: 't', content: NUL }, SAYS_NUL('content')],
  ['lock_context', 'tags', { topic: 't', content: 'c', tags: ['ok', NUL] }, SAYS_NUL('each tag')],
  ['lock_context', 'priority', { topic: 't', content: 'c', priority: 'important\u0000' }, /priority must be one of/],
  ['recall_context', 'topic', { topic: NUL }, SAYS_NUL('topic')],
  ['unlock_context', 'topic', { topic: NUL }, SAYS_NUL('topic')],
  ['unlock_context', 'version', { topic: 't', version: 'all\u0000' }, /version must be a positive whole number or "all"/],
  ['restore_context', 'topic', { topic: NUL }, SAYS_NUL('topic')],
  ['restore_context', 'version', { topic: 't', version: 'all\u0000' }, /version must be a positive whole number or "all"/],
  ['search_contexts', 'query', { query: NUL }, SAYS_NUL('query')],
  ['search_contexts', 'tags', { query: 'q', tags: [NUL] }, SAYS_NUL('each tag')],
  ['search_contexts', 'priority', { query: 'q', priority: '\u0000' }, /priority must be one of/],
  ['list_contexts', 'tags', { tags: [NUL] }, SAYS_NUL('each tag')],
  ['list_contexts', 'priority', { priority: '\u0000' }, /priority must be one of/],
  ['list_contexts', 'status', { status: 'active\u0000' }, /status must be "active" or "archived"/],
  ['list_contexts', 'cursor', { cursor: '1\u0000' }, /cursor must be the next_cursor/],
  ['sleep', 'summary', { summary: NUL }, SAYS_NUL('summary')],
  ['sleep', 'next_steps', { summary: 's', next_steps: [NUL] }, SAYS_NUL('each item of next_steps')],
  ['sleep', 'open_questions', { summary: 's', open_questions: [NUL] }, SAYS_NUL('each item of open_questions')],
];

type PropertySchema = { type?: string; items?: PropertySchema; anyOf?: PropertySchema[] };
const takesText = (p: PropertySchema): boolean =>
  p.type === 'string' || (p.items !== undefined && takesText(p.items)) || (p.anyOf ?? []).some(takesText);

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

    test('a NUL (U+0000) in any string is refused by validation with a fix-it message: nothing logged, nothing stored', async () => {
      const { tools } = await s.client.listTools();
      const listed = tools.flatMap((t) =>
        Object.entries((t.inputSchema.properties ?? {}) as Record<string, PropertySchema>)
          .filter(([, p]) => takesText(p))
          .map(([field]) => `${t.name}.${field}`),
      );
      assert.deepEqual(NUL_CALLS.map(([tool, field]) => `${tool}.${field}`).sort(), listed.sort(), 'every string input has a case');

      const before = await h.snapshot(s.principal);
      const errors = h.loggedErrors.length;
      for (const [tool, field, args, says] of NUL_CALLS) {
        const message = await s.fails(tool, args);
        // The SDK's own prefix: a validation error, which the model fixes, not a storage error it is told to check and retry.
        assert.match(message, new RegExp(`^Input validation error: .*${field}(\\.\\d+)?: `), `${tool}.${field}: ${message}`);
        assert.match(message, says, `${tool}.${field}`);
      }
      assert.equal(h.loggedErrors.length, errors, 'nothing was logged at error level');
      assert.deepEqual(await h.snapshot(s.principal), before, 'nothing was stored');
    });

    test('a client whose self-reported name holds a NUL still gets its memory (the name is a label, not an input to refuse)', async () => {
      const principal = newPrincipal('nul-client');
      const odd = await h.connect(principal, 'claude\u0000code');
      const errors = h.loggedErrors.length;
      await odd.ok('wake_up', { project: 'p' });
      const stored = await odd.ok('sleep', { summary: 'done' });
      assert.equal(stored.stored, true);
      assert.equal((await odd.ok('wake_up')).handover.from_client, 'claude\uFFFDcode', 'stored with the replacement character');
      assert.equal(h.loggedErrors.length, errors);
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
