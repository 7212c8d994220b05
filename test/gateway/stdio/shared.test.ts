/**
 * `share`: a few children serve every session of one principal. Ids are
 * translated on the way in and out, so under load each session gets exactly
 * its own answers and progress, even when both use the same ids and
 * progress tokens; another principal never shares a child with them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JSONRPCRequest } from '@modelcontextprotocol/client';
import type { StdioLink } from '../../../src/gateway/stdio/index.js';
import { serverScript, StdioRig, textOf } from './support/links.js';
import { expectGroupsGone } from './support/process-table.js';

const everything = () => ({ command: process.execPath, args: [serverScript('@modelcontextprotocol/server-everything'), 'stdio'] });

/** `count` echo calls from one session, `concurrency` at a time, with ids that the other session uses too. */
async function echoes(link: StdioLink, tag: string, count: number, concurrency: number): Promise<string[]> {
  const mismatches: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const request: JSONRPCRequest = { jsonrpc: '2.0', id: i, method: 'tools/call', params: { name: 'echo', arguments: { message: `${tag}-${i}` } } };
      const response = await link.request(request);
      const text = textOf(response);
      if (response.id !== i || text !== `Echo: ${tag}-${i}`) mismatches.push(`${tag}-${i} got id ${String(response.id)}: ${text}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return mismatches;
}

describe('stdio upstream with shared children', () => {
  it('two concurrent sessions of one principal under load: every answer reaches its own session, on at most the pool\'s children', async () => {
    const rig = new StdioRig({ ...everything(), share: { children: 2 } });
    try {
      const a = rig.link({ context: { sessionId: 'a', principal: 'alice' } });
      const b = rig.link({ context: { sessionId: 'b', principal: 'alice' } });
      const init = await a.link.initialize();
      assert.equal(init.capabilities.resources?.subscribe, undefined, 'subscriptions are not offered by shared children');
      await b.link.initialize();
      const [fromA, fromB] = await Promise.all([echoes(a.link, 'a', 300, 12), echoes(b.link, 'b', 300, 12)]);
      assert.deepEqual(fromA, []);
      assert.deepEqual(fromB, []);
      const started = rig.childEvents.filter((e) => e.type === 'child_transition' && e.to === 'ready').length;
      assert.ok(started >= 1 && started <= 2, `the pool's children served both sessions (${started} started)`);
      assert.ok(rig.upstream.supervisor.live <= 2);
    } finally {
      const groups = rig.pgids();
      await rig.dispose();
      await expectGroupsGone(groups);
    }
  });

  it('progress with the same token from two sessions at once reaches each only its own; another principal gets its own children', async () => {
    const rig = new StdioRig({ ...everything(), share: { children: 1 } });
    try {
      const a = rig.link({ context: { sessionId: 'a', principal: 'alice' } });
      const b = rig.link({ context: { sessionId: 'b', principal: 'alice' } });
      const progress = { a: [] as unknown[], b: [] as unknown[] };
      const run = (link: StdioLink, who: 'a' | 'b') =>
        link.request(
          { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'trigger-long-running-operation', arguments: { duration: 1, steps: 4 }, _meta: { progressToken: 1 } } },
          { onRelated: (message) => message.method === 'notifications/progress' && progress[who].push(message.params) },
        );
      const [ra, rb] = await Promise.all([run(a.link, 'a'), run(b.link, 'b')]);
      assert.match(textOf(ra), /completed/);
      assert.match(textOf(rb), /completed/);
      for (const who of ['a', 'b'] as const) {
        assert.equal(progress[who].length, 4, `${who}: its own four steps, no more`);
        assert.ok(progress[who].every((p) => (p as { progressToken: unknown }).progressToken === 1), 'under its own token');
      }
      assert.equal(rig.upstream.supervisor.live, 1, 'one child served both');

      const carol = rig.link({ context: { sessionId: 'c', principal: 'carol' } });
      await carol.link.initialize();
      assert.equal(rig.upstream.supervisor.live, 2, 'another principal never uses alice\'s child');
    } finally {
      const groups = rig.pgids();
      await rig.dispose();
      await expectGroupsGone(groups);
    }
  });
});
