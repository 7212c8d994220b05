/**
 * Section 1: the same echo call from N concurrent clients against every
 * target, each client on its own session where the target has sessions.
 *
 * All targets are started first and the cells are then interleaved (for each
 * N, every target in turn), so a burst of foreign load on a shared machine
 * lands on several targets rather than on one, and the ratios stay fairer.
 */
import type { Config } from '../config.js';
import { cpuSnapshot, cpuUsage, type CpuUsage } from '../cpu.js';
import { HttpClient } from '../http.js';
import { runLoad, type LoadResult } from '../load.js';
import { log } from '../log.js';
import { callLegacyEcho, callModernEcho, expectEcho, openSession } from '../mcp.js';
import { statementCounter, type StatementCount } from '../postgres.js';
import type { Memory } from '../process.js';
import { DIAGNOSTIC_TARGETS, requestShape, TARGETS, type Resources, type RunningTarget, type Target } from '../targets.js';

export interface ThroughputCell {
  target: Target['id'];
  /** A diagnostic variant (not one of the compared targets): shown apart, never in the ratios' checks. */
  diagnostic: boolean;
  label: string;
  connections: number;
  load: LoadResult;
  /** Server RSS right after this cell (sessions of earlier cells included). */
  memory: Memory;
  /** Cores busy during the measured run: the server, and processes unrelated to the benchmark. */
  cpu: CpuUsage;
  /** Server CPU time per request served, ms. */
  cpuMsPerRequest: number;
  /** Error-level lines the server logged so far. */
  serverErrors: number;
  /** PostgreSQL targets: the statements the server ran during the measured run (pg_stat_statements). */
  statements?: StatementCount[];
}

interface Live {
  target: Target;
  running: RunningTarget;
  sessions: string[];
  /** Measured only at this N (diagnostic variants), else at every N. */
  onlyAt?: number;
}

export async function runThroughput(config: Config, resources: Resources, notes: string[]): Promise<ThroughputCell[]> {
  const cells: ThroughputCell[] = [];
  const live: Live[] = [];
  const client = new HttpClient(8);
  try {
    // (d)/(e) with JSON responses, at the middle N only: what SSE framing and event writes cost, without a profiler's distortion.
    const middle = config.connections[Math.floor(config.connections.length / 2)]!;
    const diagnostics = config.diagnostics ? DIAGNOSTIC_TARGETS.filter((d) => d.base !== undefined && config.targets.includes(d.base)) : [];
    for (const target of [...TARGETS.filter((t) => config.targets.includes(t.id)), ...diagnostics]) {
      log(`throughput: starting ${target.label}`);
      const running = await target.start(resources);
      live.push({ target, running, sessions: [], ...(target.base && { onlyAt: middle }) });
      const { url } = running.proc;
      if (target.shape === 'legacy') expectEcho(await callLegacyEcho(client, url, await openSession(client, url)), `${target.id} sanity call`);
      if (target.shape === 'modern') expectEcho(await callModernEcho(client, url), `${target.id} sanity call`);
    }
    for (const connections of config.connections) {
      for (const { target, running, sessions, onlyAt } of live) {
        if (onlyAt !== undefined && onlyAt !== connections) continue;
        const { url } = running.proc;
        const gone = running.proc.exitStatus();
        if (gone) {
          // Record it and go on: one lost target must not cost the rest of the run.
          const note = `${target.label} exited unexpectedly (${gone}) before the N=${connections} cell; stderr: ${running.proc.stderr().slice(-300) || '(empty)'}`;
          if (!notes.some((n) => n.startsWith(`${target.label} exited`))) notes.push(note);
          log(`  ${note}`);
          continue;
        }
        if (target.shape === 'legacy') while (sessions.length < connections) sessions.push(await openSession(client, url));
        const perConnection = target.shape === 'legacy' ? sessions.slice(0, connections).map((id) => ({ 'mcp-session-id': id })) : undefined;
        const common = { url, ...requestShape(target), connections, ...(perConnection && { perConnection }) };
        await runLoad({ ...common, durationSec: config.warmupSec });
        const counter = running.storeUrl?.startsWith('postgres') ? await statementCounter(running.storeUrl) : undefined;
        await counter?.reset();
        const before = cpuSnapshot();
        const load = await runLoad({ ...common, durationSec: config.durationSec });
        const cpu = cpuUsage(before, cpuSnapshot(), running.proc.pid);
        const statements = await counter?.read();
        const memory = running.proc.memory();
        const cpuMsPerRequest = (cpu.server * load.durationSec * 1000) / load.ok;
        cells.push({ target: target.id, diagnostic: target.base !== undefined, label: target.label, connections, load, memory, cpu, cpuMsPerRequest, serverErrors: running.proc.errors().length, ...(statements && { statements }) });
        const bad = load.non2xx + load.errors + load.mismatches + load.timeouts;
        log(
          `  ${target.id} N=${connections}: ${load.rps.toFixed(0)} req/s, p50 ${load.p50Ms.toFixed(2)} ms, p99 ${load.p99Ms.toFixed(2)} ms, ` +
            `RSS ${memory.rssMiB.toFixed(0)} MiB, ${cpuMsPerRequest.toFixed(2)} ms CPU/req, others ${cpu.others.toFixed(2)} cores` +
            (bad > 0 ? `, ${bad} bad responses` : ''),
        );
      }
    }
  } finally {
    client.close();
    for (const { running } of live) await running.stop();
  }
  const order: Array<Target['id']> = [...TARGETS, ...DIAGNOSTIC_TARGETS].map((t) => t.id);
  return cells.sort((a, b) => order.indexOf(a.target) - order.indexOf(b.target) || a.connections - b.connections);
}
