/**
 * The console's memory pages with 10,000 contexts, side by side with a
 * 60-context project (one full page) in the same run: page weight and time to
 * first render in Debian's Chromium (cold cache each time), and the server's
 * time for the HTML. Seeds through the import path, so import speed is
 * reported too.
 *
 *   node dist/bench/console.js [--contexts=10000] [--runs=15]
 *
 * Writes bench/results/console.md.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { memoryApp } from '../src/apps/memory/index.js';
import { sha256 } from '../src/apps/memory/transfer/export.js';
import { importMemory } from '../src/apps/memory/transfer/import.js';
import { FORMAT, FORMAT_VERSION, MANIFEST, type Manifest } from '../src/apps/memory/transfer/manifest.js';
import { buildZip } from '../src/apps/memory/transfer/zip.js';
import { openStore } from '../src/store/index.js';
import { CLI, repoRoot } from '../harness/paths.js';
import { freePort } from '../harness/ports.js';
import { spawnProcess } from '../harness/process.js';
import { removeTempDir, tempDir } from '../harness/temp.js';
import { describeMachine } from './machine.js';

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const CONTEXTS = arg('contexts', 10_000);
const RUNS = arg('runs', 15);
const WORDS = 'session store rebuild deploy token cache index query latency client server request stream event drain metric project memory context version archive'.split(' ');

function text(i: number): string {
  const words: string[] = [];
  for (let w = 0; w < 90; w += 1) words.push(WORDS[(i * 7 + w * 13) % WORDS.length]!);
  return `# Note ${i}\n\n${words.join(' ')}.\n`;
}

function exportOf(project: string, count: number): Uint8Array {
  const files = new Map<string, string>();
  const topics: Manifest['projects'][number]['topics'] = [];
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  for (let i = 0; i < count; i += 1) {
    const content = text(i);
    const file = `anonymous/${project}/contexts/note-${i}/v1.md`;
    files.set(file, content);
    topics.push({
      topic: `Note ${i}`,
      versions: [{ version: 1, priority: i % 50 === 0 ? 'important' : 'reference', tags: [`t${i % 20}`], createdAt: new Date(t0 + i * 1000).toISOString(), archived: false, file, sha256: sha256(content) }],
    });
  }
  const manifest: Manifest = { format: FORMAT, formatVersion: FORMAT_VERSION, exportedAt: new Date().toISOString(), generator: 'bench', projects: [{ principal: 'anonymous', name: project, topics, handovers: [] }] };
  files.set(MANIFEST, JSON.stringify(manifest));
  return buildZip(files, new Date());
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.9))]!;

async function main(): Promise<void> {
  const dir = tempDir('dmcp-bench-console');
  const storeUrl = `pglite:${join(dir, 'store')}`;
  const lines: string[] = [];
  try {
    const store = await openStore({ url: storeUrl });
    await store.migrate(memoryApp.name, memoryApp.migrations ?? []);
    const started = performance.now();
    await importMemory(store.db, exportOf('big', CONTEXTS));
    const importSeconds = (performance.now() - started) / 1000;
    await importMemory(store.db, exportOf('small', 60)); // a full page too, so the two pages differ only in project size
    await store.close();

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const server = await spawnProcess({
      name: 'durable-mcp serve (console bench)',
      args: [CLI, 'serve', '--port', String(port), '--store', storeUrl, '--log-level', 'warn'],
      ready: { probe: async () => (await fetch(`${base}/readyz`)).status === 200, everyMs: 100 },
      timeoutMs: 30_000,
    });
    const pages = (project: string) => ({
      contexts: `/console/memory/projects/${project}`,
      search: `/console/memory/projects/${project}/search?q=session+rebuild`,
      topic: `/console/memory/projects/${project}/topic?name=Note%205`,
    });
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    type Row = { page: string; project: string; htmlBytes: number; totalBytes: number; fcp: number[]; html: number[]; server: number[] };
    const rows: Row[] = [];
    for (const [name] of Object.entries(pages('big'))) {
      for (const project of ['small', 'big']) {
        const path = pages(project)[name as keyof ReturnType<typeof pages>];
        const row: Row = { page: name, project, htmlBytes: 0, totalBytes: 0, fcp: [], html: [], server: [] };
        for (let run = 0; run < RUNS + 1; run += 1) {
          const context = await browser.newContext();
          const page = await context.newPage();
          await page.goto(`${base}${path}`, { waitUntil: 'load' });
          // Paint timing is reported after load in headless Chromium: wait for it rather than read NaN.
          await page.waitForFunction(() => performance.getEntriesByName('first-contentful-paint').length > 0, undefined, { timeout: 10_000 });
          const t = await page.evaluate(() => {
            const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
            const res = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
            const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN;
            return { fcp, html: nav.responseEnd - nav.startTime, htmlBytes: nav.encodedBodySize, total: nav.transferSize + res.reduce((n, r) => n + r.transferSize, 0) };
          });
          await context.close();
          if (run === 0) continue; // warm-up: first compile of the route and the first queries
          row.fcp.push(t.fcp);
          row.html.push(t.html);
          row.htmlBytes = t.htmlBytes;
          row.totalBytes = t.total;
        }
        for (let i = 0; i < RUNS * 2; i += 1) {
          const t = performance.now();
          await (await fetch(`${base}${path}`)).text();
          row.server.push(performance.now() - t);
        }
        rows.push(row);
      }
    }
    await browser.close();
    await server.stop();

    const fmt = (n: number) => n.toFixed(1);
    const m = describeMachine();
    lines.push('# Console page bench', '', `Machine: ${m.nproc} vCPU ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node} (shared with other work).`, '', `Run: ${new Date().toISOString()}, ${RUNS} cold-cache Chromium loads and ${RUNS * 2} plain fetches per page; PGlite store (the default).`, '');
    lines.push(`Seeding ${CONTEXTS} contexts through import (the same lock path as the tools): ${importSeconds.toFixed(1)} s (${Math.round(CONTEXTS / importSeconds)} contexts/s).`, '');
    lines.push('| page | project | HTML bytes | page weight (HTML+CSS, transferred) | first contentful paint p50 / p90 ms | HTML received p50 ms | server HTML p50 ms (fetch) |', '|---|---|---:|---:|---:|---:|---:|');
    for (const r of rows) {
      lines.push(`| ${r.page} | ${r.project === 'big' ? `${CONTEXTS} contexts` : '60 contexts'} | ${r.htmlBytes} | ${r.totalBytes} | ${fmt(median(r.fcp))} / ${fmt(p90(r.fcp))} | ${fmt(median(r.html))} | ${fmt(median(r.server))} |`);
    }
    lines.push('', '| page | FCP ratio big/small | server ratio big/small |', '|---|---:|---:|');
    for (const name of Object.keys(pages('big'))) {
      const small = rows.find((r) => r.page === name && r.project === 'small')!;
      const big = rows.find((r) => r.page === name && r.project === 'big')!;
      lines.push(`| ${name} | ${(median(big.fcp) / median(small.fcp)).toFixed(2)}x | ${(median(big.server) / median(small.server)).toFixed(2)}x |`);
    }
    const report = `${lines.join('\n')}\n`;
    process.stdout.write(report);
    writeFileSync(join(repoRoot(), 'bench', 'results', 'console.md'), report);
  } finally {
    removeTempDir(dir);
  }
}

await main();
