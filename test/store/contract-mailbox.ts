import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { StoreGetter } from './contract.js';
import { newSession } from './helpers.js';

export function mailboxContract(store: StoreGetter): void {
  describe('mailbox and session status', () => {
    test('a parked payload is read back by id, by any number of readers, until pruned', async () => {
      const { mailbox } = store();
      const big = { text: 'x'.repeat(20_000), nested: [1, { a: null }] };
      const id = await mailbox.put(big);
      assert.equal(typeof id, 'bigint');
      assert.deepEqual(await mailbox.get(id), big);
      assert.deepEqual(await mailbox.get(id), big, 'reading does not consume');
      assert.equal(await mailbox.get(id + 1_000_000n), undefined);
      assert.ok((await mailbox.pruneOlderThan(new Date(Date.now() + 60_000))) >= 1);
      assert.equal(await mailbox.get(id), undefined);
    });

    test('status returns exactly what decides whether a session may be served', async () => {
      const { sessions } = store();
      const s = newSession();
      assert.equal((await sessions.statuses([s.id])).get(s.id), undefined);
      await sessions.create(s);
      const before = (await sessions.statuses([s.id])).get(s.id);
      assert.equal(before?.principal, s.principal);
      assert.equal(before?.terminatedAt, null);
      assert.equal(before?.expiresAt.getTime(), s.expiresAt.getTime());
      await sessions.terminate(s.id, new Date());
      assert.ok(((await sessions.statuses([s.id])).get(s.id))?.terminatedAt instanceof Date);
      // Many ids in one statement: each found one answered, unknown ones absent.
      const other = newSession();
      await sessions.create(other);
      const both = await sessions.statuses([s.id, other.id, `${other.id}-unknown`]);
      assert.deepEqual([...both.keys()].sort(), [s.id, other.id].sort());
      assert.equal(both.get(other.id)?.terminatedAt, null);
      assert.equal(both.get(s.id)?.terminatedAt instanceof Date, true);
      assert.equal((await sessions.statuses([])).size, 0);
    });
  });
}
