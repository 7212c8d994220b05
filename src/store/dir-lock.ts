/**
 * One process per embedded store directory. PGlite is PostgreSQL in this
 * process's memory, so two processes on one directory would corrupt it; the
 * embedded PostgreSQL child belongs to the process that started it (it stops
 * when that process dies). A pid file created atomically marks the owner; a
 * file left by a dead process is taken over (a crashed process never releases it).
 */
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StoreLockedError } from './errors.js';

export const LOCK_FILE = 'durable-mcp.pid';

/** Directories this process holds: a pid file with our own pid is only stale when we do not hold it. */
const heldHere = new Set<string>();

export interface DirLock {
  release(): void;
}

export function acquireDirLock(dir: string, engine: 'PGlite' | 'embedded PostgreSQL'): DirLock {
  const path = join(dir, LOCK_FILE);
  if (heldHere.has(dir)) throw new StoreLockedError(dir, process.pid, engine);
  // Write the content first and link it into place: link fails if the name exists, so the
  // lock file is never observed half-written by a competing process.
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${process.pid}\n`);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(tmp, path);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 2) throw error;
        const owner = readOwner(path);
        if (owner !== undefined && owner !== process.pid && isAlive(owner)) throw new StoreLockedError(dir, owner, engine);
        // Dead owner, our own pid left by an earlier incarnation (pid 1 in a restarted container), or
        // an unreadable file: stale. Two processes taking over the same stale file at once is the one
        // race left; it needs a crash followed by two simultaneous starts on one directory.
        unlinkQuietly(path);
      }
    }
  } finally {
    unlinkQuietly(tmp);
  }
  heldHere.add(dir);
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      heldHere.delete(dir);
      // Only remove the file if it is still ours (someone may have forcibly taken it over).
      if (readOwner(path) === process.pid) unlinkQuietly(path);
    },
  };
}

function readOwner(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user; it is alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone: nothing to release.
  }
}
