/**
 * Section: the durable gateway. The same echo call, N concurrent clients each
 * on its own session, sent directly to a plain upstream (the SDK v2 stateful
 * server with in-memory sessions, target (b)) and through `durable-mcp gateway`
 * in front of that same upstream process, cells interleaved per N. CPU is
 * split between the two processes (both share the machine's cores). Then the
 * first call after an upstream restart: how much a cold upstream
 * re-initialize (404, initialize in the client's name, re-send) adds to it.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { cpuSnapshot, cpuUsage } from '../cpu.js';
import { HttpClient } from '../http.js';
import { runLoad, type LoadResult } from '../load.js';
import { log } from '../log.js';
import { callLegacyEcho, expectEcho, openSession } from '../mcp.js';
import { monotonicUs, summarizeProfile, type ProfileSummary } from '../profile.js';
import { CLI, freePort, serverScript, spawnServer, type ServerProcess } from '../process.js';
import { requestShape, TARGETS, type Resources } from '../targets.js';

export interface GatewayCell {
  connections: number;
  via: 'direct' | 'gateway';
  load: LoadResult;
  /** CPU ms per request in the upstream process, and in the gateway process (0 for direct). */
  upstreamCpuMs: number;
  gatewayCpuMs: number;
  /** Cores busy outside the benchmark's processes during the cell. */
  othersCores: number;
}

export interface GatewayResults {
  cells: GatewayCell[];
  /** First call through the gateway after an upstream restart minus a normal call, ms, per repetition. */
  reinitializeAddedMs: number[];
  /** The same with `streamOpenTimeout: 100` (this upstream does not flush its SSE GET headers; see the README's limits). */
  reinitializeShortStreamWaitMs: number[];
  store: string;
  /** With --profile: the gateway process under `node --cpu-prof`, summarized over its cell at the middle N. */
  profile?: { connections: number; summary: ProfileSummary };
}

async function startUpstream(port: number): Promise<ServerProcess> {
  return spawnServer({ name: 'upstream (sdk-legacy)', args: [serverScript('sdk-legacy')], ready: 'log', env: { PORT: String(port) } });
}

