/**
 * ops/grafana-dashboard.json against a real Prometheus (Debian's package)
 * scraping two real servers on one PostgreSQL store while they take traffic
 * (sessions created, evicted and rebuilt, rejected, deleted) and one of them
 * drains, and a real `durable-mcp gateway` in front of a real upstream that
 * is SIGKILLed in the middle of a write and restarted. Every panel's query is
 * then evaluated through Prometheus's HTTP API and must return numbers, the
 * upstream panels must show that restart, and no panel may name a metric
 * that nothing exports.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { createGatewayMetrics } from '../../src/gateway/ops/metrics.js';
import { repoRoot } from '../../harness/paths.js';
import { freePort } from '../../harness/ports.js';
import { spawnProcess, type ChildServer } from '../../harness/process.js';
import { removeTempDir, tempDir } from '../../harness/temp.js';
import { sleep, waitFor } from '../../harness/timeout.js';
import { findTool } from '../../harness/tools.js';
import { initializeMessage, openSession, post } from '../support/http.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startServer, type ServerProcess } from '../support/server-process.js';
import { connectV2, textOf } from '../gateway/support/gateway.js';
import { UpstreamFixture } from '../gateway/support/upstreams.js';

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
    // Every metric the gateway exports has a panel in the gateway row.
    const gatewayMetrics = new Registry();
    createGatewayMetrics(gatewayMetrics);
    const row = dashboard.panels.find((p) => p.type === 'row' && p.title === 'Gateway upstreams');
    assert.ok(row, 'a Gateway upstreams row');
    const inRow = JSON.stringify(dashboard.panels.filter((p) => p.gridPos.y > row.gridPos.y));
    const missing = gatewayMetrics.getMetricsAsArray().map((m) => m.name).filter((name) => !inRow.includes(name));
    assert.deepEqual(missing, [], 'gateway metrics without a panel');
    assert.doesNotMatch(dashboardText, /to come/i, 'no placeholder left');
  });

  describe('against a real Prometheus scraping real servers', () => {
    const dir = tempDir('dmcp-dashboard');
    let db: TestDatabase | undefined;
    let gatewayDb: TestDatabase | undefined;
    let upstream: UpstreamFixture | undefined;
    const servers: ServerProcess[] = [];
    let prometheus: ChildServer | undefined;
    after(async () => {
      await prometheus?.kill('SIGKILL');
      for (const s of servers) await s.kill('SIGKILL');
      await upstream?.dispose();
      await db?.drop();
      await gatewayDb?.drop();
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
      // A gateway (its own store) in front of an SDK v2 server that keeps its sessions in memory.
      upstream = await UpstreamFixture.start('sdk-v2-404');
      gatewayDb = await createTestDatabase();
      const gateway = await startServer({ command: 'gateway', store: gatewayDb.url, deploymentId: 'dep-dash-gw', args: ['--upstream', upstream.url] });
      servers.push(gateway);

      const port = await freePort();
      const targets = [a, b, gateway].map((s) => `127.0.0.1:${s.port}`);
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
      const query = async (expr: string) => {
        const body = (await (await fetch(`${api}/api/v1/query?${new URLSearchParams({ query: expr })}`)).json()) as {
          status: string;
          error?: string;
          data?: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
        };
        assert.equal(body.status, 'success', `${body.error} in ${expr}`);
        return (body.data?.result ?? []).map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
      };
      await until('the servers and the gateway scraped', async () => {
        const body = (await (await fetch(`${api}/api/v1/targets`)).json()) as { data: { activeTargets: Array<{ health: string }> } };
        return body.data.activeTargets.length === 3 && body.data.activeTargets.every((x) => x.health === 'up');
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

      // Through the gateway: calls on two front sessions, a write cut by a SIGKILL of the upstream (outcome unknown),
      // scrapes that see the upstream gone, the upstream back, and calls that re-initialize both upstream sessions.
      const clients = [await connectV2(gateway.url, 'dash-one'), await connectV2(gateway.url, 'dash-two')];
      const calls = async (label: string) => {
        for (const [i, { client }] of clients.entries()) {
          assert.equal(textOf(await client.callTool({ name: 'echo', arguments: { text: label } })), label);
          assert.equal(textOf(await client.callTool({ name: 'append', arguments: { line: `${label}-${i}` } })), `appended ${label}-${i}`);
        }
      };
      for (let round = 0; round < 10; round++) await calls(`before-${round}`);
      const cut = clients[0]!.client.callTool({ name: 'slow_append', arguments: { line: 'cut', ms: 20_000 } }).then(
        () => assert.fail('a write cut by the upstream crash must not succeed'),
        (error: unknown) => String(error),
      );
      await waitFor(() => upstream!.count('call', { tool: 'slow_append' }) === 1, 15_000, 'slow_append running upstream');
      await upstream.kill();
      assert.match(await cut, /may or may not have run/);
      await until('Prometheus sees the upstream unreachable', async () => (await query('durable_mcp_upstream_up == 0')).length === 1, 20_000);
      await upstream.restart();
      for (let round = 0; round < 10; round++) await calls(`after-${round}`);
      for (const { client } of clients) await client.close();
      await until('Prometheus sees the upstream back', async () => (await query('durable_mcp_upstream_up == 1')).length === 1, 20_000);

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
      assert.deepEqual(unknown, [], `panels name metrics that nothing exports: ${unknown.join(', ')}`);
      assert.ok(named.size >= 15, `the dashboard covers the metrics: ${[...named].join(', ')}`);

      const empty: string[] = [];
      const results = new Map<string, Array<{ metric: Record<string, string>; value: number }>>();
      for (const panel of queryPanels) {
        for (const target of panel.targets ?? []) {
          const expr = resolve(target.expr);
          const result = await query(expr).catch((error: unknown) => assert.fail(`${panel.title} / ${target.refId}: ${String(error)}`));
          results.set(`${panel.title} / ${target.refId}`, result);
          if (!result.some((r) => Number.isFinite(r.value))) empty.push(`${panel.title} / ${target.refId}: ${expr}`);
        }
      }
      assert.deepEqual(empty, [], 'every query returns at least one number');

      // The upstream panels show the restart: what was cut, what was re-initialized, what was answered.
      const total = (key: string, match: Record<string, string> = {}) =>
        (results.get(key) ?? []).filter((r) => Object.entries(match).every(([k, v]) => r.metric[k] === v)).reduce((n, r) => n + r.value, 0);
      assert.ok(total('Unknown outcomes / A', { upstream: 'default' }) >= 0.9, 'the cut write is counted');
      // One re-initialization per front session; increase() extrapolates, hence no exact count.
      assert.ok(total('Upstream re-initializations by reason / A', { upstream: 'default' }) >= 1.5, JSON.stringify(results.get('Upstream re-initializations by reason / A')));
      assert.ok(total('Upstream requests by status / A', { upstream: 'default', status: 'outcome_unknown' }) > 0);
      assert.ok(total('Upstream requests by status / A', { upstream: 'default', status: 'ok' }) > 0);
      assert.deepEqual(
        (await query(resolve('min_over_time(durable_mcp_upstream_up{job=~"$job", instance=~"$instance"}[5m])'))).map((r) => [r.metric.upstream, r.value]),
        [['default', 0]],
        'the reachability panel went to 0 while the upstream was down',
      );
    });
  });
});
