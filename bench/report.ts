/**
 * Markdown for everything measured: printed to stdout and written to
 * bench/results/latest.md (raw numbers beside it in latest.json).
 */
import type { Config } from './config.js';
import type { Machine } from './machine.js';
import type { BootResult } from './sections/boot.js';
import { gatewaySection } from './gateway-report.js';
import type { GatewayResults } from './sections/gateway.js';
import type { ProfileSummary } from './profile.js';
import type { ProfiledCell, ProfiledStorm } from './sections/profile.js';
import type { RehydrationResult } from './sections/rehydration.js';
import type { RssResult } from './sections/rss.js';
import type { StormResult } from './sections/storm.js';
import type { ThroughputCell } from './sections/throughput.js';
import type { FootprintResult } from './sections/footprint.js';
import type { SessionMemory } from './sections/session-memory.js';
import { footprintSection, sessionMemorySection } from './report-memory.js';
import { table } from './table.js';
import type { StoreKind, TargetId } from './targets.js';
import { renderScaleout } from './sections/scaleout-report.js';
import type { ScaleoutResult } from './sections/scaleout.js';

export interface Results {
  machine: Machine;
  postgres: string | undefined;
  /** The code measured (commit, uncommitted changes). */
  source: string;
  /** Incidents during the run (a server that died, ...). */
  notes: string[];
  config: Pick<Config, 'quick' | 'connections' | 'durationSec' | 'warmupSec'>;
  throughput?: ThroughputCell[];
  rehydration?: RehydrationResult[];
  storm?: StormResult[];
  rss?: RssResult;
  boot?: BootResult[];
  footprint?: FootprintResult;
  sessionMemory?: SessionMemory[];
  gateway?: GatewayResults;
  profiles?: ProfiledCell[];
  rehydrationProfiles?: ProfiledStorm[];
  scaleout?: ScaleoutResult;
}

/** The durable legacy targets, each on its store. */
export const DURABLE_LEGACY: readonly TargetId[] = ['h', 'd', 'e'];
/** Throughput targets (issue #15): durable legacy sessions vs the SDK v1 + express example (g), SSE responses. */
export const THROUGHPUT_TARGETS: ReadonlyArray<{ connections: number; ratio: number }> = [
  { connections: 1, ratio: 1.0 },
  { connections: 16, ratio: 1.2 },
];
const targetAt = (connections: number): number | undefined => THROUGHPUT_TARGETS.find((t) => t.connections === connections)?.ratio;
/** Rehydration target: the first request after a restart adds <= 5 ms at p99. */
export const REHYDRATION_TARGET_MS = 5;

const f0 = (n: number): string => (Number.isFinite(n) ? n.toFixed(0) : '-');
const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : '-');
const f2 = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : '-');
const ratio = (n: number): string => (Number.isFinite(n) ? `${n.toFixed(2)}x` : '-');


export function rpsOf(cells: readonly ThroughputCell[], target: ThroughputCell['target'], connections: number): number {
  return cells.find((c) => c.target === target && c.connections === connections)?.load.rps ?? NaN;
}

/** Throughput target misses: [target, N, ratio] for durable legacy targets below their ratio to (g). */
export function throughputMisses(cells: readonly ThroughputCell[]): Array<{ target: TargetId; connections: number; ratio: number }> {
  const misses: Array<{ target: TargetId; connections: number; ratio: number }> = [];
  for (const cell of cells) {
    const wanted = targetAt(cell.connections);
    if (!DURABLE_LEGACY.includes(cell.target as TargetId) || wanted === undefined) continue;
    const r = cell.load.rps / rpsOf(cells, 'g', cell.connections);
    if (Number.isFinite(r) && r < wanted) misses.push({ target: cell.target as TargetId, connections: cell.connections, ratio: r });
  }
  return misses;
}

/** Stores whose first request after a restart added more than the target at p99. */
export function rehydrationMisses(results: readonly RehydrationResult[]): StoreKind[] {
  return results
    .filter((r) => {
      const first = r.phases.find((p) => p.phase === 'first after restart')?.latency.p99;
      const warm = r.phases.find((p) => p.phase === 'second after restart')?.latency.p99;
      return first !== undefined && warm !== undefined && first - warm > REHYDRATION_TARGET_MS;
    })
    .map((r) => r.engine);
}

