/**
 * Section 2: what a restart costs the first request of a session. K sessions
 * are created and used once, the server is SIGKILLed (a crash: nothing is
 * flushed or handed over), restarted on the same store, and each session's
 * first request (rebuilt from the store: SELECT + handshake replay into a
 * fresh SDK transport) is timed, then right after it its second (warm).
 * Sequential, one keep-alive connection, so the numbers are per-request
 * latency, not queueing; pairing first and second per session also gives the
 * added latency per session, robust to load from elsewhere on the machine.
 *
 * Restarting with the same deployment id is a crash/restart; a new id is a
 * deploy, where the first request also lists the catalogue to announce changes.
 */
import type { Config } from '../config.js';
import { HttpClient, pool } from '../http.js';
import { sleep } from '../../harness/timeout.js';
import { log } from '../log.js';
import { callLegacyEcho, expectEcho, openSession } from '../mcp.js';
import { summarize, type Summary } from '../stats.js';
import { startDurable, type Resources, type StoreKind } from '../targets.js';

export type RehydrationPhase = 'warm, before restart' | 'first after restart' | 'second after restart' | 'first after deploy' | 'second after deploy';

export interface RehydrationResult {
  engine: StoreKind;
  sessions: number;
  /** Spawn to ready of the restarted process, ms. */
  restartReadyMs: number;
  phases: Array<{ phase: RehydrationPhase; latency: Summary }>;
  /** Per session, first minus second request (taken back to back, so foreign load hits both alike). */
  addedAfterRestart: Summary;
  addedAfterDeploy: Summary;
}

/** Each session's first and second request back to back: the pair sees the same machine, so their difference is the rebuild. */
async function pairedEchoes(client: HttpClient, url: string, ids: readonly string[], what: string): Promise<{ first: Summary; second: Summary; added: Summary }> {
  const first: number[] = [];
  const second: number[] = [];
  for (const id of ids) {
    for (const into of [first, second]) {
      const t0 = performance.now();
      const res = await callLegacyEcho(client, url, id);
      into.push(performance.now() - t0);
      expectEcho(res, what);
    }
  }
  return { first: summarize(first), second: summarize(second), added: summarize(first.map((ms, i) => ms - second[i]!)) };
}

async function sequentialEchoes(client: HttpClient, url: string, ids: readonly string[], what: string): Promise<Summary> {
  const samples: number[] = [];
  for (const id of ids) {
    const t0 = performance.now();
    const res = await callLegacyEcho(client, url, id);
    samples.push(performance.now() - t0);
    expectEcho(res, what);
  }
  return summarize(samples);
}

export async function runRehydration(config: Config, resources: Resources, engine: StoreKind): Promise<RehydrationResult> {
  const store = await resources.newStore(engine);
  const k = config.rehydrationSessions;
  log(`rehydration (${engine}): creating ${k} sessions`);
  let proc = await startDurable({ store: store.url, deploymentId: 'dep-bench-1' });
  const client = new HttpClient(16);
  const phases: RehydrationResult['phases'] = [];
  try {
    const ids: string[] = [];
    await pool(k, 16, async () => {
      ids.push(await openSession(client, proc.url));
    });
    await pool(k, 16, async (i) => expectEcho(await callLegacyEcho(client, proc.url, ids[i]!), 'first use'));
    phases.push({ phase: 'warm, before restart', latency: await sequentialEchoes(client, proc.url, ids, 'warm') });
    // Let the off-critical-path catalogue writes land, as they would on any server that ran for a while.
    await sleep(500);
    await proc.kill();

    proc = await startDurable({ store: store.url, deploymentId: 'dep-bench-1' });
    const restartReadyMs = proc.readyMs;
    const restart = await pairedEchoes(client, proc.url, ids, 'after restart');
    phases.push({ phase: 'first after restart', latency: restart.first }, { phase: 'second after restart', latency: restart.second });
    await sleep(500);
    await proc.kill();

    proc = await startDurable({ store: store.url, deploymentId: 'dep-bench-2' });
    const deploy = await pairedEchoes(client, proc.url, ids, 'after deploy');
    phases.push({ phase: 'first after deploy', latency: deploy.first }, { phase: 'second after deploy', latency: deploy.second });
    for (const p of phases) log(`  ${p.phase}: p50 ${p.latency.p50.toFixed(2)} ms, p99 ${p.latency.p99.toFixed(2)} ms`);
    log(`  added by a rebuild (paired): p50 ${restart.added.p50.toFixed(2)} ms, p99 ${restart.added.p99.toFixed(2)} ms`);
    return { engine, sessions: k, restartReadyMs, phases, addedAfterRestart: restart.added, addedAfterDeploy: deploy.added };
  } finally {
    client.close();
    await proc.stop();
    await store.cleanup();
  }
}
