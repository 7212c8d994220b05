/**
 * The Node adapter's limits, against real sockets: bodies over the limit are
 * refused without being read, slow clients are cut at the configured bounds
 * while SSE streams and slow tool calls are not, and connections beyond the
 * cap get a 503 until one closes.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { startInProcess, type InProcess } from '../support/in-process.js';
import { metric, openSession, post, scrape } from '../support/http.js';
import { RawClient, requestHead } from '../support/raw-client.js';
import { SseReader } from '../support/sse-reader.js';
import { startServer, type ServerProcess } from '../support/server-process.js';

const MiB = 1024 * 1024;
const V = '2025-11-25';
const mcpHeaders = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Keeps sending 64 KiB pieces (as fast as the socket takes them) until the server closes or `forMs` passed. */
function flood(client: RawClient, forMs: number, chunked = false): Promise<void> {
  const piece = Buffer.alloc(64 * 1024, 'x');
  const framed = chunked ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece;
  return client.trickle(() => framed, 0, forMs);
}

describe('request bodies over the limit', () => {
  let s: InProcess;
  const clients: RawClient[] = [];
  after(async () => {
    for (const c of clients) c.destroy();
    await s?.close();
  });

  test('a declared Content-Length over the limit gets 413 and Connection: close at once, and the body is not read', async (t) => {
    s = await startInProcess();
    const client = new RawClient(s.url);
    clients.push(client);
    await client.write(requestHead(s.url, 'POST', { ...mcpHeaders, 'Content-Length': String(100 * MiB) }));
    await flood(client, 10_000);
    await client.closed;
    assert.equal(client.status(), 413, client.received.slice(0, 300));
    assert.equal(client.header('connection'), 'close');
    const body = JSON.parse(client.body()) as { error: { message: string; data: { code: string } } };
    assert.equal(body.error.data.code, 'BODY_TOO_LARGE');
    assert.match(body.error.message, /limited to 4194304 bytes/);
    t.diagnostic(`answered after ${client.firstByteAt?.toFixed(0)} ms with ${client.writtenAtFirstByte} bytes sent; closed after ${client.closedAt?.toFixed(0)} ms with ${client.written} bytes sent`);
    assert.ok(client.writtenAtFirstByte! < 16 * MiB, 'the answer came while the body was still arriving, not after it');
    // Loopback socket buffers hold a few MiB; everything beyond that the server would have had to read.
    assert.ok(client.written < 16 * MiB, `the server stopped reading: ${(client.written / MiB).toFixed(1)} MiB of 100 accepted`);
    assert.equal(metric(await scrape(s.url), 'durable_mcp_http_refused_total{reason="body_too_large"}'), 1, 'counted');
  });

  test('the refusal needs no body byte: a declared length over the limit is answered from the headers alone', async () => {
    const client = new RawClient(s.url);
    clients.push(client);
    await client.write(requestHead(s.url, 'POST', { ...mcpHeaders, 'Content-Length': String(100 * MiB) }));
    // Not a byte of body is sent: a server that must read up to the limit first would never answer.
    for (let i = 0; i < 200 && !client.isClosed; i++) await sleep(25);
    assert.equal(client.status(), 413, `answered without reading: ${client.received.slice(0, 200) || '(nothing within 5 s)'}`);
    assert.equal(client.isClosed, true, 'and the connection closed');
  });

  test('with Expect: 100-continue the refusal comes instead of the 100, before any body byte', async () => {
    const client = new RawClient(s.url);
    clients.push(client);
    await client.write(requestHead(s.url, 'POST', { ...mcpHeaders, 'Content-Length': String(100 * MiB), Expect: '100-continue' }));
    await client.closed;
    assert.equal(client.status(), 413, client.received.slice(0, 300));
    assert.doesNotMatch(client.received, /100 Continue/);
  });

  test('an endless chunked body is cut at the limit: 413, Connection: close, the connection closed', async () => {
    const client = new RawClient(s.url);
    clients.push(client);
    await client.write(requestHead(s.url, 'POST', { ...mcpHeaders, 'Transfer-Encoding': 'chunked' }));
    await flood(client, 10_000, true);
    await client.closed;
    assert.equal(client.status(), 413, client.received.slice(0, 300));
    assert.equal(client.header('connection'), 'close');
    assert.ok(client.written < 16 * MiB, `the server stopped reading: ${(client.written / MiB).toFixed(1)} MiB accepted`);
  });

  test('a body within the limit is still served on a kept-alive connection', async () => {
    const res = await post(s.url, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: V, capabilities: {}, clientInfo: { name: 'x'.repeat(MiB), version: '1' } } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('connection'), 'keep-alive');
    await res.text();
  });
});

