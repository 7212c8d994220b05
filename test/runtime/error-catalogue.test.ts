/**
 * One error catalogue per boundary, and the README's tables say the same:
 * every wire code with its HTTP status and JSON-RPC code, every in-process
 * runtime code, every store code. A code added, changed or removed in one
 * place and not the others fails here.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DurableMcpError, RuntimeErrors, StoreErrors, WireErrors } from '../../src/index.js';
import { EmbeddedPostgresError, StoreClosedError, StoreTimeoutError, StoreUrlInvalidError } from '../../src/store/index.js';

const README = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');

/** The rows of the markdown table that follows `heading`, as arrays of trimmed cells (backticks removed). */
function tableAfter(heading: string): string[][] {
  const start = README.indexOf(heading);
  assert.ok(start >= 0, `README has a "${heading}" section`);
  const lines = README.slice(start).split('\n').slice(1);
  const first = lines.findIndex((l) => l.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(line.split('|').slice(1, -1).map((cell) => cell.trim().replace(/`/g, '')));
  }
  return rows;
}

describe('error catalogues', () => {
  test("README's wire-error table matches WireErrors: codes, HTTP statuses, JSON-RPC codes", () => {
    const rows = tableAfter('### Errors on the wire');
    const documented = Object.fromEntries(rows.map(([code, status, rpc]) => [code, { status: status === 'on the stream' ? null : Number(status), rpc: Number(rpc) }]));
    const catalogue = Object.fromEntries(Object.entries(WireErrors).map(([code, e]) => [code, { status: e.status, rpc: e.rpc }]));
    assert.deepEqual(documented, catalogue);
  });

  test("README's in-process table matches RuntimeErrors, and DurableMcpError takes only those codes", () => {
    assert.deepEqual(tableAfter('### Errors in process').map(([code]) => code).sort(), Object.keys(RuntimeErrors).sort());
    const error = new DurableMcpError('AUTH_REQUIRED', 'x');
    assert.ok(error.code in RuntimeErrors);
  });

  test("README's store table matches StoreErrors, and the store's error classes carry catalogue codes", () => {
    assert.deepEqual(tableAfter('### Store errors').map(([code]) => code).sort(), Object.keys(StoreErrors).sort());
    for (const error of [new StoreClosedError(), new StoreTimeoutError('ping', 5), new StoreUrlInvalidError('bad'), new EmbeddedPostgresError('x')]) {
      assert.ok(error.code in StoreErrors, error.code);
    }
  });

  test('wire codes are unique and every entry has a message', () => {
    for (const [code, entry] of Object.entries(WireErrors)) {
      assert.ok(entry.message.length > 0, code);
      assert.match(code, /^[A-Z_]+$/);
    }
  });
});
