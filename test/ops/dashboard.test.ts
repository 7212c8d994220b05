/**
 * ops/grafana-dashboard.json against a real Prometheus (Debian's package)
 * scraping two real servers on one PostgreSQL store while they take traffic
 * (sessions created, evicted and rebuilt, rejected, deleted) and one of them
 * drains. Every panel's query is then evaluated through Prometheus's HTTP API
 * and must return numbers, and no panel may name a metric the server does not
 * export.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { repoRoot } from '../../harness/paths.js';
import { freePort } from '../../harness/ports.js';
import { spawnProcess, type ChildServer } from '../../harness/process.js';
import { removeTempDir, tempDir } from '../../harness/temp.js';
import { sleep } from '../../harness/timeout.js';
import { findTool } from '../../harness/tools.js';
import { initializeMessage, openSession, post } from '../support/http.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startServer, type ServerProcess } from '../support/server-process.js';

interface Target {
  refId: string;
  expr: string;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { uid: string };
  targets?: Target[];
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; query: unknown }> };
}

const dashboardText = readFileSync(join(repoRoot(), 'ops', 'grafana-dashboard.json'), 'utf8');
const dashboard = JSON.parse(dashboardText) as Dashboard;
const queryPanels = dashboard.panels.filter((p) => p.type !== 'row' && p.type !== 'text');

/** Grafana's variables as the test fills them: every job and instance, a rate window that covers the whole run. */
const resolve = (expr: string) => expr.replaceAll('$__rate_interval', '2m').replaceAll('$job', '.*').replaceAll('$instance', '.*');

