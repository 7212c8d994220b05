/**
 * Micro-benchmark of the gateway's stdio side, side by side with a stock SDK
 * v2 client that runs the same server with its own StdioClientTransport:
 *
 *   1. start-up: the first call after the child was SIGKILLed (the link:
 *      notice, new child through setpriv + sh, initialize, replay, list
 *      check, call) vs a stock client's spawn + initialize + first call;
 *   2. a warm call (echo) through the link vs the stock client: the relay's
 *      own added latency;
 *   3. memory per child: PSS (/proc/<pid>/smaps_rollup) of every process of
 *      a child's group (the wrapper sh and the server), for `--children`
 *      children at once, vs the stock client's server process alone.
 *
 *   node dist/bench/gateway-stdio.js [--restarts=8] [--calls=1000] [--children=8]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { createStdioUpstream, StdioUpstreamSession, type StdioUpstream } from '../src/gateway/stdio/index.js';
import { FIXTURE_STDIO, serverScript } from '../test/gateway/stdio/support/links.js';
import { groupMembers, processTable } from '../test/gateway/stdio/support/process-table.js';
import { median, summarize } from './stats.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const RESTARTS = arg('restarts', 8);
const CALLS = arg('calls', 1000);
const CHILDREN = arg('children', 8);
const clientInfo = { name: 'bench', version: '1' };
const initialize = { protocolVersion: '2025-11-25', capabilities: {}, clientInfo };
const fmt = (ms: number) => ms.toFixed(2);

interface Server {
  name: string;
  /** Default: this node. */
  command?: string;
  args: string[];
  cwd?: string;
  env?: Record<string, string>;
  call: { name: string; arguments: Record<string, unknown> };
}

const SERVERS: Server[] = [
  { name: 'server-memory', args: [serverScript('@modelcontextprotocol/server-memory')], env: { MEMORY_FILE_PATH: '/tmp/durable-mcp-bench-memory.jsonl' }, call: { name: 'read_graph', arguments: {} } },
  { name: 'server-everything', args: [serverScript('@modelcontextprotocol/server-everything'), 'stdio'], call: { name: 'echo', arguments: { message: 'hi' } } },
  // As most stdio servers are run: through npx (npm, a shell, then node), from the local install (no download).
  { name: 'server-memory via npx', command: 'npx', args: ['--no-install', 'mcp-server-memory'], cwd: ROOT, env: { MEMORY_FILE_PATH: '/tmp/durable-mcp-bench-memory.jsonl' }, call: { name: 'read_graph', arguments: {} } },
  { name: 'sdk-v2 fixture', args: [FIXTURE_STDIO], env: { FIXTURE_LOG: '/dev/null' }, call: { name: 'echo', arguments: { text: 'hi' } } },
];

function pssKiB(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8').split('\n').find((l) => l.startsWith('Pss:'));
    return Number(line?.split(/\s+/)[1] ?? 0);
  } catch {
    return 0;
  }
}

/** `pid` and every process under it. */
function descendants(pid: number): number[] {
  const table = processTable();
  const out = [pid];
  for (let i = 0; i < out.length; i++) for (const p of table) if (p.ppid === out[i]) out.push(p.pid);
  return out;
}

async function stockClient(server: Server): Promise<{ client: Client; transport: StdioClientTransport }> {
  const transport = new StdioClientTransport({ command: server.command ?? process.execPath, args: server.args, env: server.env ?? {}, stderr: 'ignore', ...(server.cwd && { cwd: server.cwd }) });
  const client = new Client(clientInfo, { versionNegotiation: { mode: 'legacy' } });
  await client.connect(transport);
  return { client, transport };
}

function linkOf(upstream: StdioUpstream): StdioUpstreamSession {
  const link = upstream.link({ initialize }, undefined, {});
  if (!(link instanceof StdioUpstreamSession)) throw new Error('expected an exclusive link');
  return link;
}

