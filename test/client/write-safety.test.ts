/**
 * What may be sent twice. The fixture appends a line per tool invocation, so
 * "ran at most once" is counted on the server side, across processes.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { OutcomeUnknownError, ResilientClient, ResilientErrorCode, type ClientEvents } from '../../src/client/index.js';
import { killAll } from '../../harness/process.js';
import { waitFor } from '../../harness/timeout.js';
import { FixtureServer } from './support/processes.js';
import { echo, settle, textOf, valueOf } from './support/results.js';

describe('legacy server: retries and writes', { timeout: 120_000 }, () => {
  after(killAll);

  it('a non-idempotent tool cut mid-call is not retried: typed error, ran once', async () => {
    const server = await FixtureServer.start('legacy-server.js');
    const ours = new ResilientClient({ url: server.url });
    try {
      await ours.connect();
      const call = settle(ours.callTool({ name: 'slow_write', arguments: { ms: 5_000 } }));
      await waitFor(() => server.count('call', { tool: 'slow_write' }) === 1, 5_000, 'slow_write to start');
      await server.kill();

      await assert.rejects(call.then(valueOf), (error: unknown) => {
        assert.ok(error instanceof OutcomeUnknownError, `expected OutcomeUnknownError, got ${String(error)}`);
        assert.equal(error.code, ResilientErrorCode.OutcomeUnknown);
        assert.equal(error.mayHaveRun, true);
        assert.deepEqual(error.request, { method: 'tools/call', tool: 'slow_write' });
        assert.equal(error.attempts, 1);
        return true;
      });

      // The server comes back; nothing re-sends the write behind our back.
      await server.restart();
      assert.match(textOf(await ours.callTool(echo('alive'))), /alive/);
      assert.equal(server.count('call', { tool: 'slow_write' }), 1);
      assert.equal(ours.stats.outcomeUnknown, 1);
    } finally {
      await ours.close();
      await server.dispose();
    }
  });

  it('the same kind of write rejected with 404 after a restart is re-sent and succeeds, once', async () => {
    const server = await FixtureServer.start('legacy-server.js');
    // No background recovery: the write itself must meet the 404.
    const ours = new ResilientClient({ url: server.url, keepAlive: false });
    const retries: Array<ClientEvents['retry']> = [];
    ours.on('retry', (event) => retries.push(event));
    try {
      assert.match(textOf(await ours.callTool({ name: 'write', arguments: { note: 'before' } })), /wrote before/);
      await server.restart();

      assert.match(textOf(await ours.callTool({ name: 'write', arguments: { note: 'after' } })), new RegExp(`wrote after \\(pid ${server.pid}\\)`));
      assert.equal(server.count('call', { tool: 'write', note: 'after' }), 1);
      assert.equal(server.count('rejected', { status: 404, method: 'POST' }), 1, 'the first copy was rejected, unprocessed');
      assert.deepEqual(retries.map((r) => [r.tool, r.reason]), [['write', 'session-lost']]);
    } finally {
      await ours.close();
      await server.dispose();
    }
  });

  it('a read-only tool cut mid-call is retried once and succeeds after the restart', async () => {
    const server = await FixtureServer.start('legacy-server.js');
    const ours = new ResilientClient({ url: server.url });
    const retries: Array<ClientEvents['retry']> = [];
    ours.on('retry', (event) => retries.push(event));
    try {
      await ours.listTools(); // annotations known up front
      const call = settle(ours.callTool({ name: 'slow_read', arguments: { ms: 1_000 } }));
      await waitFor(() => server.count('call', { tool: 'slow_read' }) === 1, 5_000, 'slow_read to start');
      await server.kill();
      await server.restart();

      assert.match(textOf(valueOf(await call)), new RegExp(`read done \\(pid ${server.pid}\\)`));
      assert.equal(server.count('call', { tool: 'slow_read' }), 2, 'ran once per process');
      assert.equal(retries.filter((r) => r.tool === 'slow_read' && r.reason === 'outcome-unknown').length, 1);
    } finally {
      await ours.close();
      await server.dispose();
    }
  });

  it('an idempotent tool whose annotations were never listed is looked up before the call, then retried', async () => {
    const server = await FixtureServer.start('legacy-server.js');
    const ours = new ResilientClient({ url: server.url });
    try {
      await ours.connect();
      const call = settle(ours.callTool({ name: 'slow_read', arguments: { ms: 1_000 } }));
      await waitFor(() => server.count('call', { tool: 'slow_read' }) === 1, 5_000, 'slow_read to start');
      await server.kill();
      await server.restart();
      assert.match(textOf(valueOf(await call)), /read done/);
    } finally {
      await ours.close();
      await server.dispose();
    }
  });
});
