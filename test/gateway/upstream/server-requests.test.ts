/**
 * Server-to-client requests (sampling, elicitation) reach the front through
 * the hooks, and the client's answer is delivered by a second
 * UpstreamSession built only from the first one's snapshot: any gateway
 * process can complete the exchange, with no new upstream initialize. On a
 * 2026-07-28 upstream the same need is an `input_required` result, relayed
 * as it is, and the client's retry carries the answers.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { JSONRPCRequest } from '@modelcontextprotocol/client';
import { UpstreamUnsupportedError } from '../../../src/gateway/upstream/index.js';
import { killAll } from '../../../harness/process.js';
import { waitFor } from '../../../harness/timeout.js';
import { call, observe, textOf, type Observed } from '../support/session.js';
import { UpstreamFixture, type UpstreamKind } from '../support/upstreams.js';

after(killAll);

const LEGACY: UpstreamKind[] = ['sdk-v1-express', 'sdk-v2-404', 'fastmcp'];

const ANSWERS = {
  ask_sampling: { method: 'sampling/createMessage', result: { role: 'assistant', content: { type: 'text', text: 'hello from the client' }, model: 'test-model' }, text: 'sampled: hello from the client' },
  ask_elicitation: { method: 'elicitation/create', result: { action: 'accept', content: { answer: '42' } }, text: 'elicited: accept {"answer":"42"}' },
} as const;

async function asked(observed: Observed, method: string): Promise<{ request: JSONRPCRequest; related: unknown }> {
  const seen = () => observed.events.map((e) => ('to' in e ? `${e.type}:${e.to}` : 'state' in e ? `${e.type}:${e.state}` : e.type)).join(' ');
  await waitFor(() => observed.messages.some((m) => m.message.method === method), 10_000, method).catch((error: Error) => {
    throw new Error(`${error.message}; events: ${seen()}`);
  });
  const found = observed.messages.find((m) => m.message.method === method)!;
  assert.ok('id' in found.message, 'a server-to-client request has an id');
  return { request: found.message as JSONRPCRequest, related: found.related };
}

describe('server-to-client requests through the relay', () => {
  for (const kind of LEGACY) {
    for (const tool of ['ask_sampling', 'ask_elicitation'] as const) {
      it(`${kind}: ${tool} reaches the front, and a second instance holding only the snapshot delivers the reply`, async () => {
        const upstream = await UpstreamFixture.start(kind);
        const first = observe(upstream.url);
        let second: Observed | undefined;
        try {
          await first.session.initialize();
          const request = call(tool, tool === 'ask_sampling' ? { prompt: 'say hello' } : { message: 'the answer?' });
          const pending = first.session.request(request);
          pending.catch(() => undefined); // awaited below; a failure before that must not mask the assertion that failed
          const { request: serverRequest, related } = await asked(first, ANSWERS[tool].method);
          // The v1 example names the call it belongs to (relatedRequestId): it rides that call's stream and is
          // reported as related to it. SDK v2's ctx.mcpReq helpers and FastMCP send on the standalone stream.
          assert.equal(related, kind === 'sdk-v1-express' ? request.id : undefined);

          second = observe(upstream.url, { snapshot: first.session.snapshot! });
          assert.equal(second.session.status, 'ready');
          await second.session.reply({ jsonrpc: '2.0', id: serverRequest.id, result: ANSWERS[tool].result });
          assert.equal(textOf(await pending), ANSWERS[tool].text);
          assert.equal(upstream.count('initialize'), 1, 'the second instance continued the same upstream session');
          assert.deepEqual(second.transitions(), ['idle>ready']);
        } finally {
          first.session.close();
          second?.session.close();
          await upstream.dispose();
        }
      });
    }
  }

  it('sdk-v2-modern: sampling as input_required, answered in the retry sent through another instance', async () => {
    const upstream = await UpstreamFixture.start('sdk-v2-modern');
    const first = observe(upstream.url);
    let second: Observed | undefined;
    try {
      await first.session.initialize();
      const request = call('ask_sampling', { prompt: 'say hello' });
      const response = await first.session.request(request);
      assert.ok('result' in response);
      const result = response.result as { resultType?: string; inputRequests?: Record<string, { method: string }> };
      assert.equal(result.resultType, 'input_required');
      assert.equal(result.inputRequests?.sample?.method, 'sampling/createMessage');
      await assert.rejects(first.session.reply({ jsonrpc: '2.0', id: 1, result: {} }), UpstreamUnsupportedError);

      second = observe(upstream.url, { snapshot: first.session.snapshot! });
      const retry = call('ask_sampling', { prompt: 'say hello' }, { inputResponses: { sample: ANSWERS.ask_sampling.result } });
      assert.equal(textOf(await second.session.request(retry)), ANSWERS.ask_sampling.text);
    } finally {
      first.session.close();
      second?.session.close();
      await upstream.dispose();
    }
  });
});
