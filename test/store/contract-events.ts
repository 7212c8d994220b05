import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { StoredEvent } from '../../src/store/index.js';
import type { StoreGetter } from './contract.js';
import { uid } from './helpers.js';

function ev(sessionId: string, streamId: string, seq: bigint, message: unknown = { seq: Number(seq) }): StoredEvent {
  return { sessionId, streamId, seq, message };
}

export function eventsContract(store: StoreGetter): void {
  describe('events', () => {
    test('append a batch; after() returns seq > cursor in order, bounded by limit, as bigint + parsed JSON', async () => {
      const s = uid('ev');
      const message = { jsonrpc: '2.0', method: 'x', params: { text: 'quote " backslash \\ brace {} comma , ü 😀' } };
      await store().events.append([ev(s, 'a', 3n), ev(s, 'a', 1n, message), ev(s, 'a', 2n), ev(s, 'a', 4n)]);
      const all = await store().events.after(s, 'a', 0n, 100);
      assert.deepEqual(
        all.map((e) => e.seq),
        [1n, 2n, 3n, 4n],
      );
      assert.deepEqual(all[0], { sessionId: s, streamId: 'a', seq: 1n, message });
      assert.deepEqual(
        (await store().events.after(s, 'a', 1n, 2)).map((e) => e.seq),
        [2n, 3n],
      );
      assert.deepEqual(await store().events.after(s, 'a', 4n, 10), []);
      await store().events.append([]);
    });

    test('duplicates (same session, stream, seq) are ignored: the first write wins', async () => {
      const s = uid('ev');
      await store().events.append([ev(s, 'a', 1n, 'first')]);
      await store().events.append([ev(s, 'a', 1n, 'second'), ev(s, 'a', 2n, 'new'), ev(s, 'a', 2n, 'dup in batch')]);
      const got = await store().events.after(s, 'a', 0n, 10);
      assert.deepEqual(
        got.map((e) => [e.seq, e.message]),
        [
          [1n, 'first'],
          [2n, 'new'],
        ],
      );
    });

    test('streams and sessions are isolated; seq keeps 64-bit precision', async () => {
      const s1 = uid('ev');
      const s2 = uid('ev');
      const big = 2n ** 62n + 1n;
      await store().events.append([ev(s1, 'a', 1n), ev(s1, '_GET_stream', 1n), ev(s2, 'a', 1n), ev(s1, 'a', big)]);
      assert.deepEqual(
        (await store().events.after(s1, 'a', 0n, 10)).map((e) => e.seq),
        [1n, big],
      );
      assert.equal((await store().events.after(s1, '_GET_stream', 0n, 10)).length, 1);
      assert.equal((await store().events.after(s2, 'a', 0n, 10)).length, 1);
      assert.equal((await store().events.after(s2, '_GET_stream', 0n, 10)).length, 0);
    });

    test('deleteStream drops one stream only', async () => {
      const s = uid('ev');
      await store().events.append([ev(s, 'a', 1n), ev(s, 'a', 2n), ev(s, 'b', 1n)]);
      await store().events.deleteStream(s, 'a');
      assert.deepEqual(await store().events.after(s, 'a', 0n, 10), []);
      assert.equal((await store().events.after(s, 'b', 0n, 10)).length, 1);
    });

    test('pruneOlderThan deletes old events in bounded batches and returns the count', async () => {
      const s = uid('ev');
      await store().events.append([1n, 2n, 3n, 4n, 5n].map((seq) => ev(s, 'a', seq)));
      await store().events.append([ev(s, 'fresh', 1n)]);
      // created_at defaults to now(); age this test's own rows so other tests' events stay out of range.
      await store().db.query(
        `UPDATE durable_mcp_events SET created_at = '2000-01-01T00:00:00Z' WHERE session_id = $1 AND stream_id = 'a'`,
        [s],
      );
      const cutoff = new Date('2000-06-01T00:00:00Z');
      assert.equal(await store().events.pruneOlderThan(cutoff, 3), 3);
      assert.equal(await store().events.pruneOlderThan(cutoff, 3), 2);
      assert.equal(await store().events.pruneOlderThan(cutoff, 3), 0);
      assert.deepEqual(await store().events.after(s, 'a', 0n, 10), []);
      assert.equal((await store().events.after(s, 'fresh', 0n, 10)).length, 1);
    });
  });
}
