/**
 * `fetch` for the upstream, on node:http with a keep-alive agent per
 * upstream. Node's built-in fetch (undici) writes every request body as a
 * stream and builds a full WHATWG request around it; on a relayed call that
 * was the largest single cost in the gateway's profile. The SDK transport on
 * top only needs what a Response gives (status, headers, a body stream) and
 * an AbortSignal that ends the exchange, which this provides.
 */
import { request as httpRequest, Agent as HttpAgent, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { Readable } from 'node:stream';
import type { FetchLike } from '@modelcontextprotocol/client';

function headersOf(init: HeadersInit | undefined): Record<string, string> {
  if (!init) return {};
  if (init instanceof Headers) {
    const out: Record<string, string> = {};
    init.forEach((value, name) => (out[name] = value));
    return out;
  }
  if (Array.isArray(init)) return Object.fromEntries(init);
  return { ...(init as Record<string, string>) };
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

/** `destroy()` closes the pooled connections (when the gateway closes). */
export type NodeFetch = FetchLike & { destroy(): void };

export function nodeFetch(): NodeFetch {
  const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
  const fetchLike: FetchLike = (input, init) =>
    new Promise<Response>((resolve, reject) => {
      const url = input instanceof URL ? input : new URL(String(input));
      const secure = url.protocol === 'https:';
      const signal = init?.signal ?? undefined;
      if (signal?.aborted) return reject(signal.reason);
      const body = init?.body;
      if (body !== undefined && body !== null && typeof body !== 'string') return reject(new TypeError('the upstream fetch sends string bodies only'));
      const headers = headersOf(init?.headers);
      if (typeof body === 'string') headers['content-length'] = String(Buffer.byteLength(body));
      const request = (secure ? httpsRequest : httpRequest)(url, { method: init?.method ?? 'GET', headers, agent: secure ? agents.https : agents.http });
      const onAbort = () => request.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      signal?.addEventListener('abort', onAbort, { once: true });
      request.once('error', (error) => {
        signal?.removeEventListener('abort', onAbort);
        // As fetch reports a failed connection: a TypeError whose cause is the system error (classify reads both).
        reject(signal?.aborted ? signal.reason : Object.assign(new TypeError('fetch failed'), { cause: error }));
      });
      request.once('response', (incoming) => {
        incoming.once('close', () => signal?.removeEventListener('abort', onAbort));
        const status = incoming.statusCode ?? 0;
        const noBody = status === 204 || status === 304 || (init?.method ?? 'GET').toUpperCase() === 'HEAD';
        // Readable.toWeb yields Uint8Array chunks, as a fetch body does.
        const stream = noBody ? null : (Readable.toWeb(incoming) as ReadableStream<Uint8Array>);
        if (noBody) incoming.resume();
        resolve(new Response(stream, { status, statusText: incoming.statusMessage ?? '', headers: responseHeaders(incoming.headers) }));
      });
      request.end(body ?? undefined);
    });
  return Object.assign(fetchLike, {
    destroy() {
      agents.http.destroy();
      agents.https.destroy();
    },
  });
}
