/**
 * Scale-out benchmark (not a test): tool-call throughput through HAProxy with
 * 1, 2 and 3 durable-mcp instances on one PostgreSQL, where the CPU goes
 * (each instance, PostgreSQL, HAProxy, the load generator), and what it costs
 * a session that every request lands on a different instance.
 *
 * Why one file over 400 lines: it still carries its own cells, CPU accounting
 * and report writer (PostgreSQL comes from bench/postgres.ts). Folding the
 * report into bench/report.ts is the known next step, not done yet.
 *
 *   npx tsc -p . --outDir .tmp/scale --tsBuildInfoFile .tmp/scale.tsbuildinfo
 *   node .tmp/scale/bench/scaleout.js [--duration=10] [--warmup=3] [--connections=48] [--no-write]
 *                                     [--cells=direct1,ka1,ka2,ka3,close3] [--rate=<req/s>] [--no-rebuild] [--calls=1500] [--cold-sessions=200]
 *
 * PostgreSQL: DATABASE_URL when set (its CPU is then not measured), else an
 * embedded cluster (bench/postgres.ts; fsync on unless BENCH_PG_FSYNC=off).
 * Results go to stdout and into docs/scaleout-results.md, between the
 * `scaleout-bench` markers (the rest of that file is left alone).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { startHaproxy, type Haproxy } from '../test/support/haproxy.js';
import { HttpClient } from './http.js';
import { describeMachine } from './machine.js';
import { callLegacyEcho, expectEcho, isEchoResult, LEGACY_ECHO, legacyHeaders, openSession } from './mcp.js';
import { startPostgres, type PostgresCluster } from './postgres.js';
import { CLI, ECHO_APP, freePort, spawnServer, type ServerProcess } from './process.js';
import { summarize, type Summary } from './stats.js';
import { repoRoot } from './repo.js';

const log = (message: string): void => void process.stderr.write(`[scaleout] ${message}\n`);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------- CPU accounting

const TICK_S = 0.01; // USER_HZ is 100 on Linux

/** utime, stime, cutime, cstime (ticks) and ppid of a process, or undefined once it is gone. */
function readStat(pid: number): { own: number; sys: number; children: number; ppid: number } | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
    // f[0] is field 3 (state): ppid is field 4, utime 14, stime 15, cutime 16, cstime 17.
    return { ppid: Number(f[1]), own: Number(f[11]) + Number(f[12]), sys: Number(f[12]), children: Number(f[13]) + Number(f[14]) };
  } catch {
    return undefined;
  }
}

/** Kernel-mode CPU seconds of a process (system calls, network stack). */
function sysOf(pid: number): number {
  return (readStat(pid)?.sys ?? 0) * TICK_S;
}

/** CPU seconds of a process. */
function cpuOf(pid: number): number {
  return (readStat(pid)?.own ?? 0) * TICK_S;
}

/** CPU seconds of the postmaster and every backend (exited backends are in the postmaster's cutime). */
function cpuOfPostgres(postmaster: number): number {
  const root = readStat(postmaster);
  if (!root) return 0;
  let ticks = root.own + root.children;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const st = readStat(Number(entry));
    if (st && st.ppid === postmaster) ticks += st.own;
  }
  return ticks * TICK_S;
}

/** Busy and total CPU seconds of the whole machine (all cores), from /proc/stat. */
function machineCpu(): { busy: number; total: number } {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: (total - idle) * TICK_S, total: total * TICK_S };
}

interface CpuSample {
  instances: number[];
  instancesSys: number;
  haproxy: number;
  postgres: number | undefined;
  loadgen: number;
  machine: { busy: number; total: number };
}

function sampleCpu(instances: readonly ServerProcess[], proxy: Haproxy | undefined, pgPid: number | undefined): CpuSample {
  const self = process.cpuUsage();
  return {
    instances: instances.map((i) => cpuOf(i.pid)),
    instancesSys: instances.reduce((sum, i) => sum + sysOf(i.pid), 0),
    haproxy: proxy ? cpuOf(proxy.pid) : 0,
    postgres: pgPid === undefined ? undefined : cpuOfPostgres(pgPid),
    loadgen: (self.user + self.system) / 1e6,
    machine: machineCpu(),
  };
}

