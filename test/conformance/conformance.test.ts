/**
 * The official MCP conformance suite (@modelcontextprotocol/conformance)
 * against durable-mcp as users run it: real `durable-mcp serve` processes on
 * PGlite stores, auth off on loopback.
 *
 * - `2025-11-25`: the stable line (0.1.x) against the conformance fixture app.
 * - `2025-11-25@alpha`: the 0.2.0-alpha line at the 2025-11-25 wire, same app
 *   (it adds session-lifecycle, per-message wire-schema checks, and a
 *   server-sse-polling that really exercises the resume: the stable one sends
 *   a 2025-03-26 protocol header and so never gets a stream to resume).
 * - `2026-07-28`: the alpha line at the 2026-07-28 (stateless) wire.
 * - `default-app/*`: the transport scenarios against the app `serve` runs by default.
 * - `restart/*`: the 2025-11-25 suite again through a proxy that SIGKILLs and
 *   restarts the server, on the same store, inside every scenario (see
 *   restart-proxy.ts). Durability must not cost conformance.
 *
 * Failing scenarios must match test/conformance/expected-failures.json exactly.
 * When the suite cannot run here (no registry access, no Node >= 22), the
 * tests fail with the reason, by hand as in CI: a suite that did not run is
 * never a pass.
 */
import assert from 'node:assert/strict';
import { removeTempDir } from '../../harness/temp.js';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { compareWithExpected, loadExpectedFailures, lostChecks, renderTable, type ExpectedFailure, type RunOutcome } from './expectations.js';
import { startRestartProxy, type RestartProxy } from './restart-proxy.js';
import { runSuite, type ScenarioResult, type SuiteRun } from './runner.js';
import { cloneStore, killAllServers, serve, templateStore } from './server.js';
import { prepareConformanceTools, type ConformanceTools, type SuiteLine } from './tools.js';

const FIXTURE_APP = fileURLToPath(new URL('./fixture-app.js', import.meta.url));
const DEFAULT_APP = fileURLToPath(new URL('./default-app.js', import.meta.url));

type Target = 'fixture' | 'default-app' | 'restart';

interface RunSpec {
  id: string;
  target: Target;
  line: SuiteLine;
  specVersion: SuiteRun['specVersion'];
  /** Default: every scenario of the revision. */
  scenarios?: readonly string[];
}

/** The transport-level scenarios: they need no fixture tools, so they also run against the default app. */
const TRANSPORT_2025 = ['server-initialize', 'ping', 'server-sse-polling', 'server-sse-multiple-streams', 'dns-rebinding-protection'];

const RUNS: readonly RunSpec[] = [
  { id: '2025-11-25', target: 'fixture', line: 'conformance-stable', specVersion: '2025-11-25' },
  { id: '2025-11-25@alpha', target: 'fixture', line: 'conformance-next', specVersion: '2025-11-25' },
  { id: '2026-07-28', target: 'fixture', line: 'conformance-next', specVersion: '2026-07-28' },
  { id: 'default-app/2025-11-25', target: 'default-app', line: 'conformance-stable', specVersion: '2025-11-25', scenarios: TRANSPORT_2025 },
  {
    id: 'default-app/2025-11-25@alpha',
    target: 'default-app',
    line: 'conformance-next',
    specVersion: '2025-11-25',
    scenarios: [...TRANSPORT_2025, 'server-session-lifecycle'],
  },
  {
    id: 'default-app/2026-07-28',
    target: 'default-app',
    line: 'conformance-next',
    specVersion: '2026-07-28',
    scenarios: ['server-sse-multiple-streams', 'dns-rebinding-protection'],
  },
  { id: 'restart/2025-11-25', target: 'restart', line: 'conformance-stable', specVersion: '2025-11-25' },
  // The two 2025-era scenarios only the alpha line has right: a resume after the server died, and DELETE then 404.
  {
    id: 'restart/2025-11-25@alpha',
    target: 'restart',
    line: 'conformance-next',
    specVersion: '2025-11-25',
    scenarios: ['server-sse-polling', 'server-session-lifecycle'],
  },
];

const log = (line: string) => console.log(`# conformance: ${line}`);

