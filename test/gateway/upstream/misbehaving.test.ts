/**
 * An upstream that misbehaves after a normal handshake (garbage, the wrong
 * content type, 500s, hangs) or is not there at all: every request ends in a
 * typed error, within its timeout, never in an empty success; the errors say
 * whether the request may have run. The bad upstream is a real HTTP server
 * on loopback, misbehaving on purpose.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  OutcomeUnknownError,
  ServerUnavailableError,
  toJsonRpcError,
  UpstreamHttpError,
  UpstreamProtocolError,
} from '../../../src/gateway/upstream/index.js';
import { freePort } from '../../../harness/ports.js';
import { badUpstream, closeBadUpstreams, ENDLESS_LIMIT } from '../support/bad-upstream.js';
import { call, observe, rpc } from '../support/session.js';

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then((value) => assert.fail(`expected a failure, got ${JSON.stringify(value)}`), (error: unknown) => error);
}

after(closeBadUpstreams);

describe('a misbehaving or absent upstream', () => {
  for (const mode of ['garbage-json', 'garbage-sse', 'html'] as const) {
    it(`${mode}: a typed protocol error at once, not retried, and the request may have run`, async () => {
      const upstream = await badUpstream(mode);
      const { session } = observe(upstream.url, { config: { requestTimeoutMs: 5_000 } });
      const started = Date.now();
      const error = await failure(session.request(call('write', { text: 'x' })));
      assert.ok(error instanceof UpstreamProtocolError, String(error));
      assert.equal(error.mayHaveRun, true);
      assert.equal(upstream.calls(), 1);
      assert.ok(Date.now() - started < 4_000);
      assert.equal(toJsonRpcError(error, 9).error.code, -32003);
      session.close();
    });
  }

  for (const mode of ['endless-json', 'endless-sse'] as const) {
    it(`${mode}: an answer over maxMessageBytes is cut there, a typed protocol error that may have run, not resumed or retried`, async () => {
      const upstream = await badUpstream(mode);
      const maxMessageBytes = 1024 * 1024;
      const { session } = observe(upstream.url, { config: { requestTimeoutMs: 20_000, maxMessageBytes } });
      const error = await failure(session.request(call('write', { text: 'x' })));
      assert.ok(error instanceof UpstreamProtocolError, String(error));
      assert.match(error.message, /over 1048576 bytes/);
      assert.equal(error.mayHaveRun, true);
      assert.equal(upstream.calls(), 1, 'sent once: no retry, no resumption');
      // The gateway hung up near the bound instead of reading the 64 MiB the upstream would send.
      const written = await upstream.written;
      assert.ok(written < ENDLESS_LIMIT, `the upstream wrote ${written} bytes before the gateway hung up`);
      session.close();
    });
  }

  it('500: a typed HTTP error that may have run, sent once', async () => {
    const upstream = await badUpstream('500');
    const { session } = observe(upstream.url);
    const error = await failure(session.request(call('write', { text: 'x' })));
    assert.ok(error instanceof UpstreamHttpError, String(error));
    assert.equal(error.status, 500);
    assert.equal(error.mayHaveRun, true);
    assert.equal(upstream.calls(), 1);
    session.close();
  });

  it('500 carrying a JSON-RPC error for the request: that error is the answer, relayed', async () => {
    const upstream = await badUpstream('500-rpc');
    const { session } = observe(upstream.url);
    const response = await session.request(call('write', { text: 'x' }));
    assert.ok('error' in response);
    assert.equal(response.error.message, 'tool crashed');
    session.close();
  });

  it('hang: the request ends at its timeout as outcome unknown (a write), and so does a read, within the bound', async () => {
    const upstream = await badUpstream('hang');
    const { session } = observe(upstream.url, { config: { requestTimeoutMs: 1_000 } });
    for (const request of [call('write', { text: 'x' }), rpc('resources/read', { uri: 'x://y' })]) {
      const started = Date.now();
      const error = await failure(session.request(request));
      const elapsed = Date.now() - started;
      assert.ok(error instanceof OutcomeUnknownError, String(error));
      assert.equal(error.reason, 'timeout');
      assert.ok(elapsed >= 900 && elapsed < 3_000, `ended after ${elapsed} ms`);
    }
    session.close();
  });

  it('nobody listening: ServerUnavailableError (did not run) once the reconnect bound is spent', async () => {
    const url = `http://127.0.0.1:${await freePort()}/mcp`;
    const { session, events } = observe(url, { config: { reconnect: { maxRetries: 3, windowMs: 5_000 } } });
    const started = Date.now();
    const error = await failure(session.request(call('write', { text: 'x' })));
    assert.ok(error instanceof ServerUnavailableError, String(error));
    assert.equal(error.mayHaveRun, false);
    assert.ok(Date.now() - started < 5_000);
    assert.equal(events.filter((e) => e.type === 'unreachable').length, 4, 'the first try and three retries');
    assert.equal(session.status, 'idle', 'the next request tries again');
    session.close();
  });
});