describe('slow connections', () => {
  const HEADERS_MS = 400;
  const REQUEST_MS = 800;
  let s: InProcess;
  const clients: RawClient[] = [];
  const aborts: AbortController[] = [];
  after(async () => {
    for (const c of clients) c.destroy();
    for (const a of aborts) a.abort();
    await s?.close();
  });

  test('a client sending its headers a line at a time is cut with 408 at the headers timeout', async () => {
    s = await startInProcess({}, { headersTimeoutMs: HEADERS_MS, requestTimeoutMs: REQUEST_MS });
    const client = new RawClient(s.url);
    clients.push(client);
    await client.write(requestHead(s.url, 'POST', mcpHeaders, true));
    let n = 0;
    await client.trickle(() => `X-Slow-${n++}: 1\r\n`, 50, 10_000);
    assert.equal(client.status(), 408, client.received);
    assert.ok(client.closedAt! >= HEADERS_MS, `not before the bound (${client.closedAt} ms)`);
    assert.ok(client.closedAt! < HEADERS_MS * 4, `cut near the bound, not at Node's 60 s default (${client.closedAt} ms)`);
  });

  test('a client sending its body a byte at a time is cut with 408 at the request timeout', async () => {
    const client = new RawClient(s.url);
    clients.push(client);
    await client.write(requestHead(s.url, 'POST', { ...mcpHeaders, 'Content-Length': '10000' }));
    await client.trickle(() => ' ', 50, 10_000);
    assert.equal(client.status(), 408, client.received);
    assert.ok(client.closedAt! >= REQUEST_MS, `not before the bound (${client.closedAt} ms)`);
    assert.ok(client.closedAt! < REQUEST_MS * 4, `cut near the bound, not at Node's 300 s default (${client.closedAt} ms)`);
  });

  test('an open GET stream and a slow tool call outlive both bounds', async () => {
    const session = await openSession(s.url);
    const abort = new AbortController();
    aborts.push(abort);
    const get = await fetch(s.url, { headers: { accept: 'text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': V }, signal: abort.signal });
    assert.equal(get.status, 200);
    const standalone = new SseReader(get);
    const slow = REQUEST_MS * 3;
    const res = await post(s.url, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'sleep', arguments: { ms: slow } } }, { sessionId: session, protocolVersion: V });
    assert.match(await res.text(), new RegExp(`slept ${slow}`), 'the slow call got its answer');
    const notify = await post(s.url, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'notify_standalone', arguments: { text: 'still here' } } }, { sessionId: session, protocolVersion: V });
    await notify.text();
    await standalone.next((m) => (m.params as { data?: string } | undefined)?.data === 'still here');
  });
});

describe('the connection cap', () => {
  let s: InProcess;
  const clients: RawClient[] = [];
  after(async () => {
    for (const c of clients) c.destroy();
    await s?.close();
  });

  /** A connection that sent half a request: it holds its place until the headers timeout (10 s here). */
  const holder = async (url: string) => {
    const c = new RawClient(url);
    clients.push(c);
    await c.write(requestHead(url, 'GET', {}, true));
    return c;
  };
  const healthz = async (url: string) => {
    const c = new RawClient(url);
    clients.push(c);
    await c.write(requestHead(url.replace(/\/mcp$/, '/healthz'), 'GET', { Connection: 'close' }));
    await c.closed;
    return c;
  };

  test('beyond the cap a connection gets 503 with Retry-After and is closed; once one closes, connections are served again', async () => {
    s = await startInProcess({}, { maxConnections: 2, headersTimeoutMs: 10_000, requestTimeoutMs: 10_000 });
    const held = [await holder(s.url), await holder(s.url)];
    const refused = await healthz(s.url);
    assert.equal(refused.status(), 503, refused.received);
    assert.equal(refused.header('connection'), 'close');
    assert.equal(refused.header('retry-after'), '1');
    assert.match(JSON.parse(refused.body()).error.message, /connections/);
    const again = await healthz(s.url);
    assert.equal(again.status(), 503, 'still full: the refused connections do not count');
    assert.equal(s.events('connections_refused').length, 1, 'the state change is logged once, not per refusal');

    held[0]!.destroy();
    let status: number | undefined;
    for (let i = 0; i < 50 && status !== 200; i++) {
      await sleep(20);
      status = (await healthz(s.url)).status();
    }
    assert.equal(status, 200, 'served again once a connection closed');

    const resumed = s.events('connections_accepted');
    assert.equal(resumed.length, 1);
    assert.ok(Number(resumed[0]!.refused) >= 2, JSON.stringify(resumed[0]));
    const counted = metric(await scrape(s.url), 'durable_mcp_http_refused_total{reason="max_connections"}');
    assert.ok(counted >= 2 && counted === Number(resumed[0]!.refused), `each refusal counted (${counted})`);
  });
});

describe('serve: the limits are flags and environment variables', () => {
  let server: ServerProcess | undefined;
  const clients: RawClient[] = [];
  after(async () => {
    for (const c of clients) c.destroy();
    await server?.kill('SIGKILL');
  });

  test('--headers-timeout, --request-timeout, --keep-alive-timeout and DURABLE_MCP_MAX_CONNECTIONS reach the listener', async () => {
    server = await startServer({
      store: 'pglite:memory',
      args: ['--headers-timeout', '300ms', '--request-timeout', '600ms', '--keep-alive-timeout', '700ms'],
      env: { DURABLE_MCP_MAX_CONNECTIONS: '3' },
    });
    const url = server.url;
    const connect = () => {
      const c = new RawClient(url);
      clients.push(c);
      return c;
    };
    const slowHeaders = connect();
    await slowHeaders.write(requestHead(url, 'POST', mcpHeaders, true));
    const slowBody = connect();
    await slowBody.write(requestHead(url, 'POST', { ...mcpHeaders, 'Content-Length': '100' }));
    const idle = connect();
    await idle.write(requestHead(url.replace(/\/mcp$/, '/healthz'), 'GET', {}));
    const overCap = connect();
    await overCap.write(requestHead(url.replace(/\/mcp$/, '/healthz'), 'GET', {}));
    await Promise.all([slowHeaders.closed, slowBody.closed, idle.closed, overCap.closed]);
    assert.equal(overCap.status(), 503, 'the fourth connection is over the cap of 3');
    assert.equal(slowHeaders.status(), 408);
    assert.equal(slowBody.status(), 408);
    assert.ok(slowHeaders.closedAt! < slowBody.closedAt!, `headers bound (${slowHeaders.closedAt} ms) before the request bound (${slowBody.closedAt} ms)`);
    assert.equal(idle.status(), 200);
    assert.ok(idle.closedAt! >= 700 && idle.closedAt! < 5000, `the idle kept-alive connection closed after ~700 ms (${idle.closedAt} ms)`);
  });
});
