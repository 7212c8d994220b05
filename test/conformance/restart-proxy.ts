/**
 * An HTTP proxy that puts a SIGKILL and a restart of the server under test in
 * the middle of each conformance scenario, on the same store: the scenario's
 * client sees one URL, while its session is created by one process and
 * served, from the store, by the next.
 *
 * When it restarts (requests that arrive meanwhile wait, then go to the new
 * process):
 * - before the first JSON-RPC request (not initialize) of each new
 *   `Mcp-Session-Id`: the handshake happened on the old process, everything
 *   the scenario actually tests on the new one;
 * - before the first resume of a request stream (GET with a Last-Event-ID of
 *   a POST stream) of each session: the client resumes (SEP-1699) on a
 *   process that never saw the stream. The resume is held for the server's
 *   SSE `retry` hint first, as a compliant client waits (the suite's client
 *   reconnects at once): the request whose stream was closed finishes on the
 *   old process, and its result must then come from the store, not from a
 *   process that is gone. (Killing a process mid-request loses that request
 *   by design: that is what drain is for.)
 *
 * It first waits for POSTs already forwarded to finish (bounded), so the kill
 * falls between requests, as in a deploy whose drain timed out; open
 * standalone GET streams are cut, as a crash cuts them, and clients
 * reconnect. Requests, Host and Origin headers are forwarded unchanged (the
 * DNS-rebinding scenario depends on it).
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Served } from './server.js';

export interface RestartProxyOptions {
  /** Starts a server process on the shared store. */
  start: () => Promise<Served>;
  /** How long a restart waits for in-flight POSTs before killing anyway. */
  quiesceMs?: number;
  /** How long a stream resume is held before the restart: the `retry` the server advertises (durable-mcp default 1000 ms). */
  resumeDelayMs?: number;
  log?: (line: string) => void;
}

export interface RestartRecord {
  reason: 'after-handshake' | 'before-resume';
  sessionId: string;
  rpcMethod?: string;
  /** From the kill to the new process listening. */
  downtimeMs: number;
}

export interface RestartProxy {
  readonly url: string;
  readonly restarts: readonly RestartRecord[];
  /** The process serving now (its logs, for diagnosis). */
  current(): Served;
  close(): Promise<void>;
}

/** Hop-by-hop headers (RFC 9110 7.6.1) are the proxy's own business on each leg. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

function forwardable(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The JSON-RPC request method of a POST body (not notifications or responses), if any. */
function requestMethodOf(body: Buffer): string | undefined {
  try {
    const message = JSON.parse(body.toString('utf8')) as { method?: unknown; id?: unknown };
    return typeof message.method === 'string' && message.id !== undefined && message.id !== null ? message.method : undefined;
  } catch {
    return undefined;
  }
}

// The SDK names the standalone GET stream `_GET_stream`, and durable-mcp's event ids start with the stream id:
// a GET resuming that stream is a plain reconnect, not the resume of a request stream.
const isRequestStreamResume = (lastEventId: string) => !lastEventId.startsWith('_GET_stream');

export async function startRestartProxy(options: RestartProxyOptions): Promise<RestartProxy> {
  const log = options.log ?? (() => {});
  const quiesceMs = options.quiesceMs ?? 5000;
  const resumeDelayMs = options.resumeDelayMs ?? 1000;
  let backend = await options.start();
  let gate: Promise<void> = Promise.resolve();
  const handshaken = new Set<string>();
  const resumed = new Set<string>();
  const restarts: RestartRecord[] = [];
  /** POSTs forwarded whose response has not ended yet. */
  let postsInFlight = 0;
  const idleWaiters = new Set<() => void>();
  /** Client responses of streams open on the current backend, cut when it dies. */
  const open = new Set<ServerResponse>();

  const postDone = () => {
    postsInFlight -= 1;
    if (postsInFlight === 0) for (const wake of idleWaiters) wake();
  };

  async function quiesce(): Promise<void> {
    if (postsInFlight === 0) return;
    await new Promise<void>((resolve) => {
      const wake = () => {
        idleWaiters.delete(wake);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(wake, quiesceMs);
      idleWaiters.add(wake);
    });
  }

  function restart(record: Omit<RestartRecord, 'downtimeMs'>): Promise<void> {
    const previous = gate;
    gate = (async () => {
      await previous;
      await quiesce();
      const killedAt = Date.now();
      await backend.kill('SIGKILL');
      for (const res of open) res.destroy();
      open.clear();
      backend = await options.start();
      const downtimeMs = Date.now() - killedAt;
      restarts.push({ ...record, downtimeMs });
      log(`restart #${restarts.length} (${record.reason}, session ${record.sessionId.slice(0, 8)}…, ${record.rpcMethod ?? 'GET'}): ${downtimeMs} ms down`);
    })();
    return gate;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = req.method === 'POST' ? await readBody(req) : undefined;
    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const rpcMethod = body ? requestMethodOf(body) : undefined;
      const lastEventId = req.headers['last-event-id'];
      if (rpcMethod !== undefined && rpcMethod !== 'initialize' && !handshaken.has(sessionId)) {
        handshaken.add(sessionId);
        await restart({ reason: 'after-handshake', sessionId, rpcMethod });
      } else if (req.method === 'GET' && typeof lastEventId === 'string' && isRequestStreamResume(lastEventId) && !resumed.has(sessionId)) {
        resumed.add(sessionId);
        await new Promise((resolve) => setTimeout(resolve, resumeDelayMs));
        await restart({ reason: 'before-resume', sessionId });
      }
    }
    await gate;

    const target = new URL(backend.url);
    const isPost = req.method === 'POST';
    if (isPost) postsInFlight += 1;
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      open.delete(res);
      if (isPost) postDone();
    };
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        // Host and Origin exactly as the client sent them.
        headers: { ...forwardable(req.headers), ...(body && { 'content-length': String(body.length) }) },
        agent: false,
      },
      (response) => {
        res.writeHead(response.statusCode ?? 502, forwardable(response.headers));
        res.flushHeaders();
        open.add(res);
        response.on('data', (chunk: Buffer) => res.write(chunk));
        response.on('end', () => {
          settle();
          res.end();
        });
        response.on('error', () => {
          settle();
          res.destroy();
        });
        response.on('aborted', () => {
          settle();
          res.destroy();
        });
      },
    );
    upstream.on('error', (error) => {
      settle();
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`restart proxy: upstream failed: ${error.message}`);
      } else {
        res.destroy();
      }
    });
    // A client that goes away takes its upstream request with it.
    res.on('close', () => {
      settle();
      upstream.destroy();
    });
    upstream.end(body);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`restart proxy: ${(error as Error).message}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/mcp`,
    restarts,
    current: () => backend,
    async close() {
      await gate.catch(() => {});
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await backend.kill('SIGKILL');
    },
  };
}
