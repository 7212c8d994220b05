/** What every memory tool gets from the app context, fixed once per server build. */
import type { ToolAnnotations } from '@modelcontextprotocol/server';
import type { AppDatabase, AppLogger } from '../../../index.js';
import type { Caller } from '../sql.js';

export interface ToolEnv {
  db: AppDatabase;
  caller: Caller;
  logger: AppLogger;
}

/**
 * The hints hosts and the resilient client go by. The resilient client
 * re-sends a call whose answer was lost only when the tool is read-only or
 * idempotent, so these are promises, each kept by the repository code and
 * tested by sending every such tool twice (test/apps/memory/retries.suite.ts):
 * - every write is idempotent: selecting, archiving and restoring set a state
 *   that a repeat leaves the same, and lock_context and sleep return what an
 *   identical previous call stored instead of adding a copy;
 * - none is destructive: nothing is ever deleted or overwritten (versions are
 *   immutable, an archive is undone by restore_context, a selection by
 *   another), so a host need not treat any as a risk to the user's data;
 * - none reaches outside this server's store, hence openWorldHint false.
 */
export const READ_ONLY: ToolAnnotations = {
  readOnlyHint: true,
  // Implied by read-only, stated anyway for clients that only look at these two.
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};

export const IDEMPOTENT_WRITE: ToolAnnotations = {
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};
