/** Markdown for the memory sections: the default store's footprint (6) and memory per live session (7). */
import { EXISTING_BOOT_TARGET_MS, FOOTPRINT_SESSIONS, FOOTPRINT_TARGET_MIB, footprintMedians, type FootprintResult } from './sections/footprint.js';
import { SESSION_TARGET_KIB, type SessionMemory } from './sections/session-memory.js';
import { table } from './table.js';

const f0 = (n: number): string => (Number.isFinite(n) ? n.toFixed(0) : '-');
const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : '-');
const ratio = (n: number): string => (Number.isFinite(n) ? `${n.toFixed(2)}x` : '-');
const verdict = (value: number, limit: number): string => (!Number.isFinite(value) ? 'n/a' : value <= limit ? 'meets' : 'MISSES');

export function footprintSection(result: FootprintResult): string {
  const runs = footprintMedians(result.runs);
  const rows = runs.map((r) => [
    r.engine,
    r.store,
    f0(r.readyMs),
    f0(r.insideMs),
    f0(r.atBoot.pssMiB),
    f0(r.afterSessions.pssMiB),
    ratio(r.afterSessions.pssMiB / FOOTPRINT_TARGET_MIB),
    f0(r.afterSessions.rssMiB),
    String(r.afterSessions.processes),
  ]);
  const checks = runs
    .filter((r) => r.engine !== 'postgres')
    .map(
      (r) =>
        `- ${r.engine}, ${r.store} store: ${f0(r.afterSessions.pssMiB)} MiB PSS - ${verdict(r.afterSessions.pssMiB, FOOTPRINT_TARGET_MIB)} the <= ${FOOTPRINT_TARGET_MIB} MiB target` +
        (r.store === 'existing' ? `; ready in ${f0(r.readyMs)} ms - ${verdict(r.readyMs, EXISTING_BOOT_TARGET_MS)} the <= ${EXISTING_BOOT_TARGET_MS} ms boot target` : ''),
    );
  return [
    `## 6. Footprint of \`durable-mcp serve\` with the default app: whole process tree, after ${FOOTPRINT_SESSIONS} sessions that each called \`wake_up\``,
    '',
    table(['Store', 'store', 'ready ms', 'inside ms', 'PSS at boot MiB', `PSS after ${FOOTPRINT_SESSIONS} sessions MiB`, `vs ${FOOTPRINT_TARGET_MIB} MiB`, 'RSS sum MiB', 'processes'], rows, 2),
    '',
    '`ready`: spawn to the `server_started` line; `inside`: that line\'s bootMs (store open, initdb on a new store, migrations, listen). ' +
      'PSS sums /proc/<pid>/smaps_rollup over the server and every descendant (an embedded PostgreSQL and its backends), shared pages divided among their sharers; ' +
      'the RSS sum counts shared pages once per process, so it overstates. A shared PostgreSQL is not part of the server\'s tree' +
      (result.postgresServer ? ` (the benchmark\'s own PostgreSQL server, with every database of the run: ${f0(result.postgresServer.pssMiB)} MiB PSS over ${result.postgresServer.processes} processes).` : '.'),
    '',
    ...checks,
  ].join('\n');
}

export function sessionMemorySection(results: readonly SessionMemory[]): string {
  const rows = results.map((r) => [r.label, String(r.sessions), f1(r.heapKiB), f1(r.externalKiB), f1(r.rssKiB), ratio(r.heapKiB / SESSION_TARGET_KIB), verdict(r.heapKiB + Math.max(0, r.externalKiB), SESSION_TARGET_KIB)]);
  const parts = [
    '## 7. Memory per live session (heap after N live sessions minus baseline, / N, GC forced)',
    '',
    table(['Server', 'sessions', 'JS heap KiB/session', 'external KiB/session', 'RSS KiB/session', `heap vs ${SESSION_TARGET_KIB} KiB`, 'check'], rows),
    '',
    'Each session: initialize, notifications/initialized, one tool call; all stay live (the live cache holds 1000). ' +
      'The readings come from a probe preloaded into the unchanged server (`--expose-gc --import bench/probes/heap.js`, SIGUSR2). RSS per session is noisy (allocator reuse) and shown for scale only.',
  ];
  for (const r of results) {
    if (r.growth.length === 0) continue;
    parts.push('', `### ${r.label}: what one session adds to the heap (heap snapshot diff)`, '', table(['Kind (constructor / closure / internal)', 'bytes per session'], r.growth.map((g) => [`\`${g.kind}\``, f0(g.bytes)])));
  }
  return parts.join('\n');
}