function throughputSection(cells: readonly ThroughputCell[]): string {
  const rows = cells.map((c) => {
    const label = c.diagnostic ? `_${c.label}_ (diagnostic)` : c.label;
    const problems = c.load.non2xx + c.load.errors + c.load.mismatches + c.load.timeouts;
    return [
      label,
      String(c.connections),
      f0(c.load.rps),
      f2(c.load.p50Ms),
      f2(c.load.p99Ms),
      f0(c.memory.rssMiB),
      f2(c.cpu.server),
      f2(c.cpuMsPerRequest),
      f2(c.cpu.others),
      ratio(c.load.rps / rpsOf(cells, 'g', c.connections)),
      ratio(c.load.rps / rpsOf(cells, 'b', c.connections)),
      ratio(c.load.rps / rpsOf(cells, 'a', c.connections)),
      problems > 0 || c.serverErrors > 0 ? `${problems} bad / ${c.serverErrors} server errors` : 'ok',
    ];
  });
  const checks = cells
    .filter((c) => DURABLE_LEGACY.includes(c.target as TargetId))
    .map((c) => {
      const r = c.load.rps / rpsOf(cells, 'g', c.connections);
      const g = cells.find((x) => x.target === 'g' && x.connections === c.connections);
      const wanted = targetAt(c.connections);
      const verdict = wanted === undefined || !Number.isFinite(r) ? 'no target at this N' : `${r >= wanted ? 'meets' : 'MISSES'} the >= ${wanted.toFixed(1)}x target`;
      return (
        `- ${c.label}, N=${c.connections}: ${ratio(r)} of (g)'s throughput - ${verdict}` +
        (g ? `; server CPU per request ${f2(c.cpuMsPerRequest)} ms vs ${f2(g.cpuMsPerRequest)} ms (${ratio(c.cpuMsPerRequest / g.cpuMsPerRequest)})` : '')
      );
    });
  const statementRows = cells.flatMap((c) =>
    (c.statements ?? []).map((st) => [c.label, String(c.connections), `\`${st.query}\``, f2(st.calls / c.load.ok), f2(st.meanMs)]),
  );
  return [
    '## 1. Throughput: `echo` from N concurrent clients (one session each where there are sessions)',
    '',
    table(['Target', 'N', 'req/s', 'p50 ms', 'p99 ms', 'RSS MiB', 'server cores', 'CPU ms/req', 'other load', 'vs (g)', 'vs (b)', 'vs (a)', 'check'], rows),
    '',
    'RSS is the server process after that cell (earlier cells\' sessions still live). `server cores`: CPU the server used (1.00 = one core saturated); `CPU ms/req`: server CPU time per request served. ' +
      '`other load`: cores used during the cell by processes unrelated to the benchmark (anything above ~0.1 on this 2-CPU machine depresses every number in that row). ' +
      '`check`: non-2xx, socket errors, timeouts and wrong bodies seen by the load generator / error lines the server logged.',
    '',
    ...checks,
    ...(statementRows.length
      ? [
          '',
          'Statements the PostgreSQL target ran during the measured run (pg_stat_statements), per request served:',
          '',
          table(['Target', 'N', 'Statement', 'per request', 'mean ms'], statementRows, 3),
        ]
      : []),
  ].join('\n');
}

