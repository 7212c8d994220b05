/**
 * Several `durable-mcp serve` instances on one store, optionally behind a
 * real HAProxy (test/support/haproxy.ts), for the scale-out section.
 */
import { freePorts } from '../harness/ports.js';
import { startHaproxy, type Haproxy } from '../test/support/haproxy.js';
import type { ServerProcess } from './process.js';
import { startDurable } from './targets.js';

/** `n` instances, started one at a time: boots compete for the same cores, and the first one runs the migrations. */
export async function startFleet(store: string, n: number): Promise<ServerProcess[]> {
  const ports = await freePorts(n);
  const fleet: ServerProcess[] = [];
  for (const [i, port] of ports.entries()) {
    fleet.push(
      await startDurable({
        store,
        port,
        name: `durable-mcp-${i + 1}`,
        // BENCH_CPU_PROF_DIR=<dir>: a V8 CPU profile per instance, written when it stops.
        ...(process.env.BENCH_CPU_PROF_DIR && { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF_DIR] }),
      }),
    );
  }
  return fleet;
}

/** HAProxy round robin over the fleet, every server UP. */
export async function proxyFor(fleet: readonly ServerProcess[], serverConnections: 'close' | 'keep-alive'): Promise<Haproxy> {
  const proxy = await startHaproxy({ backends: fleet.map((p, i) => ({ name: `s${i + 1}`, port: p.port })), serverConnections });
  for (let i = 0; i < fleet.length; i++) await proxy.waitForStatus(`s${i + 1}`, 'UP', 20_000);
  return proxy;
}

/** A counter from an instance's /metrics (summed over the label sets that contain `labels`). */
export async function metric(proc: ServerProcess, name: string, labels = ''): Promise<number> {
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

/** Tool calls (POST 200) an instance answered so far. */
export const servedPosts = (proc: ServerProcess): Promise<number> => metric(proc, 'durable_mcp_http_requests_total', 'method="POST",status="200"');

/** Sessions an instance rebuilt from the store so far. */
export const rebuilt = (proc: ServerProcess): Promise<number> => metric(proc, 'durable_mcp_sessions_rehydrated_total');
