/**
 * Micro-benchmark of the gateway's upstream side (one process, loopback, the
 * SDK v2 404 fixture as the upstream in a child process):
 *
 *   1. an `echo` call through UpstreamSession.request() vs the same call from
 *      a stock SDK v2 Client, sequential, interleaved in rounds so machine
 *      noise hits both alike: the relay's own added latency (no front hop);
 *   2. the first call after an upstream SIGKILL + restart (404, re-initialize,
 *      replay, list check, re-send) vs a stock client connecting to the
 *      freshly restarted upstream and calling once: what recovery adds on top
 *      of the upstream's own cold start.
 *
 *   node dist/bench/gateway-upstream.js [--calls=2000] [--restarts=5]
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { resolveUpstreamConfig, UpstreamSession, type RecreatedInfo } from '../src/gateway/upstream/index.js';
import { UpstreamFixture } from '../test/gateway/support/upstreams.js';
import { median, summarize } from './stats.js';

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const CALLS = arg('calls', 2000);
const RESTARTS = arg('restarts', 5);
const clientInfo = { name: 'bench', version: '1' };

async function stockClient(url: string): Promise<Client> {
  const client = new Client(clientInfo, { versionNegotiation: { mode: 'legacy' } });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

function relaySession(url: string, recreated: RecreatedInfo[]): UpstreamSession {
  return new UpstreamSession({
    upstream: resolveUpstreamConfig({ url, backoff: { initialDelayMs: 20, maxDelayMs: 200 } }),
    client: { initialize: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo } },
    hooks: { onRecreated: (info) => recreated.push(info) },
  });
}

const fmt = (ms: number) => ms.toFixed(3);

async function main(): Promise<void> {
  const upstream = await UpstreamFixture.start('sdk-v2-404');
  const recreated: RecreatedInfo[] = [];
  try {
    const direct = await stockClient(upstream.url);
    const relay = relaySession(upstream.url, recreated);
    await relay.initialize();
    await relay.request({ jsonrpc: '2.0', id: 'l', method: 'tools/list' });
    const times = { direct: [] as number[], relay: [] as number[] };
    // CPU of this process per call: the client side only (the upstream is another process), and far less
    // sensitive than wall time to other work on a shared machine.
    const cpu = { direct: 0, relay: 0 };
    let id = 0;
    const rounds = 20;
    for (let round = 0; round < rounds; round++) {
      for (const kind of round % 2 ? (['relay', 'direct'] as const) : (['direct', 'relay'] as const)) {
        const cpuBefore = process.cpuUsage();
        for (let i = 0; i < CALLS / rounds; i++) {
          const started = performance.now();
          if (kind === 'direct') await direct.callTool({ name: 'echo', arguments: { text: 'hi' } });
          else await relay.request({ jsonrpc: '2.0', id: ++id, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hi' } } });
          times[kind].push(performance.now() - started);
        }
        const used = process.cpuUsage(cpuBefore);
        if (round >= rounds / 4) cpu[kind] += (used.user + used.system) / 1000;
      }
    }
    const perCall = (kind: 'direct' | 'relay') => cpu[kind] / ((CALLS * 3) / 4);
    // The first rounds warm the JIT on both sides; drop them.
    const steady = (samples: number[]) => summarize(samples.slice(samples.length / 4));
    const d = steady(times.direct);
    const r = steady(times.relay);
    console.log(`echo, sequential, ${CALLS} calls each (last 3/4 kept)`);
    console.log(`  stock SDK client   p50 ${fmt(d.p50)} ms  p99 ${fmt(d.p99)} ms  mean ${fmt(d.mean)} ms`);
    console.log(`  UpstreamSession    p50 ${fmt(r.p50)} ms  p99 ${fmt(r.p99)} ms  mean ${fmt(r.mean)} ms`);
    console.log(`  relay - stock      p50 ${fmt(r.p50 - d.p50)} ms  (ratio ${(r.p50 / d.p50).toFixed(2)}x)`);
    console.log(`  CPU per call       stock ${fmt(perCall('direct'))} ms, relay ${fmt(perCall('relay'))} ms (ratio ${(perCall('relay') / perCall('direct')).toFixed(2)}x)`);
    await direct.close();

    const relayFirst: number[] = [];
    const stockFirst: number[] = [];
    const warm: number[] = [];
    for (let i = 0; i < RESTARTS; i++) {
      for (const kind of i % 2 ? (['stock', 'relay'] as const) : (['relay', 'stock'] as const)) {
        await upstream.kill();
        await upstream.restart();
        const started = performance.now();
        if (kind === 'relay') {
          await relay.request({ jsonrpc: '2.0', id: ++id, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hi' } } });
          relayFirst.push(performance.now() - started);
          const again = performance.now();
          await relay.request({ jsonrpc: '2.0', id: ++id, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hi' } } });
          warm.push(performance.now() - again);
        } else {
          const client = await stockClient(upstream.url);
          await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
          stockFirst.push(performance.now() - started);
          await client.close();
        }
      }
    }
    // The same recovery on a warm upstream that forgot the session (ended with DELETE by another
    // instance): what recovery itself costs, without the restarted process's own cold start.
    const forgotten: number[] = [];
    const normal: number[] = [];
    const forgottenCpu: number[] = [];
    const normalCpu: number[] = [];
    const cpuMs = (since: NodeJS.CpuUsage) => {
      const used = process.cpuUsage(since);
      return (used.user + used.system) / 1000;
    };
    for (let i = 0; i < RESTARTS * 4; i++) {
      const other = new UpstreamSession({ upstream: resolveUpstreamConfig({ url: upstream.url, standaloneStream: false }), client: { initialize: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo } }, snapshot: relay.snapshot! });
      await other.terminate();
      let started = performance.now();
      let cpuStart = process.cpuUsage();
      await relay.request({ jsonrpc: '2.0', id: ++id, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hi' } } });
      forgotten.push(performance.now() - started);
      forgottenCpu.push(cpuMs(cpuStart));
      started = performance.now();
      cpuStart = process.cpuUsage();
      await relay.request({ jsonrpc: '2.0', id: ++id, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hi' } } });
      normal.push(performance.now() - started);
      normalCpu.push(cpuMs(cpuStart));
    }
    console.log(`first call after a warm upstream forgot the session (DELETE), median of ${forgotten.length}`);
    console.log(`  relay: 404 + re-initialize + replay + list check + re-send   ${fmt(median(forgotten))} ms (CPU ${fmt(median(forgottenCpu))} ms)`);
    console.log(`  relay, the call after                                       ${fmt(median(normal))} ms (CPU ${fmt(median(normalCpu))} ms)`);
    console.log(`first call after an upstream SIGKILL + restart, median of ${RESTARTS}`);
    console.log(`  stock client: connect + initialize + call   ${fmt(median(stockFirst))} ms`);
    console.log(`  relay: 404 + re-initialize + re-send        ${fmt(median(relayFirst))} ms  (re-initialize alone ${fmt(median(recreated.map((x) => x.durationMs)))} ms)`);
    console.log(`  relay, the call after                       ${fmt(median(warm))} ms`);
    relay.close();
  } finally {
    await upstream.dispose();
  }
}

await main();
