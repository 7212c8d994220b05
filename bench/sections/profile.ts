/**
 * Profiling, when a throughput target is missed: each server runs under
 * `node --cpu-prof` for one cell (N=16 by default); only the samples of the
 * measured window are summarized (boot and session setup excluded). The
 * plain-SDK reference (b) is profiled the same way, and (d)/(e) are also run
 * with JSON responses (no SSE, so no events) to put a number on what SSE
 * framing and event writes cost. A small reconnect storm is profiled
 * too, for what a session rebuild costs.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { cpuSnapshot, cpuUsage, type CpuUsage } from '../cpu.js';
import { HttpClient } from '../http.js';
import { runLoad, type LoadResult } from '../load.js';
import { log } from '../log.js';
import { openSession } from '../mcp.js';
import { monotonicUs, summarizeProfile, type ProfileSummary } from '../profile.js';
import { requestShape, type Resources, type StoreKind, type Target } from '../targets.js';
import { storm, type StormResult } from './storm.js';

export interface ProfiledCell {
  target: Target['id'];
  label: string;
  connections: number;
  load: LoadResult;
  cpu: CpuUsage;
  /** Server CPU time per served request, ms: comparable across targets even on a busy machine. */
  cpuMsPerRequest: number;
  summary: ProfileSummary | undefined;
}

export async function runProfiles(config: Config, resources: Resources, targets: readonly Target[], connections: number): Promise<ProfiledCell[]> {
  const cells: ProfiledCell[] = [];
  const durationSec = Math.min(config.durationSec, 5);
  for (const target of targets) {
    log(`profile: ${target.label}, N=${connections}`);
    const dir = resources.tempDir(`prof-${target.id}`);
    const running = await target.start(resources, ['--cpu-prof', '--cpu-prof-dir', dir]);
    const client = new HttpClient(8);
    let measured: { load: LoadResult; cpu: CpuUsage; window: { fromUs: number; toUs: number } };
    try {
      const sessions: string[] = [];
      if (target.shape === 'legacy') while (sessions.length < connections) sessions.push(await openSession(client, running.proc.url));
      const common = {
        url: running.proc.url,
        ...requestShape(target),
        connections,
        ...(sessions.length > 0 && { perConnection: sessions.map((id) => ({ 'mcp-session-id': id })) }),
      };
      await runLoad({ ...common, durationSec: config.warmupSec });
      const fromUs = monotonicUs();
      const before = cpuSnapshot();
      const load = await runLoad({ ...common, durationSec });
      const cpu = cpuUsage(before, cpuSnapshot(), running.proc.pid);
      measured = { load, cpu, window: { fromUs, toUs: monotonicUs() } };
    } finally {
      client.close();
      // Graceful: the profile is written when the process exits normally.
      await running.stop();
    }
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) log(`  no .cpuprofile written for ${target.id} (did the process exit cleanly?)`);
    const summary = file ? summarizeProfile(join(dir, file), measured.window) : undefined;
    const { load, cpu } = measured;
    const cpuMsPerRequest = (cpu.server * load.durationSec * 1000) / load.ok;
    cells.push({ target: target.id, label: target.label, connections, load, cpu, cpuMsPerRequest, summary });
    log(
      `  ${load.rps.toFixed(0)} req/s, ${cpuMsPerRequest.toFixed(2)} ms server CPU per request; top: ` +
        (summary?.functions.slice(0, 3).map((f) => `${f.name} ${f.pct.toFixed(1)}%`).join('; ') ?? '-'),
    );
  }
  return cells;
}

export interface ProfiledStorm {
  engine: StoreKind;
  storm: StormResult;
  summary: ProfileSummary | undefined;
}

/**
 * Where a rebuild's time goes: a small reconnect storm (every request is a
 * session's first after a restart) with the restarted server under the profiler.
 */
export async function runRehydrationProfiles(resources: Resources, engines: readonly StoreKind[], sessions: number): Promise<ProfiledStorm[]> {
  const out: ProfiledStorm[] = [];
  for (const engine of engines) {
    log(`profile: rehydration storm on ${engine}, ${sessions} sessions`);
    const dir = resources.tempDir(`prof-storm-${engine}`);
    const result = await storm(resources, engine, { sessions, concurrency: 64, budgetSec: 60, nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir] });
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    const summary = file ? summarizeProfile(join(dir, file), result.window) : undefined;
    out.push({ engine, storm: result, summary });
  }
  return out;
}
