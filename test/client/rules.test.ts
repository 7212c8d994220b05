/**
 * The pure decisions behind the retries, tested without processes: what a
 * failure proves, what is safe to repeat, how long to wait, and how the
 * bridge reads its flags.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProtocolError, SdkError, SdkErrorCode, SdkHttpError } from '@modelcontextprotocol/client';
import { backoffDelay, classify, isSafeToRepeat, isSessionLostResponse, parseRetryAfter, type AttemptFacts } from '../../src/client/index.js';
import { DEFAULT_BACKOFF, RetryBudget } from '../../src/client/backoff.js';
import { parseBridgeArgs, expandEnv } from '../../src/bridge/args.js';
import { fingerprint } from '../../src/bridge/list-watch.js';
import { mirrorCapabilities } from '../../src/bridge/proxy-server.js';
import { relayedCapabilities } from '../../src/bridge/server-requests.js';

const facts = (overrides: Partial<AttemptFacts> = {}): AttemptFacts => ({ sessionBearing: true, streamCut: false, ...overrides });
const http = (status: number, text: string) =>
  new SdkHttpError(SdkErrorCode.ClientHttpNotImplemented, `Error POSTing to endpoint: ${text}`, { status, statusText: '', text });
const refused = () => new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) });
const closed = () => new TypeError('fetch failed', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });

describe('classify', () => {
  it('a 404 or a "no valid session" 400 on a session-bearing request means the session is lost', () => {
    assert.equal(classify(http(404, 'Session not found'), facts()).kind, 'session-lost');
    // The last is what the SDK v1 + express example answers a GET or DELETE for an unknown session.
    for (const body of ['Bad Request: No valid session ID provided', 'Bad Request: Mcp-Session-Id header is required', 'Session not found', 'Bad Request: Server not initialized', 'Invalid or missing session ID']) {
      assert.equal(classify(http(400, body), facts()).kind, 'session-lost', body);
    }
    assert.ok(isSessionLostResponse(404, ''));
  });

  it('a plain 400, or any 404 without a session, is the server\'s answer', () => {
    assert.equal(classify(http(400, 'Bad Request: invalid JSON'), facts()).kind, 'fatal');
    assert.equal(classify(http(404, 'Not found'), facts({ sessionBearing: false })).kind, 'fatal');
    assert.equal(classify(new ProtocolError(-32602, 'Invalid params'), facts()).kind, 'fatal');
  });

  it('refused connections, 429 and 503 did not run; Retry-After is carried', () => {
    assert.equal(classify(refused(), facts()).kind, 'not-sent');
    assert.deepEqual(classify(http(503, 'busy'), facts({ retryAfterMs: 1000 })), { kind: 'not-sent', detail: 'HTTP 503', retryAfterMs: 1000 });
    assert.equal(classify(http(429, 'slow down'), facts()).kind, 'not-sent');
    // The SDK's negotiation probe wraps the socket error: the cause chain is still read.
    const wrapped = new SdkError(SdkErrorCode.EraNegotiationFailed, 'probe failed', { cause: refused() }, { cause: refused() });
    assert.equal(classify(wrapped, facts()).kind, 'not-sent');
  });

  it('resets, cut streams, timeouts and gateway errors leave the outcome unknown', () => {
    assert.deepEqual(classify(closed(), facts()), { kind: 'outcome-unknown', reason: 'connection-lost' });
    assert.deepEqual(classify(new Error('x'), facts({ streamCut: true })), { kind: 'outcome-unknown', reason: 'stream-cut' });
    assert.deepEqual(classify(new SdkError(SdkErrorCode.RequestTimeout, 'Request timed out'), facts()), { kind: 'outcome-unknown', reason: 'timeout' });
    assert.deepEqual(classify(http(502, 'Bad gateway'), facts()), { kind: 'outcome-unknown', reason: 'gateway' });
  });
});

describe('isSafeToRepeat', () => {
  const tool = (annotations: Record<string, boolean>) => ({ name: 't', inputSchema: { type: 'object' as const }, annotations });
  it('repeats reads and idempotent setters, never unannotated tools', () => {
    for (const method of ['ping', 'tools/list', 'resources/read', 'prompts/get', 'completion/complete', 'logging/setLevel']) {
      assert.equal(isSafeToRepeat({ method }), true, method);
    }
    assert.equal(isSafeToRepeat({ method: 'tools/call' }), false);
    assert.equal(isSafeToRepeat({ method: 'tools/call', tool: tool({}) }), false);
    assert.equal(isSafeToRepeat({ method: 'tools/call', tool: tool({ destructiveHint: false }) }), false);
    assert.equal(isSafeToRepeat({ method: 'tools/call', tool: tool({ readOnlyHint: true }) }), true);
    assert.equal(isSafeToRepeat({ method: 'tools/call', tool: tool({ idempotentHint: true }) }), true);
    assert.equal(isSafeToRepeat({ method: 'acme/charge' }), false);
  });

  it('lets the caller decide first', () => {
    assert.equal(isSafeToRepeat({ method: 'acme/lookup' }, () => true), true);
    assert.equal(isSafeToRepeat({ method: 'ping' }, () => false), false);
    assert.equal(isSafeToRepeat({ method: 'ping' }, () => undefined), true);
  });
});

describe('backoff', () => {
  it('grows, is capped, and keeps half of each delay fixed', () => {
    assert.equal(backoffDelay(0, DEFAULT_BACKOFF, () => 0), 100);
    assert.equal(backoffDelay(0, DEFAULT_BACKOFF, () => 1), 200);
    assert.equal(backoffDelay(3, DEFAULT_BACKOFF, () => 0), 800);
    assert.equal(backoffDelay(20, DEFAULT_BACKOFF, () => 1), DEFAULT_BACKOFF.maxDelayMs);
  });

  it('parses Retry-After as seconds or as a date', () => {
    assert.equal(parseRetryAfter('2'), 2000);
    assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4_000), 6_000);
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter(null), undefined);
  });

  it('a budget ends on count, on time, and on a server delay beyond its ceiling', () => {
    let now = 0;
    const budget = new RetryBudget({ maxRetries: 2, windowMs: 10_000, backoff: DEFAULT_BACKOFF }, () => now);
    assert.ok(budget.next() !== undefined);
    assert.ok((budget.next(3_000) ?? 0) >= 3_000, 'the server\'s delay wins when longer');
    assert.equal(budget.next(), undefined);
    const timed = new RetryBudget({ maxRetries: 10, windowMs: 1_000, backoff: DEFAULT_BACKOFF }, () => now);
    assert.ok(timed.next() !== undefined);
    now = 2_000;
    assert.equal(timed.next(), undefined);
    const patient = new RetryBudget({ maxRetries: 10, windowMs: 120_000, backoff: DEFAULT_BACKOFF }, () => 0);
    assert.equal(patient.next(DEFAULT_BACKOFF.maxServerDelayMs + 1), undefined);
  });
});

describe('bridge arguments', () => {
  it('parses url, repeated headers with ${VAR} expansion, timeout and verbosity', () => {
    const parsed = parseBridgeArgs(
      ['https://example.test/mcp', '--header', 'Authorization: Bearer ${TOKEN}', '--header=X-Team: a:b', '--timeout', '5000', '--verbose'],
      { TOKEN: 'abc' },
    );
    assert.ok(parsed.ok && 'args' in parsed);
    assert.equal(parsed.args.url.href, 'https://example.test/mcp');
    assert.deepEqual(parsed.args.headers, { Authorization: 'Bearer abc', 'X-Team': 'a:b' });
    assert.equal(parsed.args.timeoutMs, 5000);
    assert.equal(parsed.args.logLevel, 'verbose');
    assert.equal(parsed.args.era, 'auto');
    const legacy = parseBridgeArgs(['https://example.test/mcp', '--era', 'legacy'], {});
    assert.ok(legacy.ok && 'args' in legacy);
    assert.equal(legacy.args.era, 'legacy');
  });

  it('rejects what it cannot honour, naming but never echoing secrets', () => {
    const missing = parseBridgeArgs(['https://x.test/mcp', '--header', 'Authorization: Bearer ${NOPE}'], {});
    assert.deepEqual(missing, { ok: false, error: '--header Authorization: environment variable NOPE is not set' });
    for (const argv of [[], ['ftp://x.test'], ['https://x.test', '--timeout', 'soon'], ['https://x.test', '--header', 'novalue'], ['https://x.test', '--what'], ['https://x.test', '--era', 'modern']]) {
      assert.equal(parseBridgeArgs(argv, {}).ok, false, argv.join(' '));
    }
    assert.deepEqual(parseBridgeArgs(['--help'], {}), { ok: true, help: true });
    assert.deepEqual(expandEnv('${A}-${B}', { A: '1', B: '2' }), { ok: true, value: '1-2' });
  });
});

describe('bridge list comparison and capabilities', () => {
  it('a fingerprint ignores order but not content', () => {
    assert.equal(fingerprint([{ name: 'a' }, { name: 'b' }]), fingerprint([{ name: 'b' }, { name: 'a' }]));
    assert.notEqual(fingerprint([{ name: 'a' }]), fingerprint([{ name: 'a' }, { name: 'c' }]));
  });

  it('mirrors the remote and always offers listChanged; drops 2025-only features for a 2026 remote', () => {
    const remote = { tools: {}, resources: { subscribe: true }, logging: {}, completions: {} };
    assert.deepEqual(mirrorCapabilities(remote, false), {
      tools: { listChanged: true },
      resources: { listChanged: true, subscribe: true },
      logging: {},
      completions: {},
    });
    assert.deepEqual(mirrorCapabilities(remote, true), { tools: { listChanged: true }, resources: { listChanged: true }, completions: {} });
  });

  it("declares upstream the host's capabilities, all but tasks (a task-augmented request cannot be relayed)", () => {
    const host = {
      sampling: { tools: {} },
      elicitation: { form: {}, url: {} },
      roots: { listChanged: true },
      experimental: { x: { on: true } },
      extensions: { 'io.example/ui': {} },
      tasks: { requests: { sampling: { createMessage: {} } } },
    };
    const { tasks: _tasks, ...relayed } = host;
    assert.deepEqual(relayedCapabilities(host), relayed);
    assert.deepEqual(relayedCapabilities({}), {});
  });
});
