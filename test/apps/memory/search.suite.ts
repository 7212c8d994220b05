import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { newPrincipal, type Harness, type Session } from './support.js';

const topicsOf = (r: Record<string, unknown>): string[] => (r.results as Array<{ topic: string }>).map((x) => x.topic);

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

    test('a query of stop words alone gets a tool error that says what to do', async () => {
      assert.match(await s.fails('search_contexts', { query: 'the and of' }), /no searchable words.*more specific/);
      assert.deepEqual(topicsOf(await s.ok('search_contexts', { query: 'kubernetes' })), [], 'no match is not an error');
    });
  });
}
