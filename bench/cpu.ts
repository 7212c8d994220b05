/**
 * Who used the CPU during a measurement. The machine may be shared (other
 * builds and tests), and on 2 cores any foreign load moves every number, so
 * each cell records the cores used by the server, by the benchmark's own
 * process tree (load generator, embedded PostgreSQL), and by everything else.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface ProcTicks {
  ppid: number;
  ticks: number;
}

export interface CpuSnapshot {
  at: number;
  /** All CPUs, non-idle ticks. */
  busy: number;
  procs: Map<number, ProcTicks>;
}

export interface CpuUsage {
  /** Average cores busy in the server process. */
  server: number;
  /** Average cores busy in this benchmark and all its descendants (server included). */
  ours: number;
  /** Average cores busy in every other process on the machine. */
  others: number;
}

function readProcs(): Map<number, ProcTicks> {
  const procs = new Map<number, ProcTicks>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Fields after the command name (which may contain spaces) start at the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      procs.set(Number(name), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // Exited while we looked.
    }
  }
  return procs;
}

export function cpuSnapshot(): CpuSnapshot {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { at: performance.now(), busy: total - idle, procs: readProcs() };
}

function descendantsOf(root: number, procs: Map<number, ProcTicks>): Set<number> {
  const children = new Map<number, number[]>();
  for (const [pid, p] of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), pid]);
  const out = new Set<number>([root]);
  const stack = [root];
  while (stack.length) for (const child of children.get(stack.pop()!) ?? []) if (!out.has(child)) out.add(child), stack.push(child);
  return out;
}

export function cpuUsage(before: CpuSnapshot, after: CpuSnapshot, serverPid: number): CpuUsage {
  const seconds = (after.at - before.at) / 1000;
  const cores = (ticks: number) => ticks / TICKS_PER_SECOND / seconds;
  // A process started during the window counts from zero; one that exited during it is lost (counted as others).
  const delta = (pid: number) => (after.procs.get(pid)?.ticks ?? 0) - (before.procs.get(pid)?.ticks ?? 0);
  const mine = descendantsOf(process.pid, after.procs);
  let ours = 0;
  for (const pid of mine) ours += delta(pid);
  const server = delta(serverPid);
  const busy = after.busy - before.busy;
  return { server: cores(server), ours: cores(ours), others: Math.max(0, cores(busy - ours)) };
}
