import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { getRequestListener } from '@hono/node-server';
import { DurableMcpError } from '../runtime/errors.js';
import { registerConnectionProbe } from '../runtime/web/client-gone.js';
import type { DurableServer } from '../runtime/runtime.js';
import { closeAfterResponse } from './lingering-close.js';
import { checkingIntervalMs, ConnectionCap, declaredTooLarge, refuse, refusalCounter, resolveLimits, type ConnectionLimits } from './limits.js';

export interface ListenOptions extends Partial<ConnectionLimits> {
  port: number;
  host: string;
  /** Where the connection cap filling and clearing is logged (`connections_refused`, `connections_accepted`). Default: not logged, only counted. */
  logger?: Logger;
}

export interface Listening {
  readonly url: string;
  readonly port: number;
  readonly http: Server;
  /** Refuses new connections and closes idle keep-alive ones; requests in progress continue. */
  stopAccepting(): void;
  /** Stops accepting, closes every connection, and resolves when the server is closed. */
  close(): Promise<void>;
}

/**
 * Tells the core, per request, whether its client is still there (a probe
 * on the response's socket, far cheaper on Node 20 than creating the
 * request's AbortSignal; see runtime/web/client-gone.ts). And two things
 * about SSE answers, which every MCP response stream is:
 * - @hono/node-server reads up to three chunks of a streamed body before it
 *   sends the headers (to give a short body a Content-Length), and when the
 *   first chunk is ready but the second is not, it waits for a timer
 *   (>= 1 ms). Every SSE answer starts with a ready priming event, so each
 *   would pay that wait. Saying "chunked", which HTTP/1.1 implies here
 *   anyway, makes the adapter send headers and events as they come.
 * - Sent as they come, the headers, the priming event, a quick tool's
 *   response and the stream's end would be four writes. Corking the socket
 *   until the end of this turn of the event loop makes them one; a slow
 *   response still goes out when it is ready.
 */
function streamAtOnce(fetch: DurableServer['fetch']) {
  return async (
    request: Request,
    env: { incoming: Pick<IncomingMessage, 'httpVersion' | 'complete'>; outgoing: Pick<ServerResponse, 'cork' | 'uncork' | 'destroyed' | 'socket'> },
  ): Promise<Response> => {
    registerConnectionProbe(request, () => env.outgoing.destroyed);
    const response = await fetch(request);
    // Answered before its body was read to the end (a 413 at the limit of a chunked body, a 401 or 415
    // before reading): keeping the connection would mean reading and discarding whatever the client still
    // sends, without end for an endless chunked body. Closing it stops the reading.
    if (!env.incoming.complete) {
      response.headers.set('connection', 'close');
      closeAfterResponse(env.incoming, env.outgoing);
    }
    if (env.incoming.httpVersion === '1.1' && response.headers.get('content-type') === 'text/event-stream') {
      response.headers.set('transfer-encoding', 'chunked');
      env.outgoing.cork();
      setImmediate(() => env.outgoing.uncork());
    }
    return response;
  };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The one bind rule: without API keys, nothing but loopback (anyone who can reach the port could use every session). */
export function assertBindAllowed(host: string, authEnabled: boolean): void {
  if (authEnabled || isLoopback(host)) return;
  throw new DurableMcpError(
    'AUTH_REQUIRED',
    `refusing to listen on ${host} without API keys: anyone who can reach it could use every session. ` +
      `Configure keys with DURABLE_MCP_API_KEYS="name:secret[,name2:secret2]" or --api-keys-file <file> ` +
      `(lines "name:secret" or "name:sha256:<hex>"), or bind 127.0.0.1.`,
  );
}

/**
 * The thin Node adapter: node:http in front of the Web-standard core. It is
 * also where the bind address is known, so it enforces the bind rule. It
 * takes part in the server's close(): stops accepting before the drain,
 * closes its sockets after it.
 */
export async function listen(server: DurableServer, options: ListenOptions): Promise<Listening> {
  assertBindAllowed(options.host, server.info.authEnabled);
  const limits = resolveLimits(options);
  const http = createServer({
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: checkingIntervalMs(limits),
  });
  const refused = refusalCounter(server.metrics.registry);
  const cap = new ConnectionCap(limits.maxConnections, options.logger);
  cap.attach(http);
  const core = getRequestListener(streamAtOnce(server.fetch), { hostname: options.host, overrideGlobalObjects: false });
  // Refusals decided from the connection and the headers alone, before the core and before any body byte is read.
  const answer = (req: IncomingMessage, res: ServerResponse, expectsContinue = false): void => {
    const early = cap.check(req) ?? declaredTooLarge(req, server.info.maxBodyBytes);
    if (early) {
      refused.inc({ reason: early.reason });
      closeAfterResponse(req, res);
      void refuse(res, early.response, server.info.deploymentId);
      return;
    }
    if (expectsContinue) res.writeContinue();
    void core(req, res);
  };
  http.on('request', answer);
  // Node would send `100 Continue` on its own, inviting the body that is about to be refused.
  http.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => answer(req, res, true));
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, options.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const { port } = http.address() as AddressInfo;
  const hostForUrl = options.host.includes(':') && !options.host.startsWith('[') ? `[${options.host}]` : options.host;
  const closed = new Promise<void>((resolve) => http.once('close', () => resolve()));
  let accepting = true;
  const stopAccepting = () => {
    if (!accepting) return;
    accepting = false;
    http.close();
    http.closeIdleConnections();
  };
  const close = () => {
    stopAccepting();
    http.closeAllConnections();
    return closed;
  };
  server.addHook('preClose', stopAccepting);
  server.addHook('onClose', close);
  return { url: `http://${hostForUrl}:${port}/mcp`, port, http, stopAccepting, close };
}
