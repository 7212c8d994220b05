/**
 * Two gateway instances on one PostgreSQL. The upstream asks the client for
 * input in the middle of a call that instance A relays; the client's answer
 * is POSTed to instance B (as a load balancer without stickiness would send
 * it). B routes it through PostgreSQL to A, A delivers it to the waiting
 * upstream request, and the call completes. B then serves the same session,
 * continuing the same upstream session (no second upstream initialize).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { killAll } from '../../../harness/process.js';
import { createTestDatabase, type TestDatabase } from '../../support/postgres.js';
import { CLIENT_CAPABILITIES, textOf } from '../support/gateway.js';
import { startGateway, type InProcessGateway } from '../support/in-process.js';
import { UpstreamFixture } from '../support/upstreams.js';

after(killAll);

/** A fetch that sends every POST carrying a JSON-RPC response (a reply to the server) to `other`, the rest where asked. */
function repliesTo(other: string): typeof fetch {
  return async (input, init) => {
    const body = typeof init?.body === 'string' ? init.body : undefined;
    const message = body ? (JSON.parse(body) as { method?: unknown; result?: unknown; error?: unknown }) : undefined;
    const isReply = message !== undefined && message.method === undefined && (message.result !== undefined || message.error !== undefined);
    if (!isReply) return fetch(input, init);
    replies.push(other);
    return fetch(other, init);
  };
}
const replies: string[] = [];

describe('two gateway instances on one PostgreSQL', { timeout: 300_000 }, () => {
  let db: TestDatabase;
  let upstream: UpstreamFixture;
  let a: InProcessGateway;
  let b: InProcessGateway;
  before(async () => {
    db = await createTestDatabase();
    upstream = await UpstreamFixture.start('sdk-v1-express');
    a = await startGateway({ store: db.url, instanceId: 'inst-a', upstreams: [{ url: upstream.url }] });
    b = await startGateway({ store: db.url, instanceId: 'inst-b', upstreams: [{ url: upstream.url }] });
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await upstream?.dispose();
    await db?.drop();
  });

  for (const kind of ['elicitation', 'sampling'] as const) {
    it(`${kind} from the upstream, answered by the client on the other instance`, async () => {
      replies.length = 0;
      const client = new Client({ name: `cluster-${kind}`, version: '1.0.0' }, { capabilities: CLIENT_CAPABILITIES });
      client.setRequestHandler('elicitation/create', async () => ({ action: 'accept' as const, content: { answer: 'from the client' } }));
      client.setRequestHandler('sampling/createMessage', async () => ({ role: 'assistant' as const, content: { type: 'text' as const, text: 'sampled by the client' }, model: 'test' }));
      const transport = new StreamableHTTPClientTransport(new URL(a.url), { fetch: repliesTo(b.url) });
      try {
        await client.connect(transport);
        const result =
          kind === 'elicitation'
            ? await client.callTool({ name: 'ask_elicitation', arguments: { message: 'answer please' } })
            : await client.callTool({ name: 'ask_sampling', arguments: { prompt: 'say something' } });
        assert.match(textOf(result), kind === 'elicitation' ? /accept.*from the client/ : /sampled by the client/);
        assert.deepEqual(replies, [b.url], 'the reply was POSTed to the other instance');
        const sessionId = transport.sessionId!;
        assert.ok(b.events('session_rehydrated').some((l) => l.sessionId === sessionId), 'B rebuilt the session to route the reply');

        // B now serves the session itself, on the same upstream session.
        const direct = await fetch(b.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 'on-b', method: 'tools/call', params: { name: 'echo', arguments: { text: 'served by b' } } }),
        });
        assert.match(await direct.text(), /served by b/);
        assert.equal(upstream.count('initialize', { clientName: `cluster-${kind}` }), 1, 'one upstream session, continued by B');
      } finally {
        await client.close();
      }
    });
  }
});
