import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { wireError } from '../runtime/errors.js';

/**
 * What one connection may cost before the core sees a request. Node's own
 * defaults hold a slow-body client for 300 s and take any number of
 * connections; these fit an MCP server instead. None of them bounds a
 * response: an SSE stream (GET, or a long tool call's POST) stays open for as
 * long as it runs, because Node's request timeout ends when the request has
 * been received, not when it has been answered.
 */
export interface ConnectionLimits {
  /** Time to receive a request's headers (slowloris). Default 10 s. */
  headersTimeoutMs: number;
  /** Time to receive a whole request, headers and body. Default 30 s (a 4 MiB body at ~140 KiB/s). */
  requestTimeoutMs: number;
  /** An idle kept-alive connection is closed after this; above a load balancer's own idle timeout (often 60 s). Default 65 s. */
  keepAliveTimeoutMs: number;
  /** Connections held at once; one more is answered 503 and closed. Default 4096. */
  maxConnections: number;
}

export const DEFAULT_LIMITS: ConnectionLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 65_000,
  maxConnections: 4096,
};

export function resolveLimits(given: Partial<ConnectionLimits>): ConnectionLimits {
  const limits = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(DEFAULT_LIMITS) as Array<keyof ConnectionLimits>) {
    const value = given[key];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value <= 0) throw new RangeError(`${key} must be a positive integer, got ${value}`);
    limits[key] = value;
  }
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new RangeError(
      `the headers timeout (${limits.headersTimeoutMs} ms) must not exceed the request timeout (${limits.requestTimeoutMs} ms): headers are part of the request`,
    );
  }
  return limits;
}

/**
 * How often Node looks for connections past those timeouts (its default, 30 s,
 * would let a 1 s bound run to 31 s): a quarter of the shorter bound, so a
 * connection is cut within 125 % of it.
 */
export function checkingIntervalMs(limits: ConnectionLimits): number {
  return Math.max(50, Math.min(30_000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4)));
}

/** Writes a refusal made by the core's error catalogue, then closes the connection without reading the request's body. */
export async function refuse(res: ServerResponse, response: Response, deploymentId: string): Promise<void> {
  const body = await response.text();
  const headers: Record<string, string | number> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  res.writeHead(response.status, {
    ...headers,
    'x-deployment-id': deploymentId,
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  });
  res.end(body);
}

/** Why the adapter answered a request itself, and with what. */
export interface Refusal {
  reason: 'body_too_large' | 'max_connections';
  response: Response;
}

/** A declared Content-Length above the limit: refused before a byte of the body is read. */
export function declaredTooLarge(req: IncomingMessage, maxBodyBytes: number): Refusal | undefined {
  const declared = Number(req.headers['content-length']);
  if (!(declared > maxBodyBytes)) return undefined;
  return {
    reason: 'body_too_large',
    response: wireError('BODY_TOO_LARGE', { message: `Payload too large: request bodies are limited to ${maxBodyBytes} bytes` }),
  };
}

/** `durable_mcp_http_refused_total{reason}`, in the server's registry (once, however many listeners share it). */
export function refusalCounter(registry: Registry): Counter<'reason'> {
  const name = 'durable_mcp_http_refused_total';
  return (
    (registry.getSingleMetric(name) as Counter<'reason'> | undefined) ??
    new Counter({
      name,
      help: 'Requests the Node adapter answered itself before the core: body_too_large (declared Content-Length), max_connections.',
      labelNames: ['reason'],
      registers: [registry],
    })
  );
}

/**
 * Counts open connections and marks those beyond the cap. A marked connection
 * is answered 503 (with Retry-After) on its first request and closed: a client
 * learns the server is full and that nothing ran, where a silently dropped
 * connection would leave a POST's outcome unknown. Marked connections do not
 * count, and the cap filling and clearing is logged once each, not per refusal.
 */
export class ConnectionCap {
  private open = 0;
  private full = false;
  private refusedSinceFull = 0;
  private readonly over = new WeakSet<Socket>();

  constructor(
    private readonly max: number,
    private readonly logger: Logger | undefined,
  ) {}

  attach(http: Server): void {
    http.on('connection', (socket: Socket) => {
      if (this.open >= this.max) {
        this.over.add(socket);
        return;
      }
      this.open += 1;
      socket.once('close', () => {
        this.open -= 1;
        if (this.full && this.open < this.max) {
          this.full = false;
          this.logger?.info(
            { event: 'connections_accepted', open: this.open, max: this.max, refused: this.refusedSinceFull },
            'below the connection cap again: accepting connections',
          );
        }
      });
    });
  }

  /** The refusal for a request on a connection beyond the cap, else undefined. */
  check(req: IncomingMessage): Refusal | undefined {
    if (!this.over.has(req.socket)) return undefined;
    if (!this.full) {
      this.full = true;
      this.refusedSinceFull = 0;
      this.logger?.warn({ event: 'connections_refused', open: this.open, max: this.max }, `connection cap reached (${this.max}): refusing new connections with 503`);
    }
    this.refusedSinceFull += 1;
    return {
      reason: 'max_connections',
      response: wireError('UNAVAILABLE', {
        message: `Too many connections: this server holds its maximum of ${this.max}. Nothing was processed; retry shortly.`,
        headers: { 'retry-after': '1' },
      }),
    };
  }
}