function rehydrationSection(results: readonly RehydrationResult[]): string {
  const rows: string[][] = [];
  const checks: string[] = [];
  for (const r of results) {
    for (const p of r.phases) rows.push([r.engine, p.phase, f2(p.latency.p50), f2(p.latency.p99), f2(p.latency.mean), f2(p.latency.max)]);
    const first = r.phases.find((p) => p.phase === 'first after restart')?.latency;
    const warm = r.phases.find((p) => p.phase === 'second after restart')?.latency;
    const deploy = r.phases.find((p) => p.phase === 'first after deploy')?.latency;
    if (first && warm) {
      const added = first.p99 - warm.p99;
      checks.push(
        `- ${r.engine}: the first request after a restart is ${f2(first.p50 - warm.p50)} ms slower at p50 and ${f2(added)} ms at p99 - ` +
          `${added <= REHYDRATION_TARGET_MS ? 'meets' : 'MISSES'} the <= ${REHYDRATION_TARGET_MS} ms target. ` +
          `Per session (first minus second, back to back): p50 ${f2(r.addedAfterRestart.p50)} ms, p99 ${f2(r.addedAfterRestart.p99)} ms` +
          (deploy ? `; after a deploy (new deployment id) p50 ${f2(r.addedAfterDeploy.p50)} ms, p99 ${f2(r.addedAfterDeploy.p99)} ms` : '') +
          `. Restarted process ready in ${f0(r.restartReadyMs)} ms.`,
      );
    }
  }
  return [
    `## 2. First request after a restart (rehydration) vs warm, ${results[0]?.sessions ?? '?'} sessions, sequential`,
    '',
    table(['Store', 'Request', 'p50 ms', 'p99 ms', 'mean ms', 'max ms'], rows, 2),
    '',
    ...checks,
  ].join('\n');
}

function stormSection(results: readonly StormResult[]): string {
  const rows = results.map((r) => [
    r.engine,
    String(r.sessions),
    String(r.concurrency),
    f0(r.restartReadyMs),
    r.skipped > 0 ? `${r.served} served in ${f0(r.allServedMs)} (budget hit)` : f0(r.allServedMs),
    f0((r.served * 1000) / r.allServedMs),
    f1(r.latency.p50),
    f1(r.latency.p99),
    f1(r.latency.max),
    `${r.failed}${r.skipped ? ` (+${r.skipped} not attempted)` : ''}`,
    f2(r.cpuMsPerSession),
    f2(r.cpu.others),
    f0(r.memoryAfter.rssMiB),
  ]);
  return [
    '## 3. Reconnect storm: every session resumes right after a restart (SIGKILL)',
    '',
    table(['Store', 'Sessions', 'In flight', 'restart ready ms', 'all served ms', 'sessions/s', 'p50 ms', 'p99 ms', 'max ms', 'failed', 'CPU ms/session', 'other load', 'RSS after MiB'], rows),
    '',
    '`all served` runs from the restarted process being ready to the last session\'s first response (each session\'s first request rebuilds it from the store). ' +
      '`CPU ms/session`: server CPU per session served (one rebuild plus one echo call).',
  ].join('\n');
}

function rssSection(rss: RssResult): string {
  const storeRows = rss.storeSize.map((r) => {
    const baseline = rss.storeSize.find((x) => x.engine === r.engine);
    return [
      r.engine,
      String(r.sessionsInStore),
      f0(r.fillMs),
      f0(r.boot.rssMiB),
      f0(r.afterTraffic.rssMiB),
      baseline && baseline !== r ? `${(r.afterTraffic.rssMiB - baseline.afterTraffic.rssMiB >= 0 ? '+' : '')}${f0(r.afterTraffic.rssMiB - baseline.afterTraffic.rssMiB)}` : '-',
    ];
  });
  const httpRows = rss.httpCreated.map((r) => {
    const baseline = rss.httpCreated.find((x) => x.engine === r.engine);
    const delta = baseline && baseline !== r ? r.after.rssMiB - baseline.after.rssMiB : undefined;
    const perThousand = delta !== undefined && baseline ? (delta * 1000) / (r.sessionsCreated - baseline.sessionsCreated) : undefined;
    return [
      r.engine,
      r.sessionsCreated < r.sessionsWanted ? `${r.sessionsCreated} (of ${r.sessionsWanted}; time budget)` : String(r.sessionsCreated),
      f0(r.createMs),
      f0((r.sessionsCreated * 1000) / r.createMs),
      f0(r.boot.rssMiB),
      f0(r.after.rssMiB),
      f0(r.after.hwmMiB),
      delta === undefined ? '-' : `${delta >= 0 ? '+' : ''}${f0(delta)}`,
      perThousand === undefined ? '-' : f1(perThousand),
      r.milestones.map((m) => `${m.sessions / 1000}k: ${f0(m.rssMiB)}`).join(', ') || '-',
    ];
  });
  return [
    '## 4. Server RSS versus number of sessions',
    '',
    'Sessions already in the store (inserted through the store API), then the same traffic (100 sampled sessions x 5 echo calls):',
    '',
    table(['Store', 'Sessions in store', 'fill ms', 'RSS at boot MiB', 'RSS after traffic MiB', 'delta MiB'], storeRows),
    '',
    'Sessions created through real `initialize` + `notifications/initialized` over HTTP (32 in flight):',
    '',
    table(['Store', 'Sessions created', 'create ms', 'sessions/s', 'RSS before MiB', 'RSS after MiB', 'peak RSS MiB', 'delta MiB', 'MiB per 1000 sessions', 'RSS MiB while creating'], httpRows),
    '',
    'RSS is read 1 s after the last request. The live cache holds at most 1000 sessions (--max-live-sessions default); older ones are evicted and rebuilt on demand.',
  ].join('\n');
}

