/**
 * Tool outcomes. A MemoryError is the caller's mistake (or a missing thing)
 * and its message is written for the assistant: what went wrong and what to
 * call instead. Anything else is ours: logged, and answered without internals.
 */
import type { CallToolResult } from '@modelcontextprotocol/server';
import type { AppLogger } from '../../index.js';

export class MemoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MemoryError';
  }
}

/**
 * Compact JSON as text only: some hosts hand both `content` and
 * `structuredContent` to the model, which would double every memory in its
 * context window, and without an outputSchema nothing relies on the latter.
 */
export function ok(payload: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(payload) }] };
}

export function fail(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

/** Runs a tool body, turning every failure into an isError result: a bad call is never a protocol error. */
export async function guard(
  logger: AppLogger,
  tool: string,
  body: () => Promise<Record<string, unknown>>,
): Promise<CallToolResult> {
  try {
    return ok(await body());
  } catch (error) {
    if (error instanceof MemoryError) return fail(error.message);
    logger.error({ tool, err: error instanceof Error ? { message: error.message, code: codeOf(error) } : String(error) }, 'memory tool failed');
    return fail(`${tool} failed because of a storage error. Before retrying a write, check whether it was applied (recall_context or list_contexts).`);
  }
}

function codeOf(error: Error): unknown {
  return (error as Error & { code?: unknown }).code;
}
