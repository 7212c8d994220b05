/** What every memory tool gets from the app context, fixed once per server build. */
import type { ToolAnnotations } from '@modelcontextprotocol/server';
import type { AppDatabase, AppLogger } from '../../../runtime/app.js';
import type { Caller } from '../sql.js';

export interface ToolEnv {
  db: AppDatabase;
  caller: Caller;
  logger: AppLogger;
}

/**
 * The hints the resilient client retries by. None of the tools reaches
 * outside this server's store, hence openWorldHint false everywhere.
 */
export const READ_ONLY: ToolAnnotations = {
  readOnlyHint: true,
  // Implied by read-only, stated anyway for clients that only look at these two.
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};

/** Writes whose repetition changes nothing more (select, archive, restore, wake_up's selection). */
export const IDEMPOTENT_WRITE: ToolAnnotations = {
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};

/** Writes that add something each time (a version, a handover): a blind retry would add it twice. */
export const APPENDING_WRITE: ToolAnnotations = {
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: false,
  openWorldHint: false,
};
