/**
 * The bounds of a stdio upstream, with real processes: the child limit
 * (503 with Retry-After, and recovery when a child goes), idleness (the
 * child stops, the session stays and gets a new child), start-up (a missing
 * command, a child that exits, one that never answers), memory (RLIMIT_DATA
 * in every process of the group), and a stop that escalates to SIGKILL for a
 * child that ignores its input's end and SIGTERM. No process is left in any
 * child's group after any of them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toJsonRpcError, UpstreamCapacityError, UpstreamStartError } from '../../../src/gateway/upstream/index.js';
import { waitFor } from '../../../harness/timeout.js';
import { call, FIXTURE_STDIO, pidOf, StdioRig, textOf } from './support/links.js';
import { expectGroupsGone } from './support/process-table.js';

async function finish(...rigs: StdioRig[]): Promise<void> {
  const groups = rigs.flatMap((rig) => rig.pgids());
  for (const rig of rigs) await rig.dispose();
  await expectGroupsGone(groups);
}

const node = JSON.stringify(process.execPath);

describe('stdio upstream limits', () => {
  it('beyond maxChildren a new session is refused with a 503-mapped error and Retry-After; it is served once a child goes', async () => {
    const rig = StdioRig.fixture({ maxChildren: 2, retryAfterSeconds: 3 });
    try {
      const a = rig.link();
      const b = rig.link();
      await a.link.initialize();
      await b.link.initialize();
      const c = rig.link();
      const refused = await c.link.initialize().then(() => undefined, (error: unknown) => error);
      assert.ok(refused instanceof UpstreamCapacityError, `expected UpstreamCapacityError, got ${String(refused)}`);
      assert.equal(refused.status, 503);
      assert.equal(refused.retryAfterSeconds, 3);
      assert.equal(refused.mayHaveRun, false);
      assert.deepEqual(toJsonRpcError(refused, 1).error.data, { code: 'DURABLE_MCP_UPSTREAM_CAPACITY', mayHaveRun: false, retryAfterSeconds: 3 });
      assert.equal(rig.childEvents.filter((e) => e.type === 'capacity_refused').length, 1);
      assert.equal(rig.upstream.supervisor.live, 2);

      await a.link.close();
      await c.link.initialize();
      assert.equal(textOf(await c.link.request(call('echo', { text: 'third' }))), 'third');
      assert.equal(textOf(await b.link.request(call('echo', { text: 'second' }))), 'second');
    } finally {
      await finish(rig);
    }
  });

  it('an idle child is stopped; its session stays valid and gets a new child on its next request', async () => {
    const rig = StdioRig.fixture({ idleTimeoutMs: 300 });
    const { link, recreated } = rig.link();
    try {
      await link.initialize();
      assert.equal(textOf(await link.request(call('echo', { text: 'one' }))), 'one');
      await waitFor(() => rig.upstream.supervisor.live === 0, 10_000, 'the idle child to stop');
      const stopped = rig.childEvents.find((e) => e.type === 'child_transition' && e.to === 'stopping');
      assert.match(stopped && 'reason' in stopped ? stopped.reason : '', /idle for 300 ms/);
      await expectGroupsGone(rig.pgids());
      assert.equal(link.status, 'ready', 'the session is still valid');
      assert.equal(textOf(await link.request(call('echo', { text: 'two' }))), 'two');
      assert.equal(recreated.length, 1);
      assert.equal(recreated[0]!.reason, 'child-stopped');
      assert.equal(rig.log('initialize').length, 2);
    } finally {
      await finish(rig);
    }
  });

  it('a start that fails says why: command not found, an exit at boot with its stderr, no answer within the start-up bound', async () => {
    const noRetry = { startRetries: { maxRetries: 0 } };
    const missing = new StdioRig({ commandLine: 'durable-mcp-no-such-command --stdio', ...noRetry });
    const exits = new StdioRig({ commandLine: `echo 'config file missing' >&2; exit 3`, ...noRetry });
    const silent = new StdioRig({ commandLine: 'exec sleep 600', startupTimeoutMs: 500, ...noRetry });
    try {
      const notFound = await missing.link().link.initialize().then(() => undefined, (error: unknown) => error);
      assert.ok(notFound instanceof UpstreamStartError, String(notFound));
      assert.match(notFound.message, /code 127 \(command not found\)/);
      assert.match(notFound.message, /durable-mcp-no-such-command/);

      const exited = await exits.link().link.initialize().then(() => undefined, (error: unknown) => error);
      assert.ok(exited instanceof UpstreamStartError, String(exited));
      assert.match(exited.message, /exited with code 3; its stderr ended with: config file missing/);

      const started = Date.now();
      const timedOut = await silent.link().link.initialize().then(() => undefined, (error: unknown) => error);
      assert.ok(timedOut instanceof UpstreamStartError, String(timedOut));
      assert.match(timedOut.message, /no answer to initialize within 500 ms/);
      assert.ok(Date.now() - started < 10_000);
      for (const rig of [missing, exits, silent]) assert.equal(rig.upstream.supervisor.live, 0);
    } finally {
      await finish(missing, exits, silent);
    }
  });

  it('the memory bound is RLIMIT_DATA on every process of the child: set, and a child that allocates beyond it fails', async () => {
    const limit = 256 * 1024 * 1024;
    const shown = new StdioRig({ commandLine: `grep 'Max data size' /proc/self/limits >&2; exec ${node} ${JSON.stringify(FIXTURE_STDIO)}`, memoryLimitBytes: limit });
    const greedy = new StdioRig({
      command: process.execPath,
      args: ['-e', 'const kept = []; for (let i = 0; i < 64; i++) kept.push(Buffer.alloc(16 * 1024 * 1024, 1)); setInterval(() => {}, 1000)'],
      memoryLimitBytes: limit,
      startRetries: { maxRetries: 0 },
    });
    try {
      await shown.link().link.initialize();
      const line = shown.childEvents.find((e) => e.type === 'child_stderr' && e.line.startsWith('Max data size'));
      assert.ok(line && 'line' in line, 'the limit line on stderr');
      assert.match(line.line, new RegExp(`Max data size\\s+${limit}\\s+${limit}\\s+bytes`));

      const failed = await greedy.link().link.initialize().then(() => undefined, (error: unknown) => error);
      assert.ok(failed instanceof UpstreamStartError, String(failed));
      assert.match(failed.message, /Array buffer allocation failed|out of memory|exited with code|killed by/i);
    } finally {
      await finish(shown, greedy);
    }
  });

  it('drain: a child that ignores the end of its input and SIGTERM is SIGKILLed after the grace periods, with what it started', async () => {
    const rig = new StdioRig({
      // A helper in the background ignores SIGTERM as well (an ignored signal is inherited).
      commandLine: `trap '' TERM; sleep 600 & exec ${node} ${JSON.stringify(FIXTURE_STDIO)}`,
      env: { FIXTURE_STUBBORN: '1', FIXTURE_LOG: '/dev/null' },
      stopGraceMs: 300,
    });
    const { link } = rig.link();
    try {
      await link.initialize();
      assert.ok(pidOf(link));
      const started = Date.now();
      await rig.upstream.drain();
      const took = Date.now() - started;
      assert.ok(took >= 600, `two grace periods before SIGKILL, took ${took} ms`);
      const exited = rig.childEvents.find((e) => e.type === 'child_transition' && e.to === 'exited');
      assert.ok(exited && 'signal' in exited);
      assert.equal(exited.signal, 'SIGKILL');
      await expectGroupsGone(rig.pgids(), 2_000);
    } finally {
      await finish(rig);
    }
  });
});
