import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { tempDir } from '../support/postgres.js';
import { metric, openSession, parseSse, post, scrape, type SseEvent } from '../support/http.js';
import { startServer, type ServerProcess } from '../support/server-process.js';

const steps = (id: number, tag: string, count: number, delayMs: number) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name: 'steps', arguments: { tag, count, delayMs } },
});

/** Reads SSE events from a live response until `n` events with data have arrived, then drops the connection. */
async function readEvents(res: Response, n: number, abort: AbortController): Promise<SseEvent[]> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    const all = parseSse(text.slice(0, text.lastIndexOf('\n\n') + 2));
    const events = all.filter((e) => e.data.trim() !== '');
    if (events.length >= n) {
      abort.abort();
      await reader.cancel().catch(() => {});
      // Exactly the first n messages count as seen (with what preceded them): on a slow machine a later event can
      // share the chunk, and the client resumes from the n-th either way.
      return all.slice(0, all.indexOf(events[n - 1]!) + 1);
    }
  }
  return parseSse(text);
}

const dataOf = (events: SseEvent[]) => events.filter((e) => e.data.trim() !== '').map((e) => JSON.parse(e.data) as { params?: { data?: string }; result?: { content: Array<{ text: string }> } });
const labels = (events: SseEvent[]) => dataOf(events).map((m) => m.params?.data ?? m.result?.content[0]?.text);

describe('resumable streams across a restart', () => {
  let server: ServerProcess | undefined;
  const started: ServerProcess[] = [];
  const start = async (options: Parameters<typeof startServer>[0]) => {
    server = await startServer(options);
    started.push(server);
    return server;
  };
  after(() => Promise.all(started.map((s) => s.kill('SIGKILL'))));

  test('Last-Event-ID after a SIGKILL restart returns the missed events of that stream only', async () => {
    const store = `pglite:${tempDir('dmcp-resume-')}`;
    server = await start({ store });
    const s1 = await openSession(server.url);
    const s2 = await openSession(server.url);

    // Stream A: read the priming event and two messages, then drop the connection.
    const abort = new AbortController();
    const resA = await post(server.url, steps(1, 'A', 5, 150), { sessionId: s1, protocolVersion: '2025-11-25', signal: abort.signal });
    const seen = await readEvents(resA, 2, abort).catch(() => [] as SseEvent[]);
    const priming = seen[0]!;
    assert.equal(priming.data.trim(), '', 'the stream opens with a priming event');
    assert.ok(priming.id, 'the priming event carries an id');
    assert.equal(priming.retry, 1000, 'and a retry hint');
    assert.deepEqual(labels(seen), ['A:1', 'A:2']);
    const lastSeen = seen.filter((e) => e.data.trim() !== '').at(-1)!.id!;

    // Other streams in the same session and in another session, which must never leak into A's replay.
    const resB = await post(server.url, steps(2, 'B', 3, 0), { sessionId: s1 });
    assert.deepEqual(labels(parseSse(await resB.text())), ['B:1', 'B:2', 'B:3', 'B:done']);
    const resC = await post(server.url, steps(3, 'C', 3, 0), { sessionId: s2 });
    const cEvents = parseSse(await resC.text());
    assert.deepEqual(labels(cEvents), ['C:1', 'C:2', 'C:3', 'C:done']);

    // Let A finish in the background (its events are stored while nobody listens), then crash.
    await new Promise((r) => setTimeout(r, 1200));
    await server.kill('SIGKILL');
    server = await start({ store, port: server.port });

    const resumed = await fetch(server.url, {
      headers: { accept: 'text/event-stream', 'mcp-session-id': s1, 'mcp-protocol-version': '2025-11-25', 'last-event-id': lastSeen },
    });
    assert.equal(resumed.status, 200);
    const replay = parseSse(await resumed.text());
    assert.deepEqual(labels(replay), ['A:3', 'A:4', 'A:5', 'A:done'], 'exactly the missed events of stream A');
    for (const e of replay) assert.ok(e.id?.startsWith(lastSeen.split(':')[0]!), 'replayed ids belong to stream A');

    // The same cursor presented by another session finds nothing: events are scoped per session.
    const foreign = await fetch(server.url, {
      headers: { accept: 'text/event-stream', 'mcp-session-id': s2, 'mcp-protocol-version': '2025-11-25', 'last-event-id': lastSeen },
    });
    assert.equal(foreign.status, 200);
    assert.deepEqual(labels(parseSse(await foreign.text())), []);

    // A malformed cursor is a client error, not a crash.
    const bad = await fetch(server.url, {
      headers: { accept: 'text/event-stream', 'mcp-session-id': s1, 'mcp-protocol-version': '2025-11-25', 'last-event-id': 'garbage' },
    });
    assert.equal(bad.status, 400);
  });

  test('a response read on its open stream is not stored; one whose client went away is, and is replayed', async () => {
    server = await start({ store: `pglite:${tempDir('dmcp-unstored-')}` });
    const stored = async () => metric(await scrape(server!.url), 'durable_mcp_events_stored_total');
    /** Events are group-committed in the order they were sent: once `count` are in, every earlier one is too. */
    const storedAtLeast = async (count: number) => {
      for (let i = 0; i < 200 && (await stored()) < count; i++) await new Promise((r) => setTimeout(r, 25));
      return stored();
    };
    const session = await openSession(server.url);
    const echo = (id: number) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text: `e${id}` } } });
    for (let id = 1; id <= 5; id++) {
      const res = await post(server.url, echo(id), { sessionId: session, protocolVersion: '2025-11-25' });
      assert.match(await res.text(), new RegExp(`e${id}`));
    }
    // A notification is always stored. Once it is committed, so is any write the five answers above caused.
    const marker = await post(server.url, { jsonrpc: '2.0', id: 100, method: 'tools/call', params: { name: 'log', arguments: { level: 'info', text: 'marker' } } }, { sessionId: session, protocolVersion: '2025-11-25' });
    assert.match(await marker.text(), /marker/);
    assert.equal(await storedAtLeast(1), 1, 'answers delivered on their open stream cost no write (only the marker notification was stored)');

    // The client reads the priming event and one notification, then its connection drops; the tool goes on.
    const abort = new AbortController();
    const res = await post(server.url, steps(6, 'L', 2, 300), { sessionId: session, protocolVersion: '2025-11-25', signal: abort.signal });
    const seen = await readEvents(res, 1, abort).catch(() => [] as SseEvent[]);
    assert.deepEqual(labels(seen), ['L:1']);
    const lastSeen = seen.filter((e) => e.data.trim() !== '').at(-1)!.id!;
    // Notifications are always stored (L:1, L:2); the response is stored because nobody was there to read it.
    // Four rows can only appear once the tool has answered into the void.
    assert.equal(await storedAtLeast(4), 4, 'the marker, L:1, L:2 and the unread response');
    const resumed = await fetch(server.url, {
      headers: { accept: 'text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25', 'last-event-id': lastSeen },
    });
    // The replayed stream stays open (as the SDK keeps resumed streams); read until the response.
    assert.deepEqual(labels(await readEvents(resumed, 2, new AbortController())), ['L:2', 'L:done']);
    // A replay first flushes every pending write: this count is final.
    assert.equal(await stored(), 4, 'nothing else was stored');
  });
});