describe('MCP conformance (official suite)', { timeout: 15 * 60_000 }, () => {
  let tools: ConformanceTools | undefined;
  let expected: ExpectedFailure[] = [];
  const outcomes = new Map<string, ScenarioResult[]>();
  const dirs: string[] = [];
  let proxy: RestartProxy | undefined;

  before(
    async () => {
      expected = loadExpectedFailures();
      try {
        tools = await prepareConformanceTools(log);
      } catch (error) {
        throw new Error(`the official conformance suite cannot run here: ${(error as Error).message}`, { cause: error });
      }
      const ready = tools;
      log(`suite: conformance-stable ${ready.versions['conformance-stable']}, conformance-next ${ready.versions['conformance-next']}; node ${ready.node}`);

      const started = Date.now();
      const template = await templateStore(FIXTURE_APP);
      dirs.push(template);
      const store = (name: string) => {
        const dir = cloneStore(template, name);
        dirs.push(dir);
        return `pglite:${dir}`;
      };
      const restartStore = store('restart');
      const [fixture, defaultApp, restartProxy] = await Promise.all([
        serve({ store: store('fixture'), app: FIXTURE_APP }),
        serve({ store: store('default-app'), app: DEFAULT_APP }),
        startRestartProxy({ start: () => serve({ store: restartStore, app: FIXTURE_APP }), log }),
      ]);
      proxy = restartProxy;
      log(`servers up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      const urls: Record<Target, string> = { fixture: fixture.url, 'default-app': defaultApp.url, restart: restartProxy.url };

      // One target's runs in sequence (a restart must not cut another run's scenario); the targets in parallel.
      const targets: Target[] = ['fixture', 'default-app', 'restart'];
      await Promise.all(
        targets.map(async (target) => {
          for (const spec of RUNS.filter((r) => r.target === target)) {
            const runStarted = Date.now();
            const results = await runSuite(ready, {
              line: spec.line,
              url: urls[target],
              specVersion: spec.specVersion,
              ...(spec.scenarios && { scenarios: spec.scenarios }),
            });
            outcomes.set(spec.id, results);
            log(`${spec.id}: ${results.filter((r) => r.passed).length}/${results.length} passed in ${((Date.now() - runStarted) / 1000).toFixed(1)} s`);
          }
        }),
      );

      const ordered: RunOutcome[] = RUNS.flatMap((spec) => (outcomes.has(spec.id) ? [{ run: spec.id, results: outcomes.get(spec.id)! }] : []));
      console.log(`\n${renderTable(ordered, expected)}\n`);
      const restarts = restartProxy.restarts;
      const downtimes = restarts.map((r) => r.downtimeMs).sort((a, b) => a - b);
      log(
        `restart runs: ${restarts.length} SIGKILL restarts (${restarts.filter((r) => r.reason === 'after-handshake').length} after a handshake, ` +
          `${restarts.filter((r) => r.reason === 'before-resume').length} before a stream resume); ` +
          `downtime median ${downtimes[Math.floor(downtimes.length / 2)] ?? 0} ms, max ${downtimes.at(-1) ?? 0} ms`,
      );
      log(`total ${((Date.now() - started) / 1000).toFixed(1)} s`);
    },
    { timeout: 12 * 60_000 },
  );

  after(async () => {
    await proxy?.close().catch(() => {});
    await killAllServers();
    for (const dir of dirs) removeTempDir(dir);
  });

  for (const spec of RUNS) {
    test(`${spec.id}: failing scenarios are exactly the expected ones`, () => {
      const results = outcomes.get(spec.id);
      assert.ok(results, `run ${spec.id} produced no results`);
      assert.ok(results.length > 0, `run ${spec.id} ran no scenarios`);
      const problems = compareWithExpected(spec.id, results, expected);
      assert.deepEqual(problems, [], `\n${problems.join('\n')}`);
    });
  }

  test('the restart runs really restarted the server inside the scenarios', () => {
    assert.ok(proxy);
    const restarts = proxy.restarts;
    const scenarios = RUNS.filter((r) => r.target === 'restart').reduce((n, r) => n + (outcomes.get(r.id)?.length ?? 0), 0);
    // Every scenario that continues a session after its handshake gets a restart; a few (e.g. DNS rebinding) never do.
    assert.ok(
      restarts.filter((r) => r.reason === 'after-handshake').length >= scenarios - 3,
      `only ${restarts.length} restarts for ${scenarios} scenarios: the proxy did not put a restart inside each scenario`,
    );
    assert.ok(
      restarts.some((r) => r.reason === 'before-resume'),
      'no restart happened between an SSE stream closing and its resume (server-sse-polling)',
    );
  });

  test('durability costs no conformance: every check that passes without restarts passes across them', () => {
    const pairs: Array<[string, string]> = [
      ['restart/2025-11-25', '2025-11-25'],
      ['restart/2025-11-25@alpha', '2025-11-25@alpha'],
    ];
    const problems = pairs.flatMap(([candidate, baseline]) =>
      lostChecks({ run: candidate, results: outcomes.get(candidate) ?? [] }, { run: baseline, results: outcomes.get(baseline) ?? [] }),
    );
    assert.deepEqual(problems, [], `\n${problems.join('\n')}`);
  });

  test('every expected failure names its issue and reason', () => {
    for (const entry of expected) {
      assert.ok(RUNS.some((r) => r.id === entry.run), `expected-failures.json names unknown run '${entry.run}'`);
      assert.ok(entry.reason.length > 20, `expected failure ${entry.run} ${entry.scenario} needs a real reason`);
    }
  });
});
