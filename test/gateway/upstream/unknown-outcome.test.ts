/**
 * A call running when the upstream is SIGKILLed: its outcome is unknown. A
 * write fails with OutcomeUnknownError and is never sent again (the writes
 * file and the upstream's own call log prove it ran at most once); a tool the
 * upstream annotates readOnlyHint is sent again on the restarted upstream and
 * succeeds. The annotations come from the upstream's tools/list, fetched by
 * the relay before the call because the client never listed.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { OutcomeUnknownError, toJsonRpcError } from '../../../src/gateway/upstream/index.js';
import { killAll } from '../../../harness/process.js';
import { waitFor } from '../../../harness/timeout.js';
import { call, observe, textOf } from '../support/session.js';
import { UpstreamFixture, type UpstreamKind } from '../support/upstreams.js';

after(killAll);

const KINDS: UpstreamKind[] = ['sdk-v1-express', 'sdk-v2-404', 'fastmcp', 'sdk-v2-modern'];

describe('UpstreamSession when the upstream dies mid-call', () => {
  for (const kind of KINDS) {
    it(`${kind}: a write cut by SIGKILL fails as outcome unknown and is not re-run`, async () => {
      const upstream = await UpstreamFixture.start(kind);
      const { session, events } = observe(upstream.url);
      try {
        await session.initialize();
        const pending = session.request(call('slow_append', { line: 'cut', ms: 10_000 }));
        const failed = pending.then(() => undefined, (error: unknown) => error);
        await waitFor(() => upstream.count('call', { tool: 'slow_append' }) === 1, 15_000, 'slow_append running');
        await upstream.kill();
        await upstream.restart();
        const error = await failed;
        assert.ok(error instanceof OutcomeUnknownError, `expected OutcomeUnknownError, got ${String(error)}`);
        assert.equal(error.mayHaveRun, true);
        assert.equal(error.attempts, 1, 'sent once');
        const wire = toJsonRpcError(error, 41);
        assert.equal(wire.id, 41);
        assert.match(wire.error.message, /may or may not have run/);
        assert.deepEqual(wire.error.data, { code: 'DURABLE_MCP_OUTCOME_UNKNOWN', mayHaveRun: true });
        assert.equal(events.filter((e) => e.type === 'outcome_unknown').length, 1);

        // The session goes on; the cut write was not replayed on the new upstream.
        assert.equal(textOf(await session.request(call('append', { line: 'after' }))), 'appended after');
        assert.deepEqual(upstream.writes(), ['after'], 'the killed write never completed and never ran again');
        assert.equal(upstream.count('call', { tool: 'slow_append' }), 1);
      } finally {
        session.close();
        await upstream.dispose();
      }
    });

    it(`${kind}: a read-only call cut by SIGKILL is re-run on the restarted upstream and succeeds`, async () => {
      const upstream = await UpstreamFixture.start(kind);
      const { session, events } = observe(upstream.url);
      try {
        await session.initialize();
        const pending = session.request(call('slow_read', { ms: 1_500 }));
        await waitFor(() => upstream.count('call', { tool: 'slow_read' }) === 1, 15_000, 'slow_read running');
        await upstream.kill();
        await upstream.restart();
        assert.match(textOf(await pending), /^read done by \d+$/);
        assert.equal(upstream.count('call', { tool: 'slow_read' }), 2, 'run once more, on the new process');
        assert.ok(events.some((e) => e.type === 'retry' && e.reason === 'outcome-unknown'));
      } finally {
        session.close();
        await upstream.dispose();
      }
    });
  }
});