interface CpuUse {
  /** Cores used on average (CPU seconds / wall seconds). */
  instances: number[];
  /** Of the instances' total, cores spent in the kernel. */
  instancesSys: number;
  haproxy: number;
  postgres: number | undefined;
  loadgen: number;
  /** Whole machine, all processes (busy / wall). */
  machine: number;
  /** Busy cores not accounted for by any process of ours: other work on the machine, which distorts the cell. */
  other: number;
}

function cpuBetween(a: CpuSample, b: CpuSample, wallS: number): CpuUse {
  return {
    instances: b.instances.map((v, i) => (v - (a.instances[i] ?? 0)) / wallS),
    instancesSys: (b.instancesSys - a.instancesSys) / wallS,
    haproxy: (b.haproxy - a.haproxy) / wallS,
    postgres: a.postgres === undefined || b.postgres === undefined ? undefined : (b.postgres - a.postgres) / wallS,
    loadgen: (b.loadgen - a.loadgen) / wallS,
    machine: (b.machine.busy - a.machine.busy) / wallS,
    other: 0,
  };
}

function withOther(use: CpuUse): CpuUse {
  const ours = use.instances.reduce((x, y) => x + y, 0) + use.haproxy + (use.postgres ?? 0) + use.loadgen;
  return { ...use, other: Math.max(0, use.machine - ours) };
}

/**
 * The machine may be shared (other builds and test runs): wait, up to a
 * bound, until it is nearly idle before measuring. Returns the busy cores seen last.
 */
async function waitQuiet(maxWaitMs = 90_000): Promise<number> {
  // BENCH_NO_QUIET=1: measure at once (e.g. with a deliberate CPU hog running).
  if (process.env.BENCH_NO_QUIET === '1') return 0;
  const until = Date.now() + maxWaitMs;
  let busy = 0;
  let waited = false;
  for (;;) {
    const a = machineCpu();
    await sleep(1000);
    const b = machineCpu();
    busy = (b.busy - a.busy) / ((b.total - a.total) / availableParallelism()) || 0;
    if (busy < 0.25 || Date.now() > until) break;
    if (!waited) log(`  waiting for the machine to go quiet (${busy.toFixed(2)} cores busy by others)`);
    waited = true;
  }
  return busy;
}


// ---------------------------------------------------------------- fleet

async function startInstance(store: string, port: number, name: string): Promise<ServerProcess> {
  return spawnServer({
    name,
    args: [CLI, 'serve', '--port', String(port), '--store', store, '--app', ECHO_APP, '--log-level', 'warn', '--deployment-id', 'dep-bench'],
    env: { DATABASE_URL: undefined, DURABLE_MCP_STORE: undefined, LOG_LEVEL: undefined },
    // BENCH_CPU_PROF_DIR=<dir>: a V8 CPU profile per instance, written when it stops.
    ...(process.env.BENCH_CPU_PROF_DIR && { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF_DIR] }),
    ready: 'healthz',
    port,
  });
}

async function startFleet(store: string, n: number): Promise<ServerProcess[]> {
  const ports: number[] = [];
  while (ports.length < n) {
    const port = await freePort();
    if (!ports.includes(port)) ports.push(port);
  }
  // One at a time: boots compete for the same two cores, and the first one runs the migrations.
  const fleet: ServerProcess[] = [];
  for (const [i, port] of ports.entries()) fleet.push(await startInstance(store, port, `durable-mcp-${i + 1}`));
  return fleet;
}

async function proxyFor(fleet: readonly ServerProcess[], serverConnections: 'close' | 'keep-alive'): Promise<Haproxy> {
  const proxy = await startHaproxy({ backends: fleet.map((p, i) => ({ name: `s${i + 1}`, port: p.port })), serverConnections });
  for (let i = 0; i < fleet.length; i++) await proxy.waitForStatus(`s${i + 1}`, 'UP', 20_000);
  return proxy;
}