function bootSection(results: readonly BootResult[]): string {
  const rows = results.map((r) => [r.scenario, f0(r.readyMs), r.insideMs === undefined ? '-' : f0(r.insideMs), f0(r.maxReadyMs), String(r.repeats)]);
  return [
    '## 5. Cold boot of `durable-mcp serve`: spawn to the `server_started` log line',
    '',
    table(['Store', 'median ms', 'inside the process ms', 'max ms', 'runs'], rows),
    '',
    '`inside the process` is the line\'s `bootMs` (store open, migrations, listen); the rest is Node start-up and module loading.',
  ].join('\n');
}

/** Self-time areas that are the store's client: the pg driver, or PGlite (its JS and its WASM). */
const STORE_AREAS = /^(pg|pg-pool|pg-protocol|pg-types|@electric-sql\/pglite|wasm:\/\/.*|durable-mcp src\/store.*)$/;

function profileSection(cells: readonly ProfiledCell[]): string {
  const reference = cells.find((c) => c.target === 'g') ?? cells.find((c) => c.target === 'b');
  const rows = cells.map((c) => {
    const store = c.summary?.areas.filter((a) => STORE_AREAS.test(a.name)).reduce((sum, a) => sum + a.pct, 0);
    return [
      c.label,
      f0(c.load.rps),
      f2(c.load.p50Ms),
      f2(c.cpu.server),
      f2(c.cpu.others),
      f2(c.cpuMsPerRequest),
      reference ? ratio(c.cpuMsPerRequest / reference.cpuMsPerRequest) : '-',
      store === undefined ? '-' : f1(store),
    ];
  });
  const parts = [
    `## Profiles: where the server's time goes (N=${cells[0]?.connections ?? '?'}, \`node --cpu-prof\`, measured window only)`,
    '',
    table(['Target', 'req/s', 'p50 ms', 'server cores', 'other load', 'server CPU ms/request', `vs ${reference ? reference.label.slice(0, 3) : '(g)'}`, 'store client % of CPU'], rows),
    '',
    '`server CPU ms/request` (server CPU time / requests served) does not depend on how much CPU the machine had left, so it is the fairest comparison on a shared machine: ' +
      'with the server CPU-bound on a core of its own, throughput is its inverse. `store client`: self time in the pg driver or PGlite (JS + WASM).',
  ];
  for (const c of cells) {
    if (!c.summary) continue;
    parts.push(
      '',
      `### ${c.label}: top self time (% of the server's busy time)`,
      '',
      table(['Area', 'self ms', '%'], c.summary.areas.slice(0, 10).map((a) => [a.name, f0(a.selfMs), f1(a.pct)])),
      '',
      table(['Function', 'self ms', '%'], c.summary.functions.slice(0, 12).map((a) => [`\`${a.name}\``, f0(a.selfMs), f1(a.pct)])),
      ...inclusiveTable(c.summary),
    );
  }
  return parts.join('\n');
}