describe('ops/grafana-dashboard.json', () => {
  test('is a dashboard Grafana imports as is: unique ids, a grid of 24 columns, every query on the chosen data source', () => {
    assert.equal(dashboard.uid, 'durable-mcp');
    assert.ok(dashboard.schemaVersion >= 36);
    const ids = dashboard.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
    for (const p of dashboard.panels) assert.ok(p.gridPos.x >= 0 && p.gridPos.x + p.gridPos.w <= 24 && p.gridPos.h > 0, `${p.title} fits the grid`);
    assert.ok(dashboard.templating.list.some((v) => v.name === 'datasource' && v.type === 'datasource' && v.query === 'prometheus'));
    assert.ok(queryPanels.length >= 15);
    for (const p of queryPanels) {
      assert.equal(p.datasource?.uid, '${datasource}', `${p.title} uses the data source variable`);
      assert.ok(p.targets && p.targets.length > 0, `${p.title} has queries`);
      assert.equal(new Set(p.targets.map((t) => t.refId)).size, p.targets.length, `${p.title}: refIds are unique`);
    }
    assert.match(dashboardText, /Gateway upstreams/, 'the place for the gateway panels is marked');
  });

  describe('against a real Prometheus scraping real servers', () => {
    const dir = tempDir('dmcp-dashboard');
    let db: TestDatabase | undefined;
    const servers: ServerProcess[] = [];
    let prometheus: ChildServer | undefined;
    after(async () => {
      await prometheus?.kill('SIGKILL');
      for (const s of servers) await s.kill('SIGKILL');
      await db?.drop();
      removeTempDir(dir);
    });

    test('every panel query returns numbers, and names only metrics the server exports', async () => {
      // A missing Prometheus fails the test, by hand as in CI: never a skip.
      const bin = findTool('prometheus');
      if (!bin) assert.fail('prometheus is not installed: install the Debian package "prometheus" (node scripts/ensure-tools.mjs prometheus, as root)');
      db = await createTestDatabase();
      // One live session per process: alternating between two sessions evicts and rebuilds on every call.
      const a = await startServer({ store: db.url, deploymentId: 'dep-dash-a', args: ['--max-live-sessions', '1'] });
      servers.push(a);
      const b = await startServer({ store: db.url, deploymentId: 'dep-dash-b', args: ['--drain-delay', '4s', '--grace-period', '1s'] });
      servers.push(b);

      const port = await freePort();
      const targets = [a, b].map((s) => `127.0.0.1:${s.port}`);
      writeFileSync(
        join(dir, 'prometheus.yml'),
        `global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\nscrape_configs:\n  - job_name: durable-mcp\n    static_configs:\n      - targets: [${targets.map((x) => `'${x}'`).join(', ')}]\n`,
      );
      const api = `http://127.0.0.1:${port}`;
      prometheus = await spawnProcess({
        name: 'prometheus',
        command: bin,
        args: [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
        ready: { probe: async () => (await fetch(`${api}/-/ready`)).status === 200, everyMs: 200 },
        timeoutMs: 30_000,
      });
      const promLog = () => `${prometheus!.logs.map((l) => String(l.msg ?? JSON.stringify(l))).join('\n')}\n${prometheus!.stderr()}`;
      const until = async (what: string, check: () => Promise<boolean>, ms = 30_000) => {
        const deadline = Date.now() + ms;
        while (!(await check().catch(() => false))) {
          if (Date.now() > deadline) assert.fail(`${what} within ${ms} ms; prometheus said: ${promLog().slice(-2000)}`);
          await sleep(200);
        }
      };
      await until('both servers scraped', async () => {
        const body = (await (await fetch(`${api}/api/v1/targets`)).json()) as { data: { activeTargets: Array<{ health: string }> } };
        return body.data.activeTargets.length === 2 && body.data.activeTargets.every((x) => x.health === 'up');
      });

      // Traffic on both for a few seconds, so every rate has samples on both sides of a change.
      const ping = (url: string, session?: string) => post(url, { jsonrpc: '2.0', id: 1, method: 'ping' }, session ? { sessionId: session } : {}).then((r) => r.text());
      const sessions = [await openSession(a.url), await openSession(a.url)];
      const onB = await openSession(b.url);
      const stopAt = Date.now() + 6000;
      while (Date.now() < stopAt) {
        for (const s of sessions) await ping(a.url, s); // each call evicts the other session: a rebuild every time
        await ping(b.url, onB);
        await ping(a.url, 'no-such-session'); // rejected: unknown
        await ping(a.url); // rejected: missing
        const ended = await openSession(a.url);
        await (await post(a.url, '', { method: 'DELETE', sessionId: ended })).text(); // terminated: a lifetime observed
        await (await post(b.url, initializeMessage())).text();
        await sleep(100);
      }

      // Drain B: readiness fails while it keeps serving, scrapes see it, then it exits.
      b.proc.kill('SIGTERM');
      await until('B reports draining', async () => (await fetch(b.url.replace(/\/mcp$/, '/readyz'))).status === 503, 5000);
      await sleep(2500);
      await fetch(b.url.replace(/\/mcp$/, '/readyz')).then((r) => r.text());
      await b.exited;
      await sleep(2000);

      // What Prometheus ingested from the two servers: every name either of them exported during the run.
      const names = (await (await fetch(`${api}/api/v1/label/__name__/values`)).json()) as { data: string[] };
      const exported = new Set(names.data);
      const named = new Set([...dashboardText.matchAll(/\b(?:durable_mcp|process|nodejs)_[a-z0-9_]+/g)].map((m) => m[0]));
      const unknown = [...named].filter((n) => !exported.has(n));
      assert.deepEqual(unknown, [], `panels name metrics the server does not export: ${unknown.join(', ')}`);
      assert.ok(named.size >= 15, `the dashboard covers the metrics: ${[...named].join(', ')}`);

      const empty: string[] = [];
      for (const panel of queryPanels) {
        for (const target of panel.targets ?? []) {
          const expr = resolve(target.expr);
          const res = await fetch(`${api}/api/v1/query?${new URLSearchParams({ query: expr })}`);
          const body = (await res.json()) as { status: string; error?: string; data?: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
          assert.equal(body.status, 'success', `${panel.title} / ${target.refId}: ${body.error} in ${expr}`);
          const numbers = (body.data?.result ?? []).map((r) => Number(r.value[1])).filter(Number.isFinite);
          if (numbers.length === 0) empty.push(`${panel.title} / ${target.refId}: ${expr}`);
        }
      }
      assert.deepEqual(empty, [], 'every query returns at least one number');
    });
  });
});
