/**
 * Section 4: does memory follow the number of sessions? Two questions:
 *
 *  - Store size: the store holds 50,000 sessions (inserted straight through
 *    the store API, fast) versus 100; the server boots, the same sample of
 *    100 sessions gets the same traffic, and the server's RSS is compared.
 *    Only the bounded live cache (--max-live-sessions, default 1000) should
 *    be in memory, so RSS should not move with the store.
 *  - Sessions created in this process: 20,000 real initializes over HTTP
 *    versus 100, RSS afterwards. Live sessions beyond the cache bound are
 *    evicted, so this too should stay flat. Creation stops at a time budget
 *    (PGlite initializes far fewer sessions per second); the count reached
 *    is reported.
 */
import type { Config } from '../config.js';
import { fillStore } from '../fill.js';
import { HttpClient, pool } from '../http.js';
import { sleep } from '../../harness/timeout.js';
import { log } from '../log.js';
import { callLegacyEcho, expectEcho, openSession } from '../mcp.js';
import type { Memory } from '../process.js';
import { startDurable, type Resources, type StoreKind } from '../targets.js';

const DEPLOYMENT = 'dep-bench-1';
const SAMPLE = 100;
const CALLS_PER_SAMPLED_SESSION = 5;

export interface StoreSizeRss {
  engine: StoreKind;
  sessionsInStore: number;
  fillMs: number;
  /** RSS once ready, before any request. */
  boot: Memory;
  /** RSS after the same sample traffic (100 sessions x 5 echo calls). */
  afterTraffic: Memory;
}

export interface HttpCreatedRss {
  engine: StoreKind;
  sessionsWanted: number;
  /** Fewer than wanted when the time budget ran out. */
  sessionsCreated: number;
  createMs: number;
  boot: Memory;
  after: Memory;
  /** RSS (MiB) when the count of created sessions reached each milestone: flat or growing? */
  milestones: Array<{ sessions: number; rssMiB: number }>;
}

const MILESTONES = [1000, 2000, 5000, 10_000, 15_000, 20_000];

function sampleOf(ids: readonly string[], size: number): string[] {
  const picked = new Set<number>();
  while (picked.size < Math.min(size, ids.length)) picked.add(Math.floor(Math.random() * ids.length));
  return [...picked].map((i) => ids[i]!);
}

export async function runStoreSizeRss(resources: Resources, engine: StoreKind, sessions: number): Promise<StoreSizeRss> {
  // fillStore initializes it.
  const store = await resources.newStore(engine, { initialize: false });
  const client = new HttpClient(8);
  try {
    log(`rss (${engine}): ${sessions} sessions in the store`);
    const t0 = performance.now();
    const ids = await fillStore(store.url, sessions, DEPLOYMENT);
    const fillMs = performance.now() - t0;
    const proc = await startDurable({ store: store.url, deploymentId: DEPLOYMENT });
    try {
      await sleep(500);
      const boot = proc.memory();
      const sample = sampleOf(ids, SAMPLE);
      await pool(sample.length * CALLS_PER_SAMPLED_SESSION, 8, async (i) =>
        expectEcho(await callLegacyEcho(client, proc.url, sample[i % sample.length]!), 'sampled session'),
      );
      await sleep(1000);
      const afterTraffic = proc.memory();
      log(`  boot RSS ${boot.rssMiB.toFixed(0)} MiB, after traffic ${afterTraffic.rssMiB.toFixed(0)} MiB (fill ${fillMs.toFixed(0)} ms)`);
      return { engine, sessionsInStore: sessions, fillMs, boot, afterTraffic };
    } finally {
      await proc.stop();
    }
  } finally {
    client.close();
    await store.cleanup();
  }
}

export async function runHttpCreatedRss(resources: Resources, engine: StoreKind, sessions: number, budgetSec: number): Promise<HttpCreatedRss> {
  const store = await resources.newStore(engine);
  const client = new HttpClient(32);
  const proc = await startDurable({ store: store.url, deploymentId: DEPLOYMENT });
  try {
    log(`rss (${engine}): creating ${sessions} sessions over HTTP`);
    await sleep(500);
    const boot = proc.memory();
    const t0 = performance.now();
    const deadline = t0 + budgetSec * 1000;
    let created = 0;
    const milestones: HttpCreatedRss['milestones'] = [];
    await pool(sessions, 32, async () => {
      if (performance.now() > deadline) return;
      await openSession(client, proc.url);
      created += 1;
      if (MILESTONES.includes(created)) milestones.push({ sessions: created, rssMiB: proc.memory().rssMiB });
    });
    const createMs = performance.now() - t0;
    await sleep(1000);
    const after = proc.memory();
    log(`  ${created} created in ${createMs.toFixed(0)} ms; RSS ${after.rssMiB.toFixed(0)} MiB (peak ${after.hwmMiB.toFixed(0)} MiB)`);
    return { engine, sessionsWanted: sessions, sessionsCreated: created, createMs, boot, after, milestones };
  } finally {
    client.close();
    await proc.stop();
    await store.cleanup();
  }
}

export interface RssResult {
  storeSize: StoreSizeRss[];
  httpCreated: HttpCreatedRss[];
}

export async function runRss(config: Config, resources: Resources, engines: readonly StoreKind[]): Promise<RssResult> {
  const result: RssResult = { storeSize: [], httpCreated: [] };
  for (const engine of engines) {
    for (const n of [config.rssBaselineSessions, config.rssStoreSessions]) result.storeSize.push(await runStoreSizeRss(resources, engine, n));
    for (const n of [config.rssBaselineSessions, config.rssHttpSessions]) {
      result.httpCreated.push(await runHttpCreatedRss(resources, engine, n, config.rssHttpBudgetSec));
    }
  }
  return result;
}
