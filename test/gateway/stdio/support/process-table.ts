/**
 * The process table as /proc shows it, to prove that no child, grandchild or
 * zombie of the gateway is left behind. Everything a stdio child starts runs
 * in the child's process group, so "nothing left" is "no process in any of
 * those groups", whoever its parent is now.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessEntry {
  pid: number;
  ppid: number;
  pgid: number;
  /** R, S, D, Z (zombie), T... */
  state: string;
  cmdline: string;
}

function entry(pid: number): ProcessEntry | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may itself hold spaces or parentheses: read after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    return { pid, state: fields[0] ?? '?', ppid: Number(fields[1]), pgid: Number(fields[2]), cmdline };
  } catch {
    return undefined; // it exited while we looked
  }
}

export function processTable(): ProcessEntry[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((name) => entry(Number(name)) ?? []);
}

/** Every process in one of these groups (a zombie included). */
export function inGroups(pgids: Iterable<number>): ProcessEntry[] {
  const wanted = new Set(pgids);
  return processTable().filter((p) => wanted.has(p.pgid));
}

/** The processes of a child's group other than its leader (the wrapper): the server and what it started. */
export function groupMembers(pgid: number): ProcessEntry[] {
  return inGroups([pgid]).filter((p) => p.pid !== pgid);
}

/** Waits until none of these groups has a process left; fails naming the leftovers. */
export async function expectGroupsGone(pgids: Iterable<number>, ms = 10_000): Promise<void> {
  const groups = [...pgids];
  const deadline = Date.now() + ms;
  for (;;) {
    const left = inGroups(groups);
    if (left.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`left behind after ${ms} ms: ${left.map((p) => `${p.pid} [${p.state}] pgid ${p.pgid} ppid ${p.ppid}: ${p.cmdline.slice(0, 120)}`).join('; ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