/** A counter from an instance's /metrics (sum over label sets matching `labels`). */
async function metric(proc: ServerProcess, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${proc.port}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || line.startsWith('#')) continue;
    if (labels && !line.includes(labels)) continue;
    if (line[name.length] !== '{' && line[name.length] !== ' ') continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

const servedPosts = (proc: ServerProcess) => metric(proc, 'durable_mcp_http_requests_total', 'method="POST",status="200"');

// ---------------------------------------------------------------- load

interface LoadResult {
  rps: number;
  ok: number;
  non2xx: number;
  errors: number;
  mismatches: number;
  latency: Summary;
}

function runLoad(url: string, sessions: readonly string[], connections: number, durationSec: number, rate?: number): Promise<LoadResult> {
  const latencies: number[] = [];
  let ok = 0;
  let assigned = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        method: 'POST',
        body: LEGACY_ECHO,
        headers: legacyHeaders(),
        connections,
        duration: durationSec,
        pipelining: 1,
        timeout: 30,
        ...(rate && { overallRate: rate }),
        verifyBody: (body) => typeof body === 'string' && isEchoResult(body),
        // Connection i is session i: N connections are N independent clients.
        setupClient: (client) => client.setHeaders(legacyHeaders(sessions[assigned++ % sessions.length])),
      },
      (error: unknown, result: autocannon.Result) => {
        if (error) return reject(error instanceof Error ? error : new Error(String(error)));
        resolve({
          rps: ok / result.duration,
          ok,
          non2xx: result.non2xx,
          errors: result.errors,
          mismatches: result.mismatches,
          latency: summarize(latencies),
        });
      },
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status >= 200 && status < 300) {
        ok += 1;
        latencies.push(ms);
      }
    });
  });
}

interface Cell {
  label: string;
  instances: number;
  via: 'haproxy keep-alive' | 'haproxy http-server-close' | 'direct';
  load: LoadResult;
  cpu: CpuUse;
  /** Share of the measured requests each instance answered. */
  served: number[];
}

async function throughputCell(
  pgc: PostgresCluster,
  n: number,
  via: Cell['via'],
  config: { connections: number; durationSec: number; warmupSec: number; rate?: number },
): Promise<Cell> {
  const label = `${n} instance${n > 1 ? 's' : ''}, ${via}`;
  log(`throughput: ${label}`);
  const { url: store } = await pgc.createDatabase();
  const fleet = await startFleet(store, n);
  const proxy = via === 'direct' ? undefined : await proxyFor(fleet, via === 'haproxy keep-alive' ? 'keep-alive' : 'close');
  const url = proxy?.url ?? fleet[0]!.url;
  const http = new HttpClient(16);
  try {
    const sessions: string[] = [];
    while (sessions.length < config.connections) sessions.push(await openSession(http, url));
    expectEcho(await callLegacyEcho(http, url, sessions[0]!), `${label}: sanity call`);
    await runLoad(url, sessions, config.connections, config.warmupSec, config.rate);
    // Up to three measurements; the first one nobody else disturbed (or the least disturbed) counts.
    let cell: Cell | undefined;
    for (let attempt = 1; attempt <= 3; attempt++) {
      await waitQuiet();
      const servedBefore = await Promise.all(fleet.map(servedPosts));
      const before = sampleCpu(fleet, proxy, pgc.postmasterPid);
      const t0 = performance.now();
      const load = await runLoad(url, sessions, config.connections, config.durationSec, config.rate);
      const wallS = (performance.now() - t0) / 1000;
      const after = sampleCpu(fleet, proxy, pgc.postmasterPid);
      const servedAfter = await Promise.all(fleet.map(servedPosts));
      const deltas = servedAfter.map((v, i) => v - (servedBefore[i] ?? 0));
      const total = deltas.reduce((a, b) => a + b, 0) || 1;
      const measured: Cell = { label, instances: n, via, load, cpu: withOther(cpuBetween(before, after, wallS)), served: deltas.map((d) => d / total) };
      if (!cell || measured.cpu.other < cell.cpu.other) cell = measured;
      if (measured.cpu.other < 0.1 || process.env.BENCH_NO_QUIET === '1') break;
      log(`  attempt ${attempt} disturbed: ${measured.cpu.other.toFixed(2)} cores used by other processes; measuring again`);
    }
    if (!cell) throw new Error('no measurement');
    const load = cell.load;
    log(
      `  ${load.rps.toFixed(0)} req/s, p50 ${load.latency.p50.toFixed(1)} ms, p99 ${load.latency.p99.toFixed(1)} ms; ` +
        `CPU (cores): instances ${cell.cpu.instances.map((c) => c.toFixed(2)).join('+')} (kernel ${cell.cpu.instancesSys.toFixed(2)}), postgres ${cell.cpu.postgres?.toFixed(2) ?? 'n/a'}, ` +
        `haproxy ${cell.cpu.haproxy.toFixed(2)}, load generator ${cell.cpu.loadgen.toFixed(2)}, machine ${cell.cpu.machine.toFixed(2)} ` +
        `(others ${cell.cpu.other.toFixed(2)})` +
        (load.non2xx + load.errors + load.mismatches > 0 ? `; non2xx ${load.non2xx}, errors ${load.errors}, mismatches ${load.mismatches}` : ''),
    );
    return cell;
  } finally {
    http.close();
    await proxy?.stop();
    await Promise.all(fleet.map((p) => p.stop()));
  }
}

