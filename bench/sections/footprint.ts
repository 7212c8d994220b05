/**
 * Section 6: what `npm start` costs a laptop. `durable-mcp serve` with the
 * default app (the memory app), on a new store and then on the same store
 * again (existing), per store kind: spawn-to-ready time, and the memory of the
 * whole process tree (PSS, the embedded PostgreSQL child and its backends
 * included) right after boot and after 20 sessions that each called a memory
 * tool (initialize, initialized, wake_up).
 *
 * For a shared PostgreSQL the tree is the server alone: the database server
 * belongs to someone else (and is counted apart).
 */
import type { Config } from '../config.js';
import { HttpClient } from '../http.js';
import { sleep } from '../../harness/timeout.js';
import { log } from '../log.js';
import { legacyHeaders, openSession } from '../mcp.js';
import type { ServerProcess } from '../process.js';
import { median } from '../stats.js';
import { startDurable, type Resources, type StoreKind } from '../targets.js';
import { treeMemory, type TreeMemory } from '../tree-memory.js';

export const FOOTPRINT_SESSIONS = 20;
/** Issue #15's targets for the default store. */
export const FOOTPRINT_TARGET_MIB = 200;
export const EXISTING_BOOT_TARGET_MS = 1500;

export interface FootprintRun {
  engine: StoreKind;
  store: 'new' | 'existing';
  /** spawn() to the `server_started` line, ms. */
  readyMs: number;
  /** The line's own bootMs: store open, migrations, listen. */
  insideMs: number;
  atBoot: TreeMemory;
  afterSessions: TreeMemory;
}

export interface FootprintResult {
  runs: FootprintRun[];
  /** For a shared PostgreSQL: the database server's own tree (not the server's), for the reader. */
  postgresServer?: TreeMemory;
}

const wakeUp = (i: number): string =>
  JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'wake_up', arguments: { project: `bench-${i % 3}` } } });

async function measure(engine: StoreKind, storeUrl: string, which: FootprintRun['store']): Promise<FootprintRun> {
  const proc: ServerProcess = await startDurable({ store: storeUrl, app: 'default', logLevel: 'info', name: `footprint-${engine}` });
  const client = new HttpClient(4);
  try {
    await sleep(500);
    const atBoot = treeMemory(proc.pid);
    for (let i = 0; i < FOOTPRINT_SESSIONS; i++) {
      const id = await openSession(client, proc.url);
      const res = await client.post(proc.url, wakeUp(i), legacyHeaders(id));
      if (res.status !== 200 || !res.body.includes('"result"') || res.body.includes('"isError":true')) {
        throw new Error(`wake_up failed: HTTP ${res.status}: ${res.body.slice(0, 300)}`);
      }
    }
    await sleep(1000);
    const afterSessions = treeMemory(proc.pid);
    const run = { engine, store: which, readyMs: proc.readyMs, insideMs: Number(proc.started?.bootMs ?? NaN), atBoot, afterSessions };
    log(
      `footprint ${engine}, ${which} store: ready ${run.readyMs.toFixed(0)} ms, PSS ${atBoot.pssMiB.toFixed(0)} MiB at boot, ` +
        `${afterSessions.pssMiB.toFixed(0)} MiB after ${FOOTPRINT_SESSIONS} sessions (${afterSessions.processes} processes)`,
    );
    return run;
  } finally {
    client.close();
    await proc.stop();
  }
}

export async function runFootprint(config: Config, resources: Resources): Promise<FootprintResult> {
  const result: FootprintResult = { runs: [] };
  for (const engine of config.engines) {
    for (let repeat = 0; repeat < config.bootRepeats; repeat++) {
      const store = await resources.newStore(engine, { initialize: false });
      try {
        result.runs.push(await measure(engine, store.url, 'new'));
        result.runs.push(await measure(engine, store.url, 'existing'));
      } finally {
        await store.cleanup();
      }
    }
    if (engine === 'postgres') {
      const pid = (await resources.postgres()).postmasterPid;
      if (pid !== undefined) result.postgresServer = treeMemory(pid);
    }
  }
  return result;
}

/** Median of each measure over the repeats, per engine and store age. */
export function footprintMedians(runs: readonly FootprintRun[]): FootprintRun[] {
  const groups = new Map<string, FootprintRun[]>();
  for (const r of runs) groups.set(`${r.engine}/${r.store}`, [...(groups.get(`${r.engine}/${r.store}`) ?? []), r]);
  return [...groups.values()].map((g) => {
    const mem = (pick: (r: FootprintRun) => TreeMemory): TreeMemory => ({
      pssMiB: median(g.map((r) => pick(r).pssMiB)),
      rssMiB: median(g.map((r) => pick(r).rssMiB)),
      processes: Math.max(...g.map((r) => pick(r).processes)),
    });
    return {
      engine: g[0]!.engine,
      store: g[0]!.store,
      readyMs: median(g.map((r) => r.readyMs)),
      insideMs: median(g.map((r) => r.insideMs)),
      atBoot: mem((r) => r.atBoot),
      afterSessions: mem((r) => r.afterSessions),
    };
  });
}
