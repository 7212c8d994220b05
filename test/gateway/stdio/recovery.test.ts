/**
 * A child that dies is invisible to the client: the next request starts a
 * new child, initialized in the client's own name, with its log level and
 * subscriptions replayed, and the request goes through. A request that was
 * running in the dead child is sent again only if it cannot change anything.
 * The server process is SIGKILLed (not the wrapper that leads its group),
 * as a crash would end it. Every scenario ends with no process left in any
 * child's group.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OutcomeUnknownError, toJsonRpcError, UpstreamCancelledError, UpstreamClosedError } from '../../../src/gateway/upstream/index.js';
import { waitFor } from '../../../harness/timeout.js';
import { call, FIXTURE_STDIO, pidOf, rpc, serverScript, StdioRig, textOf } from './support/links.js';
import { expectGroupsGone, groupMembers, processTable } from './support/process-table.js';

/**
 * SIGKILLs the server (and whatever it started), as a crash would end it (not the wrapper that leads its group),
 * and waits until the gateway has seen the child exit: the crash happened between two calls. A call written in
 * the instant of a crash may rightly end as unknown: until the last thread of the dying server is gone, the kernel
 * still takes writes into its pipe. The EPIPE test below covers the window after that.
 */
async function crash(rig: StdioRig, pgid: number | undefined): Promise<void> {
  assert.ok(pgid, 'a child is running');
  await waitFor(() => groupMembers(pgid).length > 0, 10_000, 'the server process in the group');
  for (const member of groupMembers(pgid)) process.kill(member.pid, 'SIGKILL');
  await waitFor(() => rig.childEvents.some((e) => e.type === 'child_transition' && e.pid === pgid && e.to === 'exited'), 10_000, 'the child to exit');
}

