/** Small helpers for reading tool results in assertions. */
import type { CallToolResult } from '@modelcontextprotocol/client';

export function textOf(result: CallToolResult): string {
  const first = result.content[0];
  if (first?.type !== 'text') throw new Error(`expected text content, got ${JSON.stringify(result.content)}`);
  return first.text;
}

export const echo = (text: string) => ({ name: 'echo', arguments: { text } });

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Observes a promise at once, so a rejection that lands while the test is
 * still busy (killing a server) is never reported as unhandled.
 */
export function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/** The value of a settled promise, or the error it failed with, rethrown. */
export function valueOf<T>(settled: Settled<T>): T {
  if (!settled.ok) throw settled.error;
  return settled.value;
}