// ---------------------------------------------------------------- cross-instance cost

interface RebuildResult {
  /** One session, sequential echo calls on one keep-alive connection. */
  sequential: Array<{ path: string; latency: Summary; spread: number[] }>;
  /** Sessions rebuilt during the warm round-robin measurement (expected 0: every cache holds it). */
  rebuildsDuringWarm: number;
  /** A session created on instance 1, first and second request on instance 2. */
  cold: { sessions: number; first: Summary; second: Summary; rebuilt: number };
}

async function sequential(http: HttpClient, url: string, sessionId: string, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const res = await callLegacyEcho(http, url, sessionId);
    samples.push(performance.now() - t0);
    expectEcho(res, `sequential call ${i}`);
  }
  return samples;
}

async function crossInstance(pgc: PostgresCluster, config: { calls: number; coldSessions: number }): Promise<RebuildResult> {
  log('cross-instance cost: 3 instances, one session');
  const { url: store } = await pgc.createDatabase();
  const fleet = await startFleet(store, 3);
  const rr = await proxyFor(fleet, 'keep-alive');
  const one = await proxyFor(fleet.slice(0, 1), 'keep-alive');
  // One socket per path: the latency of a request, never of a queue.
  const clients = { direct: new HttpClient(1), one: new HttpClient(1), rr: new HttpClient(1) };
  try {
    const sessionId = await openSession(clients.direct, fleet[0]!.url);
    // Every instance rebuilds it once here; from then on each cache holds it.
    await sequential(clients.rr, rr.url, sessionId, 60);
    await sequential(clients.one, one.url, sessionId, 60);
    await sequential(clients.direct, fleet[0]!.url, sessionId, 60);
    const rebuiltBefore = (await Promise.all(fleet.map((p) => metric(p, 'durable_mcp_sessions_rehydrated_total')))).reduce((a, b) => a + b, 0);

    const paths: Array<{ path: string; run: (count: number) => Promise<number[]> }> = [
      { path: 'direct to instance 1 (no proxy)', run: (n) => sequential(clients.direct, fleet[0]!.url, sessionId, n) },
      { path: 'direct, rotating over instances 1, 2, 3 (no proxy)', run: (n) => rotating(n) },
      { path: 'HAProxy -> instance 1 only', run: (n) => sequential(clients.one, one.url, sessionId, n) },
      { path: 'HAProxy round robin over 3 (each request on another instance)', run: (n) => sequential(clients.rr, rr.url, sessionId, n) },
    ];
    // One keep-alive connection per instance, the next request always to the next instance.
    const perInstance = fleet.map(() => new HttpClient(1));
    const rotating = async (count: number): Promise<number[]> => {
      const out: number[] = [];
      for (let i = 0; i < count; i++) out.push(...(await sequential(perInstance[i % fleet.length]!, fleet[i % fleet.length]!.url, sessionId, 1)));
      return out;
    };
    await rotating(30);
    const samples = new Map<string, number[]>(paths.map((p) => [p.path, []]));
    const spreads = new Map<string, number[]>(paths.map((p) => [p.path, [0, 0, 0]]));
    // Interleaved in blocks, so drift (other load on the machine, PostgreSQL housekeeping) hits all paths alike.
    const block = 250;
    for (let done = 0; done < config.calls; done += block) {
      await waitQuiet(30_000);
      for (const p of paths) {
        const before = await Promise.all(fleet.map(servedPosts));
        samples.get(p.path)!.push(...(await p.run(block)));
        const after = await Promise.all(fleet.map(servedPosts));
        const spread = spreads.get(p.path)!;
        after.forEach((v, i) => (spread[i] = (spread[i] ?? 0) + v - (before[i] ?? 0)));
      }
    }
    for (const c of perInstance) c.close();
    const rebuiltAfter = (await Promise.all(fleet.map((p) => metric(p, 'durable_mcp_sessions_rehydrated_total')))).reduce((a, b) => a + b, 0);
    const seq = paths.map((p) => ({ path: p.path, latency: summarize(samples.get(p.path)!), spread: spreads.get(p.path)! }));
    for (const s of seq) log(`  ${s.path}: p50 ${s.latency.p50.toFixed(3)} ms, mean ${s.latency.mean.toFixed(3)} ms, p99 ${s.latency.p99.toFixed(3)} ms; served ${s.spread.join('/')}`);

    log(`cross-instance cost: ${config.coldSessions} sessions created on instance 1, first request on instance 2`);
    const ids: string[] = [];
    for (let i = 0; i < config.coldSessions; i++) ids.push(await openSession(clients.direct, fleet[0]!.url));
    for (const id of ids) expectEcho(await callLegacyEcho(clients.direct, fleet[0]!.url, id), 'use on instance 1');
    await sleep(500); // let the off-critical-path catalogue writes land
    const rebuiltOn2 = await metric(fleet[1]!, 'durable_mcp_sessions_rehydrated_total');
    await waitQuiet(30_000);
    const first: number[] = [];
    const second: number[] = [];
    const other = new HttpClient(1);
    try {
      for (const id of ids) {
        let t0 = performance.now();
        expectEcho(await callLegacyEcho(other, fleet[1]!.url, id), 'first on instance 2');
        first.push(performance.now() - t0);
        t0 = performance.now();
        expectEcho(await callLegacyEcho(other, fleet[1]!.url, id), 'second on instance 2');
        second.push(performance.now() - t0);
      }
    } finally {
      other.close();
    }
    const cold = {
      sessions: ids.length,
      first: summarize(first),
      second: summarize(second),
      rebuilt: (await metric(fleet[1]!, 'durable_mcp_sessions_rehydrated_total')) - rebuiltOn2,
    };
    log(`  first request (rebuild): p50 ${cold.first.p50.toFixed(2)} ms, p99 ${cold.first.p99.toFixed(2)} ms; second: p50 ${cold.second.p50.toFixed(2)} ms`);
    return { sequential: seq, rebuildsDuringWarm: rebuiltAfter - rebuiltBefore, cold };
  } finally {
    for (const c of Object.values(clients)) c.close();
    await rr.stop();
    await one.stop();
    await Promise.all(fleet.map((p) => p.stop()));
  }
}

