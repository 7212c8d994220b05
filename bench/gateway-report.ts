/** The gateway section of the report: direct vs through the gateway, side by side, as ratios, against the targets. */
import type { ProfileSummary } from './profile.js';
import type { GatewayCell, GatewayResults } from './sections/gateway.js';
import { table } from './table.js';

/** The targets for the gateway (issue #13). */
export const GATEWAY_TARGETS = { addedP50MsAtN1: 1, throughputRatioAtN16: 0.6, reinitializeAddedMs: 20 } as const;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor(sorted.length / 2)]!;
};

export function gatewayMisses(results: GatewayResults): string[] {
  const misses: string[] = [];
  const pair = (n: number) => ({ direct: results.cells.find((c) => c.connections === n && c.via === 'direct'), gateway: results.cells.find((c) => c.connections === n && c.via === 'gateway') });
  const one = pair(1);
  if (one.direct && one.gateway && one.gateway.load.p50Ms - one.direct.load.p50Ms > GATEWAY_TARGETS.addedP50MsAtN1) misses.push('added p50 at N=1');
  const sixteen = pair(16);
  if (sixteen.direct && sixteen.gateway && sixteen.gateway.load.rps / sixteen.direct.load.rps < GATEWAY_TARGETS.throughputRatioAtN16) misses.push('throughput at N=16');
  if (median(results.reinitializeAddedMs) > GATEWAY_TARGETS.reinitializeAddedMs) misses.push('cold re-initialize');
  return misses;
}

export function gatewaySection(results: GatewayResults): string {
  const rows: string[] = [];
  const ns = [...new Set(results.cells.map((c) => c.connections))].sort((a, b) => a - b);
  for (const n of ns) {
    const direct = results.cells.find((c) => c.connections === n && c.via === 'direct');
    const gateway = results.cells.find((c) => c.connections === n && c.via === 'gateway');
    if (!direct || !gateway) continue;
    const row = (cell: GatewayCell, label: string, extra: string) =>
      `| ${n} | ${label} | ${cell.load.rps.toFixed(0)} | ${cell.load.p50Ms.toFixed(2)} | ${cell.load.p99Ms.toFixed(2)} | ${cell.upstreamCpuMs.toFixed(2)} | ${cell.gatewayCpuMs.toFixed(2)} | ${cell.othersCores.toFixed(2)} | ${extra} |`;
    rows.push(row(direct, 'direct', ''));
    const ratio = gateway.load.rps / direct.load.rps;
    const added = gateway.load.p50Ms - direct.load.p50Ms;
    rows.push(row(gateway, 'gateway', `${ratio.toFixed(2)}x direct req/s, +${added.toFixed(2)} ms p50`));
  }
  const reinit = results.reinitializeAddedMs;
  const short = results.reinitializeShortStreamWaitMs;
  const misses = gatewayMisses(results);
  return [
    '## Gateway: the same echo, direct vs through `durable-mcp gateway`',
    '',
    `Upstream: the SDK v2 stateful server of target (b), one process; the gateway in front of it on ${results.store}. Each client has its own session ` +
      'on the side it calls; cells interleaved per N. CPU ms per request is split between the two processes, which share the machine.',
    '',
    '| N | via | req/s | p50 ms | p99 ms | upstream CPU ms/req | gateway CPU ms/req | other load (cores) | vs direct |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---|',
    ...rows,
    '',
    `First call after an upstream restart (the new process already warmed by direct calls), minus the next call: median ${median(reinit).toFixed(1)} ms ` +
      `(${reinit.map((v) => v.toFixed(1)).join(', ')}). That is the gateway's cold re-initialize: the lost session noticed (a 404, or the upstream's stream refused it already), initialize in the client's name, initialized, re-send, ` +
      '(a client that declared no capabilities does not wait for the new upstream session\'s GET stream; one that did waits until a ping ' +
      `comes back, at most \`streamOpenTimeout\`). With \`streamOpenTimeout: 100\`: median ${median(short).toFixed(1)} ms (${short.map((v) => v.toFixed(1)).join(', ')}).`,
    '',
    `Targets: added p50 <= ${GATEWAY_TARGETS.addedP50MsAtN1} ms at N=1, >= ${GATEWAY_TARGETS.throughputRatioAtN16}x direct req/s at N=16, re-initialize <= ${GATEWAY_TARGETS.reinitializeAddedMs} ms: ` +
      (misses.length === 0 ? 'all met.' : `missed: ${misses.join(', ')}.`),
    ...(results.profile ? ['', ...profileTables(results.profile.connections, results.profile.summary)] : []),
  ].join('\n');
}

/** Where the gateway process's busy time went during its cell at N (`--profile`). */
function profileTables(connections: number, summary: ProfileSummary): string[] {
  const rows = (spots: ProfileSummary['areas'], code: boolean) => spots.slice(0, 12).map((s) => [code ? `\`${s.name}\`` : s.name, s.selfMs.toFixed(0), s.pct.toFixed(1)]);
  return [
    `### The gateway process at N=${connections} (\`node --cpu-prof\`, measured window only; % of its busy time, ${summary.busyMs.toFixed(0)} ms in ${summary.wallMs.toFixed(0)} ms)`,
    '',
    table(['Area', 'self ms', '%'], rows(summary.areas, false)),
    '',
    table(['Function', 'self ms', '%'], rows(summary.functions, true)),
    '',
    table(['durable-mcp function (inclusive: itself and all it calls)', 'ms', '%'], rows(summary.durableInclusive, true)),
  ];
}
