/** Small helpers shared by the store tests. */
import { randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import { openStore, type NewSession } from '../../src/store/index.js';

export function uid(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

/** Far in the future, so sweeps run by other tests never pick these sessions up. */
export const FUTURE = new Date('2099-01-01T00:00:00.000Z');

export function at(base: Date, offsetMs: number): Date {
  return new Date(base.getTime() + offsetMs);
}

export function newSession(overrides: Partial<NewSession> = {}): NewSession {
  return {
    id: uid('s'),
    principal: 'user-1',
    protocolVersion: '2025-11-25',
    initializeParams: {
      protocolVersion: '2025-11-25',
      capabilities: { sampling: {} },
      clientInfo: { name: 'test-client', version: '1.0.0' },
    },
    logLevel: null,
    subscriptions: [],
    createdAt: FUTURE,
    expiresAt: at(FUTURE, 3_600_000),
    deploymentId: 'deploy-1',
    ...overrides,
  };
}

/** Resolves once `check` returns true; rejects after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The compiled store module, for child processes (`node -e`). */
export const STORE_MODULE = new URL('../../src/store/index.js', import.meta.url).href;

/**
 * After a SIGKILL during a burst of numbered inserts into `crash`: every row a writer saw acknowledged (up to
 * `acked`) is in the reopened store, with no gap.
 */
export async function expectAcknowledgedRows(url: string, acked: number): Promise<void> {
  const store = await openStore({ url });
  try {
    const res = await store.db.query<{ n: bigint; max: number }>('SELECT count(*) AS n, max(n) AS max FROM crash');
    const row = res.rows[0]!;
    assert.ok(row.max >= acked, `max ${row.max} >= acked ${acked}`);
    assert.equal(row.n, BigInt(row.max), 'no gaps');
  } finally {
    await store.close();
  }
}