async function killServer(link: StdioUpstreamSession): Promise<void> {
  const pgid = link.pid;
  if (pgid === undefined) return;
  const members = groupMembers(pgid);
  for (const m of members) process.kill(m.pid, 'SIGKILL');
  // Measured from when the link knows its child is gone (a crash between calls), not from a zombie in /proc: a
  // killed node process shows Z while its threads still hold the pipes, and a call written then has an unknown outcome.
  while (link.pid === pgid) await new Promise((r) => setTimeout(r, 5));
}

async function bench(server: Server): Promise<void> {
  const upstream = createStdioUpstream({ command: server.command ?? process.execPath, args: server.args, env: server.env ?? {}, stopGraceMs: 500, ...(server.cwd && { cwd: server.cwd }) });
  let id = 0;
  const request = () => ({ jsonrpc: '2.0' as const, id: ++id, method: 'tools/call', params: server.call });
  try {
    const link = linkOf(upstream);
    await link.initialize();
    await link.request({ jsonrpc: '2.0', id: 'l', method: 'tools/list' });
    const first = { link: [] as number[], stock: [] as number[] };
    for (let i = 0; i < RESTARTS; i++) {
      for (const kind of i % 2 ? (['stock', 'link'] as const) : (['link', 'stock'] as const)) {
        if (kind === 'link') {
          await killServer(link);
          const started = performance.now();
          await link.request(request());
          first.link.push(performance.now() - started);
        } else {
          const started = performance.now();
          const { client } = await stockClient(server);
          await client.callTool(server.call);
          first.stock.push(performance.now() - started);
          await client.close();
        }
      }
    }
    const { client } = await stockClient(server);
    const warm = { link: [] as number[], stock: [] as number[] };
    const rounds = 10;
    for (let round = 0; round < rounds; round++) {
      for (const kind of round % 2 ? (['link', 'stock'] as const) : (['stock', 'link'] as const)) {
        for (let i = 0; i < CALLS / rounds; i++) {
          const started = performance.now();
          if (kind === 'link') await link.request(request());
          else await client.callTool(server.call);
          warm[kind].push(performance.now() - started);
        }
      }
    }
    // The stock transport's child is the server itself, or npx: then the server is among npx's descendants.
    const stockPid = (client.transport as StdioClientTransport | undefined)?.pid ?? undefined;
    const stockPss = stockPid ? descendants(stockPid).reduce((sum, pid) => sum + pssKiB(pid), 0) : NaN;
    await client.close();
    const steady = (samples: number[]) => summarize(samples.slice(samples.length / 4));
    const wl = steady(warm.link);
    const ws = steady(warm.stock);
    console.log(`${server.name}`);
    console.log(`  first call after a child restart, median of ${RESTARTS}: link ${fmt(median(first.link))} ms, stock spawn+initialize+call ${fmt(median(first.stock))} ms (ratio ${(median(first.link) / median(first.stock)).toFixed(2)}x)`);
    console.log(`  warm ${server.call.name}, p50: link ${fmt(wl.p50)} ms, stock ${fmt(ws.p50)} ms (added ${fmt(wl.p50 - ws.p50)} ms; p99 ${fmt(wl.p99)} vs ${fmt(ws.p99)})`);

    const links = [link, ...Array.from({ length: CHILDREN - 1 }, () => linkOf(upstream))];
    await Promise.all(links.map((l) => l.request(request())));
    await new Promise((r) => setTimeout(r, 500));
    const wrapper: number[] = [];
    const serverPss: number[] = [];
    for (const l of links) {
      wrapper.push(pssKiB(l.pid!));
      serverPss.push(groupMembers(l.pid!).reduce((sum, m) => sum + pssKiB(m.pid), 0));
    }
    const mib = (kib: number) => (kib / 1024).toFixed(1);
    console.log(`  PSS per child with ${CHILDREN} running: server ${mib(median(serverPss))} MiB + wrapper sh ${mib(median(wrapper))} MiB = ${mib(median(serverPss) + median(wrapper))} MiB; a stock client's server (and what it runs) ${mib(stockPss)} MiB`);
  } finally {
    await upstream.drain();
  }
}

for (const server of SERVERS) await bench(server);
