/**
 * The gateway's connections to one upstream: node:http with keep-alive
 * agents, shared by every upstream session of a route. `send` is what the
 * message-level exchange (exchange.ts here) writes on; `fetch` is the same
 * sockets behind a fetch-shaped face, for the SDK transport where it is
 * still used (2026-07-28 upstreams, sdk-exchange.ts).
 *
 * Why node:http with a keep-alive Agent rather than the built-in fetch
 * (undici, which keeps connections alive as well): measured on the bench
 * machine, the same echo POST to the bench upstream, 8 sessions in parallel,
 * cost the calling process 0.74 ms CPU per request through fetch and
 * 0.28 ms through node:http (0.92 vs 0.37 ms one at a time). fetch writes
 * every body as a stream and builds a WHATWG Request, Headers and Response
 * per call; here a request is one `writev` of headers and body, and the
 * answer is read off the socket's own stream.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import type { FetchLike } from '@modelcontextprotocol/client';

export interface WireRequest {
  method: 'GET' | 'POST' | 'DELETE';
  /** Lower-case names. */
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
  /** The request's last byte was handed to the connection (the upstream can read all of it). */
  onWritten?: () => void;
}

export interface PoolOptions {
  /** Headers decided per request at send time (the client's own Authorization, when forwarded); they win. */
  extraHeaders?: () => Record<string, string> | undefined;
  /** How long a connection may sit unused in the pool before the pool closes it. Default IDLE_SOCKET_MS. */
  idleSocketMs?: number;
}

/**
 * Below the idle timeout of the servers most MCP servers run on (uvicorn and so FastMCP, Starlette, Node: 5 s).
 * A request written on a connection the upstream is closing at that moment is lost in a way that looks like a crash
 * during the call, an unknown outcome for a write that never ran; closing first avoids the race. A server that
 * announces its own timeout (`Keep-Alive: timeout=N`) is honoured by Node's agent, a second before it.
 */
export const IDLE_SOCKET_MS = 4_000;

export class UpstreamPool {
  readonly #http: HttpAgent;
  readonly #https: HttpsAgent;
  readonly #extra: PoolOptions['extraHeaders'];

  constructor(options: PoolOptions = {}) {
    this.#extra = options.extraHeaders;
    // An agent's `timeout` closes a socket idle in the pool; on a socket in use it only emits 'timeout', which
    // nothing here listens to, so a long call or an open SSE stream is not cut by it.
    const timeout = options.idleSocketMs ?? IDLE_SOCKET_MS;
    this.#http = new HttpAgent({ keepAlive: true, timeout });
    this.#https = new HttpsAgent({ keepAlive: true, timeout });
  }

  /**
   * Sends one request; resolves with the response once its headers arrived.
   * Connection failures reject with the system error (its `code` is what
   * classify() reads); an abort rejects with the signal's reason and
   * destroys the request, so its socket is never reused half-read.
   */
  send(url: URL, request: WireRequest): Promise<IncomingMessage> {
    return new Promise<IncomingMessage>((resolve, reject) => {
      const { signal } = request;
      if (signal.aborted) return reject(signal.reason);
      const secure = url.protocol === 'https:';
      const extra = this.#extra?.();
      const headers: Record<string, string> = extra ? { ...request.headers, ...extra } : { ...request.headers };
      if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
      const outgoing = (secure ? httpsRequest : httpRequest)(url, { method: request.method, headers, agent: secure ? this.#https : this.#http });
      const onAbort = () => outgoing.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      signal.addEventListener('abort', onAbort, { once: true });
      // `on`, not `once`: an error event without a listener would crash the process.
      outgoing.on('error', (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(signal.aborted ? signal.reason : error);
      });
      outgoing.once('response', (incoming) => {
        // The response is the caller's from here: it reads it to the end or destroys it; an abort still ends it.
        incoming.once('close', () => signal.removeEventListener('abort', onAbort));
        resolve(incoming);
      });
      if (request.onWritten) outgoing.once('finish', request.onWritten);
      outgoing.end(request.body);
    });
  }

  /** For the SDK transport: the same sockets, with what a fetch Response needs (status, headers, a body stream). */
  readonly fetch: FetchLike = async (input, init) => {
    const url = input instanceof URL ? input : new URL(String(input));
    const body = init?.body;
    if (body !== undefined && body !== null && typeof body !== 'string') throw new TypeError('the upstream fetch sends string bodies only');
    const method = (init?.method ?? 'GET').toUpperCase();
    if (method !== 'GET' && method !== 'POST' && method !== 'DELETE') throw new TypeError(`the upstream fetch does not send ${method}`);
    const signal = init?.signal ?? new AbortController().signal;
    let incoming: IncomingMessage;
    try {
      incoming = await this.send(url, { method, headers: headersOf(init?.headers), ...(typeof body === 'string' && { body }), signal });
    } catch (error) {
      // As fetch reports a failed connection: a TypeError whose cause is the system error (classify reads both).
      throw signal.aborted ? error : Object.assign(new TypeError('fetch failed'), { cause: error });
    }
    const status = incoming.statusCode ?? 0;
    const noBody = status === 204 || status === 304;
    if (noBody) incoming.resume();
    // Readable.toWeb yields Uint8Array chunks, as a fetch body does.
    const stream = noBody ? null : (Readable.toWeb(incoming) as ReadableStream<Uint8Array>);
    return new Response(stream, { status, statusText: incoming.statusMessage ?? '', headers: responseHeaders(incoming.headers) });
  };

  /** Closes the pooled connections (when the gateway closes). */
  destroy(): void {
    this.#http.destroy();
    this.#https.destroy();
  }
}

function headersOf(init: HeadersInit | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(init).forEach((value, name) => (out[name] = value));
  return out;
}

function responseHeaders(raw: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  return headers;
}