// ---------------------------------------------------------------- report

const f0 = (n: number) => n.toFixed(0);
const f2 = (n: number) => n.toFixed(2);

function render(results: {
  machine: ReturnType<typeof describeMachine>;
  postgres: string;
  haproxy: string;
  config: { connections: number; durationSec: number; warmupSec: number };
  cells: Cell[];
  rebuild: RebuildResult;
}): string {
  const { machine, cells, rebuild, config } = results;
  const base = cells.find((c) => c.instances === 1 && c.via === 'haproxy keep-alive');
  const out: string[] = [];
  out.push(`Machine: ${machine.nproc} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, Linux ${machine.kernel}, Node ${machine.node}; ${machine.date}.`);
  out.push(`${results.postgres}; ${results.haproxy}. Everything (instances, PostgreSQL, HAProxy, the load generator) shares these ${machine.nproc} CPUs.`);
  out.push('');
  out.push(
    `Throughput: \`echo\` tool calls (legacy session, SSE response, \`--log-level warn\`), ${config.connections} autocannon connections, ` +
      `each its own pre-initialized session (Mcp-Session-Id per connection), ${config.warmupSec} s warm-up, ${config.durationSec} s measured. ` +
      'CPU is cores used on average over the measured seconds (from /proc/<pid>/stat); "machine" is all processes (from /proc/stat).',
  );
  out.push('');
  out.push('| Setup | req/s | vs 1 instance | p50 ms | p99 ms | instances CPU (each) | PostgreSQL CPU | HAProxy CPU | load gen CPU | machine busy (not ours) | split of requests |');
  out.push('| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- |');
  for (const c of cells) {
    const errors = c.load.non2xx + c.load.errors + c.load.mismatches;
    out.push(
      `| ${c.label} | ${f0(c.load.rps)}${errors ? ` (${errors} errors)` : ''} | ${base ? `${f2(c.load.rps / base.load.rps)}x` : ''} | ${c.load.latency.p50.toFixed(1)} | ${c.load.latency.p99.toFixed(1)} | ` +
        `${f2(c.cpu.instances.reduce((a, b) => a + b, 0))} (${c.cpu.instances.map(f2).join(' + ')}) | ${c.cpu.postgres === undefined ? 'n/a' : f2(c.cpu.postgres)} | ` +
        `${f2(c.cpu.haproxy)} | ${f2(c.cpu.loadgen)} | ${f2(c.cpu.machine)} / ${machine.nproc} (${f2(c.cpu.other)}) | ${c.served.map((s) => `${Math.round(s * 100)}%`).join(' / ')} |`,
    );
  }
  out.push('');
  out.push('CPU per request (ms of CPU time per tool call, all cores):');
  out.push('');
  out.push('| Setup | durable-mcp (of which kernel) | PostgreSQL | HAProxy | load generator | whole machine |');
  out.push('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const c of cells) {
    const per = (cores: number) => ((cores / c.load.rps) * 1000).toFixed(3);
    out.push(
      `| ${c.label} | ${per(c.cpu.instances.reduce((a, b) => a + b, 0))} (${per(c.cpu.instancesSys)}) | ${c.cpu.postgres === undefined ? 'n/a' : per(c.cpu.postgres)} | ${per(c.cpu.haproxy)} | ${per(c.cpu.loadgen)} | ${per(c.cpu.machine)} |`,
    );
  }
  out.push('');
  out.push(
    'Cross-instance cost, one session, sequential calls on one keep-alive connection (per-request latency, no queueing), ' +
      `3 instances running, every instance's cache already holding the session (${rebuild.rebuildsDuringWarm} rebuilds during the measurement):`,
  );
  out.push('');
  out.push('| Path | calls | p50 ms | mean ms | p99 ms | served by instance 1/2/3 |');
  out.push('| --- | ---: | ---: | ---: | ---: | --- |');
  for (const s of rebuild.sequential) {
    out.push(`| ${s.path} | ${s.latency.count} | ${s.latency.p50.toFixed(3)} | ${s.latency.mean.toFixed(3)} | ${s.latency.p99.toFixed(3)} | ${s.spread.join(' / ')} |`);
  }
  const c = rebuild.cold;
  out.push('');
  out.push(
    `Cache miss instead (the session is not live on the instance): ${c.sessions} sessions created and used on instance 1, then their first ` +
      `request sent to instance 2, which rebuilds each from PostgreSQL (${c.rebuilt} rebuilds counted): first request p50 ${c.first.p50.toFixed(2)} ms, ` +
      `p99 ${c.first.p99.toFixed(2)} ms; the second request on instance 2 p50 ${c.second.p50.toFixed(2)} ms, p99 ${c.second.p99.toFixed(2)} ms.`,
  );
  return out.join('\n');
}