describe('stdio upstream: the child dies', () => {
  it('three SIGKILLs of the child between calls: every call succeeds, one child per kill, each initialized in the client\'s name with its state replayed, every write once', async () => {
    const rig = StdioRig.fixture();
    const { link, recreated } = rig.link();
    try {
      await link.initialize();
      await link.request(rpc('logging/setLevel', { level: 'warning' }));
      await link.request(rpc('resources/subscribe', { uri: 'mem://note' }));
      await link.request(rpc('tools/list'));
      for (let i = 0; i < 4; i++) {
        assert.equal(textOf(await link.request(call('append', { line: `w${i}` }))), `appended w${i}`);
        if (i < 3) await crash(rig, pidOf(link));
      }
      const state = JSON.parse(textOf(await link.request(call('state')))) as { logLevel: string; subscriptions: string[] };
      assert.deepEqual({ logLevel: state.logLevel, subscriptions: state.subscriptions }, { logLevel: 'warning', subscriptions: ['mem://note'] });
      assert.deepEqual(rig.writes(), ['w0', 'w1', 'w2', 'w3'], 'every write exactly once');
      const inits = rig.log('initialize');
      assert.equal(inits.length, 4, 'one initialize per child');
      assert.ok(inits.every((e) => e.clientName === 'stdio-front-client'), 'each child was initialized with the client\'s own params');
      assert.ok(inits.every((e) => JSON.stringify(e.capabilities).includes('sampling')), 'with the client\'s capabilities');
      assert.equal(rig.log('setLevel').length, 4, 'the level was set once and replayed on each of the 3 new children');
      assert.equal(recreated.length, 3);
      for (const info of recreated) {
        assert.equal(info.reason, 'child-exited');
        assert.deepEqual(info.replayed, { logLevel: 'warning', subscriptions: 1 });
        assert.deepEqual(info.listsChanged, [], 'the same server lists the same tools');
      }
      assert.equal(rig.upstream.supervisor.live, 1, 'the dead children are gone from the count');
    } finally {
      const groups = rig.pgids();
      await rig.dispose();
      await expectGroupsGone(groups);
    }
  });

  it('a write running when its child is SIGKILLed fails as outcome unknown and is never re-run; a read-only one is re-run', async () => {
    const rig = StdioRig.fixture();
    const { link, events } = rig.link();
    try {
      await link.initialize();
      const pending = link.request(call('slow_append', { line: 'cut', ms: 20_000 }));
      const failed = pending.then(() => undefined, (error: unknown) => error);
      await waitFor(() => rig.log('call').some((e) => e.tool === 'slow_append'), 15_000, 'slow_append running');
      await crash(rig, pidOf(link));
      const error = await failed;
      assert.ok(error instanceof OutcomeUnknownError, `expected OutcomeUnknownError, got ${String(error)}`);
      assert.equal(error.attempts, 1, 'sent once');
      const wire = toJsonRpcError(error, 7);
      assert.deepEqual(wire.error.data, { code: 'DURABLE_MCP_OUTCOME_UNKNOWN', mayHaveRun: true });
      assert.equal(events.filter((e) => e.type === 'outcome_unknown').length, 1);

      const read = link.request(call('slow_read', { ms: 1_500 }));
      await waitFor(() => rig.log('call').some((e) => e.tool === 'slow_read'), 15_000, 'slow_read running');
      await crash(rig, pidOf(link));
      assert.match(textOf(await read), /^read done by \d+$/);
      assert.equal(rig.log('call').filter((e) => e.tool === 'slow_read').length, 2, 'the read ran again on the new child');
      const retries = events.flatMap((e) => (e.type === 'retry' && e.method === 'tools/call' ? [e] : []));
      assert.deepEqual(retries.map((e) => [e.reason, e.delayMs]), [['outcome-unknown', 0]], 'sent to the new child at once, not after a backoff');

      assert.equal(textOf(await link.request(call('append', { line: 'after' }))), 'appended after');
      assert.deepEqual(rig.writes(), ['after'], 'the cut write never completed and never ran again');
      assert.equal(rig.log('call').filter((e) => e.tool === 'slow_append').length, 1);
    } finally {
      const groups = rig.pgids();
      await rig.dispose();
      await expectGroupsGone(groups);
    }
  });

  it('server-everything (registry): three SIGKILLs between calls, and a read-only long operation cut mid-way is re-run with its progress relayed under the client\'s token', async () => {
    const rig = new StdioRig({ command: process.execPath, args: [serverScript('@modelcontextprotocol/server-everything'), 'stdio'] });
    const { link, recreated } = rig.link();
    try {
      const init = await link.initialize();
      assert.equal(init.serverInfo.name.includes('everything'), true, JSON.stringify(init.serverInfo));
      for (let i = 0; i < 4; i++) {
        assert.match(textOf(await link.request(call('echo', { message: `hello ${i}` }))), new RegExp(`hello ${i}`));
        if (i < 3) await crash(rig, pidOf(link));
      }
      assert.equal(recreated.length, 3);

      const progress: unknown[] = [];
      const operation = link.request(call('trigger-long-running-operation', { duration: 2, steps: 4 }, { _meta: { progressToken: 'client-token-1' } }), {
        onRelated: (message) => {
          if (message.method === 'notifications/progress') progress.push(message.params?.progressToken);
        },
      });
      await waitFor(() => progress.length >= 1, 15_000, 'the first progress notification');
      await crash(rig, pidOf(link));
      assert.match(textOf(await operation), /Long running operation completed/);
      assert.ok(progress.length >= 5, `progress from both runs, got ${progress.length}`);
      assert.ok(progress.every((token) => token === 'client-token-1'), 'every progress notification carries the client\'s own token');
      assert.equal(recreated.length, 4);
    } finally {
      const groups = rig.pgids();
      await rig.dispose();
      await expectGroupsGone(groups);
    }
  });

  it('server-memory (registry) with MEMORY_FILE_PATH: what it wrote survives a SIGKILL of its child, because it keeps it in its own file', async () => {
    const rig = new StdioRig({ command: process.execPath, args: [serverScript('@modelcontextprotocol/server-memory')] });
    const memoryFile = `${rig.dir}/memory.jsonl`;
    const withFile = new StdioRig({ command: process.execPath, args: [serverScript('@modelcontextprotocol/server-memory')], env: { MEMORY_FILE_PATH: memoryFile } });
    const { link } = withFile.link();
    try {
      await link.initialize();
      const entity = { name: 'durable-gateway', entityType: 'project', observations: ['runs stdio servers'] };
      await link.request(call('create_entities', { entities: [entity] }));
      await crash(withFile, pidOf(link));
      const graph = textOf(await link.request(call('read_graph')));
      assert.match(graph, /durable-gateway/);
      assert.match(graph, /runs stdio servers/);
    } finally {
      const groups = [...rig.pgids(), ...withFile.pgids()];
      await withFile.dispose();
      await rig.dispose();
      await expectGroupsGone(groups);
    }
  });

  it('a server-to-client request reaches the client and its answer the child; an answer for a child that has since been replaced is refused, never delivered to the new one', async () => {
    const rig = StdioRig.fixture();
    const { link } = rig.link();
    try {
      await link.initialize();
      const asked: Array<{ id: string | number }> = [];
      const sampled = link.request(call('ask_sampling', { prompt: 'two words' }), {
        onRelated: (message) => {
          if ('id' in message && message.method === 'sampling/createMessage') asked.push({ id: message.id });
        },
      });
      await waitFor(() => asked.length === 1, 15_000, 'the sampling request');
      const id = asked[0]!.id;
      await link.reply({ jsonrpc: '2.0', id, result: { role: 'assistant', content: { type: 'text', text: 'durable stdio' }, model: 'test' } });
      assert.equal(textOf(await sampled), 'sampled: durable stdio');

      // Asked again, then the child dies before the answer: the answer has nobody to go to.
      const again = link.request(call('ask_sampling', { prompt: 'again' }), {
        onRelated: (message) => {
          if ('id' in message && message.method === 'sampling/createMessage') asked.push({ id: message.id });
        },
      });
      const againFailed = again.then(() => undefined, (error: unknown) => error);
      await waitFor(() => asked.length === 2, 15_000, 'the second sampling request');
      await crash(rig, pidOf(link));
      assert.ok((await againFailed) instanceof OutcomeUnknownError, 'ask_sampling is not safe to repeat');
      await link.request(rpc('ping'));
      await assert.rejects(link.reply({ jsonrpc: '2.0', id: asked[1]!.id, result: { role: 'assistant', content: { type: 'text', text: 'late' }, model: 'test' } }), UpstreamClosedError);
      assert.notEqual(asked[0]!.id, asked[1]!.id);
    } finally {
      const groups = rig.pgids();
      await rig.dispose();
      await expectGroupsGone(groups);
    }
  });

  it('a client cancellation ends the wait at once and the child goes on serving', async () => {
    const rig = StdioRig.fixture();
    const { link } = rig.link();
    try {
      await link.initialize();
      const slow = call('slow_read', { ms: 20_000 });
      const pending = link.request(slow).then(() => undefined, (error: unknown) => error);
      await waitFor(() => rig.log('call').some((e) => e.tool === 'slow_read'), 15_000, 'slow_read running');
      assert.equal(await link.notify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: slow.id, reason: 'user' } }), true);
      assert.ok((await pending) instanceof UpstreamCancelledError);
      assert.equal(textOf(await link.request(call('echo', { text: 'still here' }))), 'still here');
    } finally {
      const groups = rig.pgids();
      await rig.dispose();
      await expectGroupsGone(groups);
    }
  });

  it('a request written after its server died, before the child\'s exit is known, fails with EPIPE and goes to a new child: a write, run once', async () => {
    // The server runs under a shell that outlives it by 3 s without reading its input: in between, the child is
    // still there but nobody reads the pipe.
    const node = JSON.stringify(process.execPath);
    const rig = StdioRig.fixture({ command: undefined, args: undefined, commandLine: `exec 3<&0; ${node} ${JSON.stringify(FIXTURE_STDIO)} <&3 3<&- & exec 0<&- 3<&-; wait $!; sleep 3` });
    const { link, recreated } = rig.link();
    try {
      await link.initialize();
      await link.request(rpc('tools/list'));
      const pgid = pidOf(link)!;
      const server = groupMembers(pgid).find((p) => p.cmdline.startsWith(process.execPath));
      assert.ok(server, 'the server process');
      process.kill(server.pid, 'SIGKILL');
      // Gone, not merely a zombie: a zombie leader's other threads may still hold its files (the pipe) open.
      await waitFor(() => !groupMembers(pgid).some((p) => p.pid === server.pid), 10_000, 'the server to be reaped');
      assert.equal(pidOf(link), pgid, 'the child (its shell) is still there');
      assert.equal(textOf(await link.request(call('append', { line: 'once' }))), 'appended once');
      assert.deepEqual(rig.writes(), ['once']);
      assert.ok(rig.childEvents.some((e) => e.type === 'child_transition' && e.to === 'stopping' && /EPIPE/.test(e.reason)), 'the refused write told');
      assert.equal(recreated[0]?.reason, 'child-exited');
    } finally {
      const groups = rig.pgids();
      await rig.dispose();
      await expectGroupsGone(groups);
    }
  });

  it('a child whose exit is known while its pipes are still held open elsewhere is not used again: the next request gets a new child', async () => {
    // A helper that leaves the process group (setsid) keeps the child's stdout open after the child exited, so
    // the pipes close late; until then the old child must not be mistaken for a live one.
    const node = JSON.stringify(process.execPath);
    const rig = StdioRig.fixture({ command: undefined, args: undefined, commandLine: `setsid sleep 4.37 & exec ${node} ${JSON.stringify(FIXTURE_STDIO)}`, requestRetries: { maxRetries: 2 } });
    const { link } = rig.link();
    try {
      await link.initialize();
      await link.request(rpc('tools/list'));
      const pgid = pidOf(link)!;
      for (const member of groupMembers(pgid)) process.kill(member.pid, 'SIGKILL');
      // The wrapper reaped too (by the gateway, which now knows of the exit), while the helper still holds stdout.
      await waitFor(() => !processTable().some((p) => p.pgid === pgid), 10_000, 'the group to be gone');
      assert.equal(rig.childEvents.filter((e) => e.type === 'child_transition' && e.to === 'exited').length, 0, 'the pipes are still open');
      assert.equal(textOf(await link.request(call('append', { line: 'after' }))), 'appended after');
      assert.deepEqual(rig.writes(), ['after']);
    } finally {
      for (const p of processTable().filter((p) => p.cmdline === 'sleep 4.37')) process.kill(p.pid, 'SIGKILL');
      const groups = rig.pgids();
      await rig.dispose();
      await expectGroupsGone(groups);
    }
  });

  it('a gateway restart: a session continued from its snapshot answers initialize without a child, starts one on its first request, and re-checks the lists the client saw', async () => {
    const first = StdioRig.fixture();
    const a = first.link();
    const second = StdioRig.fixture({}, { FIXTURE_EXTRA_TOOL: 'added_after_restart' });
    try {
      await a.link.initialize();
      await a.link.request(rpc('tools/list'));
      await a.link.request(rpc('logging/setLevel', { level: 'error' }));
      const snapshot = a.link.snapshot;
      assert.ok(snapshot);
      await first.dispose();

      const b = second.link({ snapshot });
      assert.equal((await b.link.initialize()).serverInfo.name, 'fixture-v2-404');
      assert.equal(second.upstream.supervisor.live, 0, 'no child for answering from the snapshot');
      assert.equal(textOf(await b.link.request(call('echo', { text: 'continued' }))), 'continued');
      assert.equal(b.recreated.length, 1);
      assert.equal(b.recreated[0]!.reason, 'restored');
      assert.deepEqual(b.recreated[0]!.listsChanged, ['tools'], 'the restarted server lists another tool: the client is told');
      assert.equal(b.recreated[0]!.replayed.logLevel, 'error');
    } finally {
      const groups = [...first.pgids(), ...second.pgids()];
      await second.dispose();
      await expectGroupsGone(groups);
    }
  });
});
