/**
 * Section 3: reconnect storm. Many sessions exist, the server crashes
 * (SIGKILL) and comes back, and every client resumes at once: each session's
 * next request arrives right after the restart, `stormConcurrency` in flight.
 * Reported: time from the restarted server being ready until every session
 * was served, and the per-request latency distribution during the storm.
 *
 * The sessions are put in the store through the store API (rows identical to
 * what initialize writes; see fill.ts), then the server is started, killed
 * and restarted: what the storm meets is exactly the post-crash state, and
 * the section does not spend minutes on initializes. Dispatch stops at a time
 * budget so a slow store cannot stall the whole run; sessions left unserved
 * are reported.
 */
import type { Config } from '../config.js';
import { cpuSnapshot, cpuUsage, type CpuUsage } from '../cpu.js';
import { fillStore } from '../fill.js';
import { HttpClient, pool } from '../http.js';
import { log } from '../log.js';
import { callLegacyEcho, isEchoResult } from '../mcp.js';
import type { Memory } from '../process.js';
import { monotonicUs } from '../profile.js';
import { summarize, type Summary } from '../stats.js';
import { startDurable, type Resources, type StoreKind } from '../targets.js';

const DEPLOYMENT = 'dep-bench-1';

export interface StormResult {
  engine: StoreKind;
  sessions: number;
  concurrency: number;
  restartReadyMs: number;
  /** Ready to last session served, ms. */
  allServedMs: number;
  served: number;
  failed: number;
  /** Not attempted: the time budget ran out first. */
  skipped: number;
  latency: Summary;
  memoryAfter: Memory;
  cpu: CpuUsage;
  /** Server CPU time per session served (a rebuild plus one echo call), ms. */
  cpuMsPerSession: number;
  /** The storm's span on the monotonic clock (to cut a CPU profile to it). */
  window: { fromUs: number; toUs: number };
}

export interface StormOptions {
  sessions: number;
  concurrency: number;
  budgetSec: number;
  /** Node flags for the restarted server (e.g. --cpu-prof). */
  nodeArgs?: string[];
}

export function runStorm(config: Config, resources: Resources, engine: StoreKind): Promise<StormResult> {
  return storm(resources, engine, { sessions: config.stormSessions, concurrency: config.stormConcurrency, budgetSec: config.stormBudgetSec });
}

export async function storm(resources: Resources, engine: StoreKind, options: StormOptions): Promise<StormResult> {
  // fillStore initializes it.
  const store = await resources.newStore(engine, { initialize: false });
  const n = options.sessions;
  const concurrency = options.concurrency;
  const client = new HttpClient(concurrency);
  log(`storm (${engine}): ${n} sessions`);
  const ids = await fillStore(store.url, n, DEPLOYMENT);
  // A server that ran on this store and crashed: PGlite then also recovers its WAL on the restart.
  await (await startDurable({ store: store.url, deploymentId: DEPLOYMENT })).kill();
  const proc = await startDurable({ store: store.url, deploymentId: DEPLOYMENT, ...(options.nodeArgs && { nodeArgs: options.nodeArgs }) });
  try {
    const latencies: number[] = [];
    let failed = 0;
    let skipped = 0;
    const fromUs = monotonicUs();
    const before = cpuSnapshot();
    const start = performance.now();
    const deadline = start + options.budgetSec * 1000;
    await pool(n, concurrency, async (i) => {
      if (performance.now() > deadline) {
        skipped += 1;
        return;
      }
      const t = performance.now();
      const res = await callLegacyEcho(client, proc.url, ids[i]!).catch(() => undefined);
      latencies.push(performance.now() - t);
      if (!res || res.status !== 200 || !isEchoResult(res.body)) failed += 1;
    });
    const allServedMs = performance.now() - start;
    const cpu = cpuUsage(before, cpuSnapshot(), proc.pid);
    const served = latencies.length - failed;
    const result: StormResult = {
      engine,
      sessions: n,
      concurrency,
      restartReadyMs: proc.readyMs,
      allServedMs,
      served,
      failed,
      skipped,
      latency: summarize(latencies),
      memoryAfter: proc.memory(),
      cpu,
      cpuMsPerSession: (cpu.server * allServedMs) / Math.max(1, served),
      window: { fromUs, toUs: monotonicUs() },
    };
    log(
      `  ${result.served} of ${n} served in ${allServedMs.toFixed(0)} ms, p99 ${result.latency.p99.toFixed(1)} ms, failed ${failed}` +
        `, ${result.cpuMsPerSession.toFixed(2)} ms server CPU per session` +
        (skipped ? `, ${skipped} not attempted (budget ${options.budgetSec} s)` : ''),
    );
    return result;
  } finally {
    client.close();
    await proc.stop();
    await store.cleanup();
  }
}