const START = '<!-- scaleout-bench:start (written by bench/scaleout.ts) -->';
const END = '<!-- scaleout-bench:end -->';


function writeDoc(section: string): string {
  const path = join(repoRoot(), 'docs/scaleout-results.md');
  const block = `${START}\n${section}\n${END}`;
  const current = existsSync(path) ? readFileSync(path, 'utf8') : '# Scale-out results\n';
  const a = current.indexOf(START);
  const b = current.indexOf(END);
  const next = a >= 0 && b > a ? current.slice(0, a) + block + current.slice(b + END.length) : `${current.trimEnd()}\n\n${block}\n`;
  writeFileSync(path, next);
  return path;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '10' },
      warmup: { type: 'string', default: '3' },
      connections: { type: 'string', default: '48' },
      calls: { type: 'string', default: '1500' },
      'cold-sessions': { type: 'string', default: '200' },
      cells: { type: 'string', default: 'direct1,ka1,ka2,ka3,close3' },
      /** Fixed total request rate (open loop, req/s) instead of as fast as possible; for CPU-per-request comparisons. */
      rate: { type: 'string' },
      'no-rebuild': { type: 'boolean', default: false },
      'no-write': { type: 'boolean', default: false },
    },
  });
  const config = {
    durationSec: Number(values.duration),
    warmupSec: Number(values.warmup),
    connections: Number(values.connections),
    ...(values.rate && { rate: Number(values.rate) }),
  };
  const started = performance.now();
  const pgc = await startPostgres();
  log(pgc.description);
  const { execFileSync } = await import('node:child_process');
  const { findHaproxy } = await import('../test/support/haproxy.js');
  const bin = findHaproxy();
  if (!bin) throw new Error('haproxy is not installed (Debian package haproxy)');
  const haproxy = `HAProxy ${/version (\S+)/.exec(execFileSync(bin, ['-v']).toString())?.[1] ?? '?'} (roundrobin, no stickiness)`;
  try {
    const cells: Cell[] = [];
    const kinds: Record<string, [number, Cell['via']]> = {
      direct1: [1, 'direct'],
      ka1: [1, 'haproxy keep-alive'],
      ka2: [2, 'haproxy keep-alive'],
      ka3: [3, 'haproxy keep-alive'],
      close3: [3, 'haproxy http-server-close'],
    };
    for (const name of values.cells.split(',')) {
      const kind = kinds[name.trim()];
      if (!kind) throw new Error(`--cells: unknown cell '${name}' (known: ${Object.keys(kinds).join(', ')})`);
      cells.push(await throughputCell(pgc, kind[0], kind[1], config));
    }
    if (values['no-rebuild']) return;
    const rebuild = await crossInstance(pgc, { calls: Number(values.calls), coldSessions: Number(values['cold-sessions']) });
    const report = render({ machine: describeMachine(), postgres: pgc.description, haproxy, config, cells, rebuild });
    process.stdout.write(`${report}\n`);
    if (!values['no-write']) log(`written to ${writeDoc(report)}`);
  } finally {
    await pgc.stop();
  }
  log(`done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

main().catch((error: unknown) => {
  process.stderr.write(`scaleout bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
