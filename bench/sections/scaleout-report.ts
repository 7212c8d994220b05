/**
 * The scale-out section as markdown, and its place in
 * docs/scaleout-results.md: the block between the `scaleout-bench` markers
 * is rewritten, the rest of that file (the hand-written reading) is left alone.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../harness/paths.js';
import type { Machine } from '../machine.js';
import type { ScaleoutResult } from './scaleout.js';

const f0 = (n: number) => n.toFixed(0);
const f2 = (n: number) => n.toFixed(2);
const f3 = (n: number) => n.toFixed(3);

export function renderScaleout(machine: Machine, r: ScaleoutResult): string {
  const base = r.cells.find((c) => c.instances === 1 && c.via === 'haproxy keep-alive');
  const out: string[] = [];
  out.push(`Machine: ${machine.nproc} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, Linux ${machine.kernel}, Node ${machine.node}; ${machine.date}.`);
  out.push(`${r.postgres}; ${r.haproxy}. Everything (instances, PostgreSQL, HAProxy, the load generator) shares these ${machine.nproc} CPUs.`);
  out.push('');
  out.push(
    `Throughput: \`echo\` tool calls (legacy session, SSE response, \`--log-level warn\`), ${r.connections} autocannon connections, ` +
      `each its own pre-initialized session (Mcp-Session-Id per connection), ${r.warmupSec} s warm-up, ${r.durationSec} s measured. ` +
      'CPU is cores used on average over the measured seconds (from /proc/<pid>/stat); "machine" is all processes (from /proc/stat).',
  );
  out.push('');
  out.push('| Setup | req/s | vs 1 instance | p50 ms | p99 ms | instances CPU (each) | PostgreSQL CPU | HAProxy CPU | load gen CPU | machine busy (not ours) | split of requests |');
  out.push('| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- |');
  for (const c of r.cells) {
    const errors = c.load.non2xx + c.load.errors + c.load.mismatches;
    out.push(
      `| ${c.label} | ${f0(c.load.rps)}${errors ? ` (${errors} errors)` : ''} | ${base ? `${f2(c.load.rps / base.load.rps)}x` : ''} | ${c.load.p50Ms.toFixed(1)} | ${c.load.p99Ms.toFixed(1)} | ` +
        `${f2(c.cpu.instances.reduce((a, b) => a + b, 0))} (${c.cpu.instances.map(f2).join(' + ')}) | ${c.cpu.postgres === undefined ? 'n/a' : f2(c.cpu.postgres)} | ` +
        `${f2(c.cpu.haproxy)} | ${f2(c.cpu.loadgen)} | ${f2(c.cpu.machine)} / ${machine.nproc} (${f2(c.cpu.other)}) | ${c.served.map((s) => `${Math.round(s * 100)}%`).join(' / ')} |`,
    );
  }
  out.push('');
  out.push('CPU per request (ms of CPU time per tool call, all cores):');
  out.push('');
  out.push('| Setup | durable-mcp (of which kernel) | PostgreSQL | HAProxy | load generator | whole machine |');
  out.push('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const c of r.cells) {
    const per = (cores: number) => f3((cores / c.load.rps) * 1000);
    out.push(
      `| ${c.label} | ${per(c.cpu.instances.reduce((a, b) => a + b, 0))} (${per(c.cpu.instancesSys)}) | ${c.cpu.postgres === undefined ? 'n/a' : per(c.cpu.postgres)} | ${per(c.cpu.haproxy)} | ${per(c.cpu.loadgen)} | ${per(c.cpu.machine)} |`,
    );
  }
  const x = r.crossInstance;
  if (!x) return out.join('\n');
  out.push('');
  out.push(
    'Cross-instance cost, one session, sequential calls on one keep-alive connection (per-request latency, no queueing), ' +
      `3 instances running, every instance's cache already holding the session (${x.rebuildsDuringWarm} rebuilds during the measurement):`,
  );
  out.push('');
  out.push('| Path | calls | p50 ms | mean ms | p99 ms | served by instance 1/2/3 |');
  out.push('| --- | ---: | ---: | ---: | ---: | --- |');
  for (const s of x.sequential) {
    out.push(`| ${s.path} | ${s.latency.count} | ${f3(s.latency.p50)} | ${f3(s.latency.mean)} | ${f3(s.latency.p99)} | ${s.spread.join(' / ')} |`);
  }
  const c = x.cold;
  out.push('');
  out.push(
    `Cache miss instead (the session is not live on the instance): ${c.sessions} sessions created and used on instance 1, then their first ` +
      `request sent to instance 2, which rebuilds each from PostgreSQL (${c.rebuilt} rebuilds counted): first request p50 ${f2(c.first.p50)} ms, ` +
      `p99 ${f2(c.first.p99)} ms; the second request on instance 2 p50 ${f2(c.second.p50)} ms, p99 ${f2(c.second.p99)} ms.`,
  );
  return out.join('\n');
}

const START = '<!-- scaleout-bench:start (written by `npm run bench -- --sections=scaleout`) -->';
const START_PREFIX = '<!-- scaleout-bench:start';
const END = '<!-- scaleout-bench:end -->';

/** Rewrites the marked block of docs/scaleout-results.md; returns the file's path. */
export function writeScaleoutDoc(section: string): string {
  const path = join(repoRoot(), 'docs/scaleout-results.md');
  const block = `${START}\n${section}\n${END}`;
  const current = existsSync(path) ? readFileSync(path, 'utf8') : '# Scale-out results\n';
  const a = current.indexOf(START_PREFIX);
  const b = current.indexOf(END);
  const next = a >= 0 && b > a ? current.slice(0, a) + block + current.slice(b + END.length) : `${current.trimEnd()}\n\n${block}\n`;
  writeFileSync(path, next);
  return path;
}
