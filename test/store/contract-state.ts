import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { StoreGetter } from './contract.js';
import { uid } from './helpers.js';

export function stateContract(store: StoreGetter): void {
  describe('state', () => {
    test('get/set/overwrite/delete for every JSON kind', async () => {
      const { state } = store();
      const scope = uid('principal');
      assert.equal(await state.get(scope, 'missing'), undefined);
      const values: unknown[] = [{ a: [1, { b: null }] }, [1, 'two'], 'text', '', 42.5, 0, true, false, null];
      for (const [i, value] of values.entries()) {
        await state.set(scope, `k${i}`, value);
        assert.deepEqual(await state.get(scope, `k${i}`), value, `round trip of ${JSON.stringify(value)}`);
      }
      await state.set(scope, 'k0', { replaced: true });
      assert.deepEqual(await state.get(scope, 'k0'), { replaced: true });
      assert.equal(await state.delete(scope, 'k0'), true);
      assert.equal(await state.delete(scope, 'k0'), false);
      assert.equal(await state.get(scope, 'k0'), undefined);
      await assert.rejects(state.set(scope, 'bad', undefined), TypeError);
    });

    test('setIfAbsent keeps the first value, also when several race', async () => {
      const { state } = store();
      const scope = uid('scope');
      const results = await Promise.all(['a', 'b', 'c', 'd'].map((v) => state.setIfAbsent(scope, 'secret', v)));
      assert.equal(new Set(results).size, 1, `every caller sees the same winner: ${results.join(',')}`);
      assert.equal(await state.get(scope, 'secret'), results[0]);
      assert.equal(await state.setIfAbsent(scope, 'secret', 'later'), results[0]);
    });

    test('scopes are isolated', async () => {
      const { state } = store();
      const a = uid('scope');
      const b = uid('scope');
      await state.set(a, 'k', 'a');
      await state.set(b, 'k', 'b');
      assert.equal(await state.get(a, 'k'), 'a');
      assert.deepEqual(await state.list(b), [{ key: 'k', value: 'b' }]);
    });

    test('list orders by key byte-wise, takes % and _ in a prefix literally, and honours limit', async () => {
      const { state } = store();
      const scope = uid('scope');
      for (const key of ['a%b', 'a%c', 'aXb', 'a_1', 'ab_', 'B', 'a', 'b']) await state.set(scope, key, key.length);
      const keys = async (options?: { prefix?: string; limit?: number }) =>
        (await state.list(scope, options)).map((e) => e.key);
      assert.deepEqual(await keys(), ['B', 'a', 'a%b', 'a%c', 'aXb', 'a_1', 'ab_', 'b']);
      assert.deepEqual(await keys({ prefix: 'a%' }), ['a%b', 'a%c']);
      assert.deepEqual(await keys({ prefix: 'a_' }), ['a_1']);
      assert.deepEqual(await keys({ prefix: 'a', limit: 2 }), ['a', 'a%b']);
      assert.deepEqual(await keys({ prefix: 'zzz' }), []);
      assert.deepEqual(await state.list(scope, { prefix: 'a%b' }), [{ key: 'a%b', value: 3 }]);
    });

    test('deleteScope removes one scope and returns how many', async () => {
      const { state } = store();
      const scope = uid('scope');
      const other = uid('scope');
      await state.set(scope, 'x', 1);
      await state.set(scope, 'y', 2);
      await state.set(other, 'x', 1);
      assert.equal(await state.deleteScope(scope), 2);
      assert.deepEqual(await state.list(scope), []);
      assert.equal(await state.get(other, 'x'), 1);
    });
  });
}