function rehydrationProfileSection(cells: readonly ProfiledStorm[], throughput: readonly ThroughputCell[] | undefined): string {
  const parts = ['## Profiles: what a session rebuild costs (a profiled reconnect storm, 64 in flight)', ''];
  const warmTarget: Record<StoreKind, TargetId> = { 'embedded-postgres': 'h', pglite: 'd', postgres: 'e' };
  parts.push(
    table(
      ['Store', 'sessions', 'sessions/s', 'server CPU ms/session', 'warm CPU ms/request', 'store client % of CPU'],
      cells.map((c) => {
        const warm = throughput?.filter((t) => t.target === warmTarget[c.engine]).sort((a, b) => b.connections - a.connections)[0];
        const store = c.summary?.areas.filter((a) => STORE_AREAS.test(a.name)).reduce((sum, a) => sum + a.pct, 0);
        return [
          c.engine,
          String(c.storm.served),
          f0((c.storm.served * 1000) / c.storm.allServedMs),
          f2(c.storm.cpuMsPerSession),
          warm ? `${f2(warm.cpuMsPerRequest)} (N=${warm.connections})` : '-',
          store === undefined ? '-' : f1(store),
        ];
      }),
    ),
  );
  for (const c of cells) {
    if (!c.summary) continue;
    parts.push(
      '',
      `### Rebuild storm on ${c.engine}: top self time`,
      '',
      table(['Area', 'self ms', '%'], c.summary.areas.slice(0, 10).map((a) => [a.name, f0(a.selfMs), f1(a.pct)])),
      '',
      table(['Function', 'self ms', '%'], c.summary.functions.slice(0, 12).map((a) => [`\`${a.name}\``, f0(a.selfMs), f1(a.pct)])),
      ...inclusiveTable(c.summary),
    );
  }
  return parts.join('\n');
}

function inclusiveTable(summary: ProfileSummary): string[] {
  if (summary.durableInclusive.length === 0) return [];
  return [
    '',
    table(['durable-mcp function (inclusive: itself and all it calls)', 'ms', '%'], summary.durableInclusive.slice(0, 12).map((a) => [`\`${a.name}\``, f0(a.selfMs), f1(a.pct)])),
  ];
}

export function renderReport(results: Results): string {
  const m = results.machine;
  const parts = [
    '# durable-mcp benchmark results',
    '',
    `Machine: ${m.nproc} CPUs (nproc), ${m.cpuModel}, ${m.memoryGiB} GiB, Linux ${m.kernel}; Node ${m.node}; ${m.date}. Code: ${results.source}.`,
    `PostgreSQL: ${results.postgres ?? 'not used'}. Load generator: autocannon (programmatic) in the benchmark process, loopback 127.0.0.1; ` +
      `every server is its own child process. ${results.config.warmupSec} s warmup + ${results.config.durationSec} s measured per cell` +
      `${results.config.quick ? ' (--quick run)' : ''}.`,
  ];
  if (results.notes.length) parts.push('', '**Incidents during this run:**', '', ...results.notes.map((n) => `- ${n}`));
  if (results.throughput?.length) parts.push('', throughputSection(results.throughput));
  if (results.rehydration?.length) parts.push('', rehydrationSection(results.rehydration));
  if (results.storm?.length) parts.push('', stormSection(results.storm));
  if (results.rss) parts.push('', rssSection(results.rss));
  if (results.boot?.length) parts.push('', bootSection(results.boot));
  if (results.footprint?.runs.length) parts.push('', footprintSection(results.footprint));
  if (results.sessionMemory?.length) parts.push('', sessionMemorySection(results.sessionMemory));
  if (results.gateway) parts.push('', gatewaySection(results.gateway));
  if (results.profiles?.length) parts.push('', profileSection(results.profiles));
  if (results.rehydrationProfiles?.length) parts.push('', rehydrationProfileSection(results.rehydrationProfiles, results.throughput));
  if (results.scaleout) parts.push('', '## Scale-out (HAProxy, 1 to 3 instances on one PostgreSQL)', '', renderScaleout(results.machine, results.scaleout));
  return parts.join('\n') + '\n';
}
