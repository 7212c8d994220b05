/**
 * Who used the CPU during a measurement. The machine may be shared (other
 * builds and tests), and on 2 cores any foreign load moves every number, so
 * each cell records the cores used by the server, by the benchmark's own
 * process tree (load generator, embedded PostgreSQL), and by everything else.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { sleep } from '../harness/timeout.js';
import { log } from './log.js';

const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface ProcTicks {
  ppid: number;
  /** User and kernel time of the process itself. */
  ticks: number;
  /** Of those, kernel time (system calls, network stack). */
  sys: number;
  /** Time of its children that exited and were waited for (cutime + cstime). */
  exited: number;
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
      // fields[0] is field 3 (state): ppid is field 4, utime 14, stime 15, cutime 16, cstime 17.
      procs.set(Number(name), {
        ppid: Number(fields[1]),
        ticks: Number(fields[11]) + Number(fields[12]),
        sys: Number(fields[12]),
        exited: Number(fields[13]) + Number(fields[14]),
      });
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

const coresPer = (before: CpuSnapshot, after: CpuSnapshot) => (ticks: number) => ticks / TICKS_PER_SECOND / ((after.at - before.at) / 1000);

/** Average cores a process used over the window (`kernel`: only its kernel time). */
export function coresOf(before: CpuSnapshot, after: CpuSnapshot, pid: number, kernel = false): number {
  const field = kernel ? 'sys' : 'ticks';
  return coresPer(before, after)((after.procs.get(pid)?.[field] ?? 0) - (before.procs.get(pid)?.[field] ?? 0));
}

/**
 * Average cores a process and all its descendants used, those that exited during the window included
 * (a PostgreSQL postmaster and its backends): a child that exits moves its time into the parent's `exited`.
 */
export function coresOfTree(before: CpuSnapshot, after: CpuSnapshot, root: number): number {
  if (!after.procs.has(root)) return 0;
  const tree = (snap: CpuSnapshot) => {
    let ticks = snap.procs.get(root)?.exited ?? 0;
    for (const pid of descendantsOf(root, snap.procs)) ticks += snap.procs.get(pid)?.ticks ?? 0;
    return ticks;
  };
  return coresPer(before, after)(tree(after) - tree(before));
}

/** Average busy cores of the whole machine (every process) over the window. */
export function machineCores(before: CpuSnapshot, after: CpuSnapshot): number {
  return coresPer(before, after)(after.busy - before.busy);
}

/**
 * The machine may be shared (other builds and test runs): waits, up to a bound, until it is nearly idle
 * before a measurement. Returns the busy cores seen last. BENCH_NO_QUIET=1 measures at once.
 */
export async function waitQuiet(maxWaitMs = 90_000): Promise<number> {
  if (process.env.BENCH_NO_QUIET === '1') return 0;
  const until = Date.now() + maxWaitMs;
  let waited = false;
  for (;;) {
    const a = cpuSnapshot();
    await sleep(1000);
    const busy = machineCores(a, cpuSnapshot());
    if (busy < 0.25 || Date.now() > until) return busy;
    if (!waited) log(`  waiting for the machine to go quiet (${busy.toFixed(2)} cores busy)`);
    waited = true;
  }
}
