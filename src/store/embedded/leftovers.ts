/**
 * What a crash can leave in an embedded cluster's directories, and clearing it
 * before a start. Called only while holding the store's directory lock, so no
 * live durable-mcp process owns this cluster: any postmaster still running on
 * the data directory is an orphan of a dead owner.
 *
 *  - postmaster.pid naming a live PostgreSQL on this data directory: the
 *    previous owner died and its postmaster is still shutting down (its
 *    watchdog saw the owner go) or was orphaned. Fast shutdown (SIGINT, which
 *    keeps every committed transaction), then immediate shutdown (SIGQUIT;
 *    crash recovery on the next start keeps them too).
 *  - postmaster.pid naming a live process that is not that (the pid was reused
 *    after a reboot or container restart): PostgreSQL would refuse to start, so
 *    the file is removed.
 *  - postmaster.pid naming a dead process: left to PostgreSQL, which removes it
 *    itself after checking that no old backend still uses its shared memory.
 *  - socket lock files in the socket directory: ours alone, removed.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive } from '../dir-lock.js';
import { EmbeddedPostgresError } from '../errors.js';
import type { StoreLogger } from '../store.js';
import { sleep } from '../timeout.js';

export const POSTMASTER_PID = 'postmaster.pid';

export interface PostmasterFile {
  pid: number;
  /** Line 8 of postmaster.pid: 'starting', 'ready', 'stopping' ... once the postmaster got that far. */
  status: string | undefined;
}

export function readPostmasterFile(dataDir: string): PostmasterFile | undefined {
  let text: string;
  try {
    text = readFileSync(join(dataDir, POSTMASTER_PID), 'utf8');
  } catch {
    // No file: no postmaster ran here, or it stopped cleanly. (An unreadable one fails the start in PostgreSQL itself.)
    return undefined;
  }
  const lines = text.split('\n');
  const pid = Number.parseInt(lines[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return { pid, status: lines[7]?.trim() || undefined };
}

export async function clearLeftovers(dataDir: string, socketDir: string, logger: StoreLogger | undefined): Promise<void> {
  const file = readPostmasterFile(dataDir);
  if (file && isAlive(file.pid)) {
    if (runsOn(file.pid, dataDir)) {
      logger?.warn({ pid: file.pid, dataDir }, 'embedded PostgreSQL left running by a previous owner that died; stopping it');
      await stopOrphan(file.pid);
    } else {
      logger?.warn({ pid: file.pid, dataDir }, 'stale postmaster.pid names an unrelated live process (pid reused); removing it');
      rmSync(join(dataDir, POSTMASTER_PID), { force: true });
    }
  }
  for (const name of safeList(socketDir)) {
    if (name.startsWith('.s.PGSQL.')) rmSync(join(socketDir, name), { force: true });
  }
}

async function stopOrphan(pid: number): Promise<void> {
  for (const [signal, waitMs] of [['SIGINT', 30_000], ['SIGQUIT', 10_000]] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      // Gone between the check and the signal: nothing left to stop.
      return;
    }
    const deadline = performance.now() + waitMs;
    while (isAlive(pid)) {
      if (performance.now() > deadline) break;
      await sleep(20);
    }
    if (!isAlive(pid)) return;
  }
  throw new EmbeddedPostgresError(`an orphaned PostgreSQL (pid ${pid}) on this store would not stop; stop it and start again`);
}

/** Whether `pid` is a postgres whose command line names `dataDir` (we start it with `-D <dataDir>`). */
function runsOn(pid: number, dataDir: string): boolean {
  let args: string[];
  try {
    args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    // No /proc (macOS): ask ps, whose output joins the arguments with spaces.
    try {
      const command = execFileSync('ps', ['-ww', '-o', 'command=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      return command.includes('postgres') && command.includes(` -D ${dataDir}`);
    } catch {
      return false;
    }
  }
  const d = args.indexOf('-D');
  return (args[0] ?? '').includes('postgres') && d >= 0 && args[d + 1] === dataDir;
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    // No directory yet: no socket left in it to remove.
    return [];
  }
}
