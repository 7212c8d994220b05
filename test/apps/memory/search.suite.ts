import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { newPrincipal, type Harness, type Session } from './support.js';

const topicsOf = (r: Record<string, unknown>): string[] => (r.results as Array<{ topic: string }>).map((x) => x.topic);
const ranked = (r: Record<string, unknown>): Array<[string, number]> =>
  (r.results as Array<{ topic: string; rank: number }>).map((x) => [x.topic, x.rank]);

/**
 * Queries with an excluded word, each beside its positive part: an exclusion only removes matches, so what is left
 * must rank exactly as the positive part ranks it (same order, same ranks). `removes` names what it excludes here.
 */
const EXCLUSIONS: Array<[query: string, positive: string, removes: string[]]> = [
  ['canary -kubernetes', 'canary', []],
  ['-kubernetes canary', 'canary', []],
  ['canary -leak', 'canary', ['Incident review']],
  ['"canary dashboard" -kubernetes', '"canary dashboard"', []],
  ['rollout OR dashboard -kubernetes', 'rollout OR dashboard', []],
  // AND binds tighter than OR (websearch_to_tsquery): this is canary OR (rollout -leak), so the review stays, by canary.
  ['canary OR rollout -leak', 'canary OR rollout', []],
  ['dashboard OR rollout -leak', 'dashboard OR rollout', ['Incident review']],
];

export function searchSuite(harness: () => Harness): void {
  describe('search_contexts', () => {
    let h: Harness;
    let s: Session;
    before(async () => {
      h = harness();
      s = await h.connect(newPrincipal('search'));
      await s.ok('wake_up', { project: 'p' });
      await s.ok('lock_context', { topic: 'Deploy process', content: 'Blue-green deploys; drain sessions before switching.', tags: ['ops'] });
      await s.ok('lock_context', { topic: 'Database choice', content: 'PostgreSQL for production. Deploys run migrations first.', tags: ['backend', 'ops'], priority: 'important' });
      await s.ok('lock_context', { topic: 'Old idea', content: 'Deploy with FTP.' });
      await s.ok('lock_context', { topic: 'Old idea', content: 'Replaced: nothing to see.' });
      await s.ok('lock_context', { topic: 'Gone', content: 'Deploying on Fridays is fine.' });
      await s.ok('unlock_context', { topic: 'Gone' });
    });

    test('ranks matches (topic words weigh most) and highlights snippets', async () => {
      const r = await s.ok('search_contexts', { query: 'deploy' });
      assert.deepEqual(topicsOf(r), ['Deploy process', 'Database choice']);
      assert.ok(r.results[0].rank >= r.results[1].rank);
      assert.match(r.results[0].snippet, /\*\*deploys\*\*/i);
    });

    test('searches current versions only: superseded and archived versions never match', async () => {
      assert.deepEqual(topicsOf(await s.ok('search_contexts', { query: 'FTP' })), []);
      assert.deepEqual(topicsOf(await s.ok('search_contexts', { query: 'Fridays' })), []);
      assert.deepEqual(topicsOf(await s.ok('search_contexts', { query: 'replaced' })), ['Old idea']);
    });

    test('filters by tags and priority, supports phrases and exclusion, honours limit', async () => {
      assert.deepEqual(topicsOf(await s.ok('search_contexts', { query: 'deploy', tags: ['backend'] })), ['Database choice']);
      assert.deepEqual(topicsOf(await s.ok('search_contexts', { query: 'deploy', priority: 'important' })), ['Database choice']);
      assert.deepEqual(topicsOf(await s.ok('search_contexts', { query: '"drain sessions"' })), ['Deploy process']);
      assert.deepEqual(topicsOf(await s.ok('search_contexts', { query: 'deploy -postgresql' })), ['Deploy process']);
      assert.equal((await s.ok('search_contexts', { query: 'deploy', limit: 1 })).results.length, 1);
    });

    test('best match first for every query syntax: words, "phrases", OR, and -excluded words (issue 11 item 12)', async () => {
      const r = await h.connect(newPrincipal('ranking'));
      await r.ok('wake_up', { project: 'release' });
      // Oldest first: recency alone would put the best match last.
      await r.ok('lock_context', {
        topic: 'Canary policy',
        content: 'Every release goes to a canary first. The canary runs for an hour; roll back on any error-rate alert. The canary dashboard shows the error rate.',
      });
      await r.ok('lock_context', { topic: 'Release checklist', content: 'Tag the build, update the changelog, open the canary dashboard.' });
      await r.ok('lock_context', { topic: 'Incident review', content: 'A canary caught a memory leak before the rollout.' });
      await r.ok('lock_context', { topic: 'Coding style', content: 'Tabs, not spaces.' });

      const canary = ranked(await r.ok('search_contexts', { query: 'canary' }));
      assert.equal(canary[0]?.[0], 'Canary policy');
      assert.ok(canary[0]![1] > canary[1]![1], `the policy ranks clearly first: ${JSON.stringify(canary)}`);

      for (const [query, positive, removes] of EXCLUSIONS) {
        const expected = ranked(await r.ok('search_contexts', { query: positive })).filter(([topic]) => !removes.includes(topic));
        assert.ok(expected.length > 0 && expected[0]![1] > 0, `${positive} matches and ranks`);
        assert.deepEqual(ranked(await r.ok('search_contexts', { query })), expected, `${query} ranks as ${positive} does`);
      }

      // OR with an exclusion matches everything without the word; the ones with the positive word come first.
      const either = ranked(await r.ok('search_contexts', { query: 'canary OR -kubernetes' }));
      assert.equal(either[0]?.[0], 'Canary policy');
      assert.deepEqual(either.at(-1), ['Coding style', 0], 'a match by the exclusion alone ranks last');
      for (let i = 1; i < either.length; i++) assert.ok(either[i - 1]![1] >= either[i]![1], `ranks descend: ${JSON.stringify(either)}`);
    });

    test('a query of stop words alone gets a tool error that says what to do', async () => {
      assert.match(await s.fails('search_contexts', { query: 'the and of' }), /no searchable words.*more specific/);
      assert.deepEqual(topicsOf(await s.ok('search_contexts', { query: 'kubernetes' })), [], 'no match is not an error');
    });
  });
}