/** With `configFile`, the upstream comes from it (served at /mcp/<name>) instead of --upstream. */
async function startGateway(upstreamUrl: string, store: string, configFile?: string, nodeArgs?: string[]): Promise<ServerProcess> {
  const port = await freePort();
  const upstream = configFile ? ['--config', configFile] : ['--upstream', upstreamUrl];
  return spawnServer({
    name: 'durable-mcp gateway',
    args: [CLI, 'gateway', ...upstream, '--port', String(port), '--store', store, '--log-level', 'warn'],
    ...(nodeArgs && { nodeArgs }),
    env: { DATABASE_URL: undefined, DURABLE_MCP_STORE: undefined, LOG_LEVEL: undefined },
    ready: 'healthz',
    port,
  });
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

export async function runGateway(config: Config, resources: Resources): Promise<GatewayResults> {
  const store = await resources.newStore('postgres');
  const upstreamPort = await freePort();
  let upstream = await startUpstream(upstreamPort);
  const profiled = config.profile === 'always' || config.sections.has('profile');
  const profileDir = profiled ? resources.tempDir('gateway-prof') : undefined;
  const profileAt = config.connections.includes(16) ? 16 : config.connections[0]!;
  let profileWindow: { fromUs: number; toUs: number } | undefined;
  const gateway = await startGateway(upstream.url, store.url, undefined, profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : undefined);
  const client = new HttpClient(8);
  const cells: GatewayCell[] = [];
  const reinitializeAddedMs: number[] = [];
  const reinitializeShortStreamWaitMs: number[] = [];
  let short: ServerProcess | undefined;
  const shape = requestShape(TARGETS.find((t) => t.id === 'b')!);
  try {
    const sessions = { direct: [] as string[], gateway: [] as string[] };
    const urls = { direct: upstream.url, gateway: gateway.url };
    for (const via of ['direct', 'gateway'] as const) expectEcho(await callLegacyEcho(client, urls[via], await openSession(client, urls[via])), `${via} sanity call`);
    for (const connections of config.connections) {
      for (const via of ['direct', 'gateway'] as const) {
        while (sessions[via].length < connections) sessions[via].push(await openSession(client, urls[via]));
        const perConnection = sessions[via].slice(0, connections).map((id) => ({ 'mcp-session-id': id }));
        const common = { url: urls[via], ...shape, connections, perConnection };
        await runLoad({ ...common, durationSec: config.warmupSec });
        const fromUs = monotonicUs();
        const before = cpuSnapshot();
        const load = await runLoad({ ...common, durationSec: config.durationSec });
        const after = cpuSnapshot();
        if (via === 'gateway' && connections === profileAt) profileWindow = { fromUs, toUs: monotonicUs() };
        const perRequest = (cores: number) => (cores * load.durationSec * 1000) / Math.max(1, load.ok);
        const upstreamCpu = cpuUsage(before, after, upstream.pid);
        const gatewayCpu = cpuUsage(before, after, gateway.pid);
        const cell: GatewayCell = {
          connections,
          via,
          load,
          upstreamCpuMs: perRequest(upstreamCpu.server),
          gatewayCpuMs: via === 'gateway' ? perRequest(gatewayCpu.server) : 0,
          othersCores: upstreamCpu.others,
        };
        cells.push(cell);
        const bad = load.non2xx + load.errors + load.mismatches + load.timeouts;
        log(
          `  gateway ${via} N=${connections}: ${load.rps.toFixed(0)} req/s, p50 ${load.p50Ms.toFixed(2)} ms, p99 ${load.p99Ms.toFixed(2)} ms, ` +
            `CPU/req upstream ${cell.upstreamCpuMs.toFixed(2)} ms, gateway ${cell.gatewayCpuMs.toFixed(2)} ms${bad > 0 ? `, ${bad} bad responses` : ''}`,
        );
      }
    }

    // Cold re-initialize: the upstream restarts (its sessions gone); a direct client warms the new process
    // first, so what is left of the gateway's first call is the re-initialize itself (404, initialize,
    // initialized, list check, re-send), not the new process's own JIT.
    const rounds = config.quick ? 3 : 7;
    const measure = async (url: string, into: number[], label: string) => {
      const session = await openSession(client, url);
      expectEcho(await callLegacyEcho(client, url, session), 'before restart');
      for (let round = 0; round < rounds; round++) {
        await upstream.kill();
        upstream = await startUpstream(upstreamPort);
        for (let i = 0; i < 3; i++) expectEcho(await callLegacyEcho(client, upstream.url, await openSession(client, upstream.url)), 'warm the new upstream');
        const first = await timed(async () => expectEcho(await callLegacyEcho(client, url, session), 'first call after the restart'));
        const normal = await timed(async () => expectEcho(await callLegacyEcho(client, url, session), 'second call'));
        into.push(first - normal);
        log(`  gateway${label}: first call after upstream restart ${first.toFixed(1)} ms, next ${normal.toFixed(1)} ms`);
      }
    };
    await measure(gateway.url, reinitializeAddedMs, '');
    const configFile = join(resources.tempDir('gateway-config'), 'gateway.json');
    writeFileSync(configFile, JSON.stringify({ upstreams: { up: { url: upstream.url, streamOpenTimeout: 100 } } }));
    short = await startGateway(upstream.url, store.url, configFile);
    await measure(short.url.replace(/\/mcp$/, '/mcp/up'), reinitializeShortStreamWaitMs, ' (streamOpenTimeout 100 ms)');
  } finally {
    client.close();
    await gateway.stop();
    await short?.stop();
    await upstream.stop();
    await store.cleanup();
  }
  // Written when the gateway exits (gracefully, above).
  const file = profileDir && readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
  if (profileDir && !file) log('  no .cpuprofile written for the gateway (did it exit cleanly?)');
  const profile = file && profileWindow ? { connections: profileAt, summary: summarizeProfile(join(profileDir, file), profileWindow) } : undefined;
  return { cells, reinitializeAddedMs, reinitializeShortStreamWaitMs, store: 'postgres', ...(profile && { profile }) };
}
