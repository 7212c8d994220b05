/**
 * A 2026-07-28 server (`createMcpHandler`, stateless): no session to lose,
 * so a restart only loses what was in flight. Era negotiation is the SDK's
 * ('auto'); the retry rules are the same.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { OutcomeUnknownError, ResilientClient, type ClientEvents } from '../../src/client/index.js';
import { killAll } from '../../harness/process.js';
import { waitFor } from '../../harness/timeout.js';
import { FixtureServer } from './support/processes.js';
import { echo, settle, textOf, valueOf } from './support/results.js';

describe('2026-07-28 server', { timeout: 120_000 }, () => {
  after(killAll);

  it('negotiates the modern era and calls work', async () => {
    const server = await FixtureServer.start('modern-server.js');
    const ours = new ResilientClient({ url: server.url });
    try {
      await ours.connect();
      assert.equal(ours.era, 'modern');
      assert.equal(ours.sessionId, undefined);
      const { tools } = await ours.listTools();
      assert.ok(tools.some((t) => t.name === 'slow_read' && t.annotations?.readOnlyHint === true));
      assert.match(textOf(await ours.callTool(echo('modern'))), /modern/);
      const { contents } = await ours.readResource({ uri: 'mem://note' });
      assert.match(JSON.stringify(contents), /note from pid/);
    } finally {
      await ours.close();
      await server.dispose();
    }
  });

  it('a read-only call cut mid-stream by a restart is retried', async () => {
    const server = await FixtureServer.start('modern-server.js');
    const ours = new ResilientClient({ url: server.url });
    const retries: Array<ClientEvents['retry']> = [];
    ours.on('retry', (event) => retries.push(event));
    let progressEvents = 0;
    try {
      await ours.listTools();
      const call = settle(ours.callTool({ name: 'slow_read', arguments: { ms: 1_000 } }, { onprogress: () => progressEvents++ }));
      // The progress event proves the response stream is open when the kill lands.
      await waitFor(() => progressEvents === 1, 5_000, 'the response stream to start');
      await server.kill();
      await server.restart();

      assert.match(textOf(valueOf(await call)), new RegExp(`read done \\(pid ${server.pid}\\)`));
      assert.equal(server.count('call', { tool: 'slow_read' }), 2);
      assert.equal(retries.filter((r) => r.reason === 'outcome-unknown').length, 1);
      assert.equal(ours.stats.reinitializations, 0, 'nothing to re-initialize in the modern era');
    } finally {
      await ours.close();
      await server.dispose();
    }
  });

  it('a write cut mid-call is not retried', async () => {
    const server = await FixtureServer.start('modern-server.js');
    const ours = new ResilientClient({ url: server.url });
    try {
      await ours.listTools();
      const call = settle(ours.callTool({ name: 'slow_write', arguments: { ms: 5_000 } }));
      await waitFor(() => server.count('call', { tool: 'slow_write' }) === 1, 5_000, 'slow_write to start');
      await server.kill();
      await assert.rejects(call.then(valueOf), OutcomeUnknownError);
      await server.restart();
      assert.match(textOf(await ours.callTool(echo('after'))), /after/);
      assert.equal(server.count('call', { tool: 'slow_write' }), 1);
    } finally {
      await ours.close();
      await server.dispose();
    }
  });
});
