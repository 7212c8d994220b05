/**
 * SEP-1699: a resumable server may close a response stream mid-call; the SDK
 * transport resumes it with Last-Event-ID. That is not a lost outcome: the
 * client must let the SDK resume and must not re-send (or fail) the write.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ResilientClient, type ClientEvents } from '../../src/client/index.js';
import { killAll } from '../../harness/process.js';
import { FixtureServer } from './support/processes.js';
import { textOf } from './support/results.js';

describe('resumable streams', { timeout: 120_000 }, () => {
  after(killAll);

  it('a write whose response stream the server closes is resumed with Last-Event-ID, not re-sent', async () => {
    const server = await FixtureServer.start('legacy-server.js', { FIXTURE_EVENT_STORE: '1' });
    const ours = new ResilientClient({ url: server.url });
    const retries: Array<ClientEvents['retry']> = [];
    ours.on('retry', (event) => retries.push(event));
    try {
      await ours.listTools();
      assert.match(textOf(await ours.callTool({ name: 'polled_write', arguments: { ms: 500 } })), /polled write done/);
      assert.equal(server.count('call', { tool: 'polled_write' }), 1);
      assert.ok(server.count('resume') >= 1, 'the SDK transport resumed with Last-Event-ID');
      assert.deepEqual(retries.filter((r) => r.method === 'tools/call'), []);
      assert.equal(ours.stats.outcomeUnknown, 0);
    } finally {
      await ours.close();
      await server.dispose();
    }
  });
});
