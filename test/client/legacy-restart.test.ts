/**
 * A plain SDK server with sessions in an in-memory Map is SIGKILLed and
 * restarted on the same port. The stock v2 client is the baseline: it keeps
 * its dead session id and fails. Ours re-initializes once, re-applies the log
 * level and the subscription, reopens the standalone stream, and the call
 * succeeds. Both ways a server says "unknown session" are covered: 404 (the
 * spec) and 400 "No valid session ID provided" (the SDK examples).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Client, SdkHttpError, StreamableHTTPClientTransport, type Notification } from '@modelcontextprotocol/client';
import { ResilientClient, type ClientEvents } from '../../src/client/index.js';
import { killAll } from '../../harness/process.js';
import { waitFor } from '../../harness/timeout.js';
import { FixtureServer } from './support/processes.js';
import { echo, textOf } from './support/results.js';

describe('legacy server restart', { timeout: 120_000 }, () => {
  after(killAll);

  for (const status of [404, 400] as const) {
    it(`stock client fails, resilient client recovers (unknown session answered ${status})`, async () => {
      const env = { FIXTURE_UNKNOWN_SESSION: String(status) };
      const server = await FixtureServer.start('legacy-server.js', env);
      const stock = new Client({ name: 'stock', version: '1.0.0' });
      const ours = new ResilientClient({ url: server.url, clientInfo: { name: 'ours', version: '1.0.0' } });
      const reinitialized: Array<ClientEvents['reinitialize']> = [];
      const notifications: Notification[] = [];
      ours.on('reinitialize', (event) => reinitialized.push(event));
      ours.on('notification', (notification) => notifications.push(notification));
      try {
        await stock.connect(new StreamableHTTPClientTransport(new URL(server.url)));
        await ours.connect();
        assert.equal(ours.era, 'legacy');
        const firstSession = ours.sessionId;
        await ours.setLoggingLevel('debug');
        await ours.subscribeResource({ uri: 'mem://note' });
        const firstPid = server.pid;
        assert.match(textOf(await stock.callTool(echo('before'))), /before/);
        assert.match(textOf(await ours.callTool(echo('before'))), /before/);

        await server.restart(env);

        // Baseline: the stock client keeps sending its dead session id, every time.
        for (let i = 0; i < 2; i++) {
          await assert.rejects(stock.callTool(echo('after')), (error: unknown) => {
            assert.ok(error instanceof SdkHttpError, `expected SdkHttpError, got ${String(error)}`);
            assert.equal((error.data as { status?: number } | undefined)?.status, status);
            return true;
          });
        }

        const result = textOf(await ours.callTool(echo('after')));
        assert.match(result, new RegExp(`after \\(pid ${server.pid}\\)`));
        assert.notEqual(server.pid, firstPid);
        assert.notEqual(ours.sessionId, firstSession);

        assert.equal(reinitialized.length, 1, 'exactly one re-initialize');
        assert.equal(reinitialized[0]?.previousSessionId, firstSession);
        assert.equal(ours.stats.reinitializations, 1);
        assert.equal(server.count('initialize', { clientName: 'ours' }), 2, 'same client info on the new initialize');

        // The new session was told what the old one knew.
        const state = JSON.parse(textOf(await ours.callTool({ name: 'state', arguments: {} }))) as { logLevel: string; subscriptions: string[] };
        assert.equal(state.logLevel, 'debug');
        assert.deepEqual(state.subscriptions, ['mem://note']);
        assert.equal(server.count('setLevel', { level: 'debug' }), 2);
        assert.equal(server.count('subscribe', { uri: 'mem://note' }), 2);

        // The standalone stream is open again: a server-initiated notification reaches us.
        assert.equal(textOf(await ours.callTool({ name: 'touch', arguments: { uri: 'mem://note' } })), 'sent');
        await waitFor(() => notifications.some((n) => n.method === 'notifications/resources/updated'), 5_000, 'resources/updated');
      } finally {
        await stock.close();
        await ours.close();
        await server.dispose();
      }
    });
  }

  it('honours Retry-After from a server that is still warming up', async () => {
    const server = await FixtureServer.start('legacy-server.js', { FIXTURE_BUSY: '1' });
    const ours = new ResilientClient({ url: server.url });
    const retries: Array<ClientEvents['retry']> = [];
    ours.on('retry', (event) => retries.push(event));
    try {
      const started = Date.now();
      assert.match(textOf(await ours.callTool(echo('busy'))), /busy/);
      assert.ok(Date.now() - started >= 1_000, `waited ${Date.now() - started} ms, Retry-After asked for 1000`);
      assert.deepEqual(retries.map((r) => r.reason), ['not-sent']);
      assert.ok((retries[0]?.delayMs ?? 0) >= 1_000);
      assert.equal(server.count('busy'), 1);
      assert.equal(server.count('call', { tool: 'echo' }), 1);
    } finally {
      await ours.close();
      await server.dispose();
    }
  });
});
