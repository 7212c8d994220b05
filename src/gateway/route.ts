/**
 * One route of the gateway: the upstream served at `/mcp` (name '') or
 * `/mcp/<name>`, with everything the front needs to serve it: how to make a
 * front session's link, how to report, what a client may see of a failure,
 * and how to tell whether the upstream answers.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { JSONRPCErrorResponse, RequestId } from '@modelcontextprotocol/client';
import type { Logger } from 'pino';
import { httpLinkFactory } from './http-link.js';
import type { StdioMetrics, StdioUpstreamConfig } from './stdio/index.js';
import { stdioRoute } from './stdio-route.js';
import type { LinkFactory } from './link.js';
import { displayUrl, secretScrubber, type Scrub } from './front/secrets.js';
import { cachedProbe, httpProbe, type Probe, type Reachability } from './ops/health.js';
import { UpstreamHistoryRecorder, type UpstreamHistory } from './ops/history.js';
import type { GatewayMetrics } from './ops/metrics.js';
import { routeTelemetry, type RouteTelemetry } from './ops/telemetry.js';
import { resolveUpstreamConfig, type UpstreamConfig } from './upstream/config.js';
import { UpstreamPool } from './upstream/wire/pool.js';
import { toJsonRpcError } from './upstream/errors.js';

interface RouteBase {
  /** Served at `/mcp/<name>`; '' (the default) serves `/mcp`. */
  name?: string;
  /** How long a client may take to answer an input request the gateway sends it for a 2026-07-28 upstream. Default 300 000 ms. */
  inputTimeoutMs?: number;
  /** Input rounds per request before giving up. Default 8. */
  inputRounds?: number;
}

/** An upstream over Streamable HTTP. */
export interface HttpUpstreamOptions extends RouteBase, UpstreamConfig {
  /** Forward the client's own Authorization header upstream (it replaces a configured one). Default false. */
  forwardAuthorization?: boolean;
}

/** Any other kind of upstream (a stdio child, ...): the front only needs its links. */
export interface LinkUpstreamOptions extends RouteBase {
  link: LinkFactory;
  /** What `/upstreams` shows about it; never a secret. */
  describe: Record<string, unknown>;
  probe?: Probe;
  /** Values to keep out of client answers and logs. */
  secrets?: readonly string[];
}

/** A stdio MCP server run by the gateway: one child per front session (or shared per principal). */
export interface StdioUpstreamOptions extends RouteBase, StdioUpstreamConfig {}

export type GatewayUpstreamOptions = HttpUpstreamOptions | StdioUpstreamOptions | LinkUpstreamOptions;

export const ROUTE_DEFAULTS = { inputTimeoutMs: 300_000, inputRounds: 8, healthCacheMs: 2_000, healthTimeoutMs: 5_000 } as const;

export interface GatewayRoute {
  readonly name: string;
  readonly link: LinkFactory;
  readonly telemetry: RouteTelemetry;
  readonly inputTimeoutMs: number;
  readonly inputRounds: number;
  /** The JSON-RPC error a client is sent for a failure, credentials scrubbed. */
  clientError(error: unknown, id: RequestId): JSONRPCErrorResponse;
  /** Runs `fn` with the client's Authorization header in reach of the upstream requests it makes (when forwarded). */
  withClientAuthorization<T>(authorization: string | undefined, fn: () => T): T;
  readonly describe: Record<string, unknown>;
  health(): Promise<Reachability | undefined>;
  /** What this process has seen of the upstream since it started (last re-initialization, unknown outcomes...). */
  history(): UpstreamHistory;
  readonly scrub: Scrub;
  /** Throws (a 503-mapped error) when a new session cannot be served now; checked before the session exists. */
  admit(): void;
  /** Releases what the route holds (pooled upstream connections) and ends what it runs (stdio children). */
  close(): Promise<void>;
}

export interface RouteDeps {
  logger: Logger;
  metrics: GatewayMetrics;
  stdioMetrics: StdioMetrics;
}

function isHttp(options: GatewayUpstreamOptions): options is HttpUpstreamOptions {
  return 'url' in options;
}

function isStdio(options: GatewayUpstreamOptions): options is StdioUpstreamOptions {
  return 'command' in options || 'commandLine' in options;
}

function scrubberOf(values: readonly string[]): Scrub {
  const secrets = values.filter((s) => s.length >= 4);
  return (text) => secrets.reduce((out, secret) => out.split(secret).join('[redacted]'), text);
}

export function createRoute(options: GatewayUpstreamOptions, deps: RouteDeps): GatewayRoute {
  const name = options.name ?? '';
  const label = routeLabel(name);
  const inputTimeoutMs = options.inputTimeoutMs ?? ROUTE_DEFAULTS.inputTimeoutMs;
  const inputRounds = options.inputRounds ?? ROUTE_DEFAULTS.inputRounds;
  let link: LinkFactory;
  let scrub: Scrub;
  let describe: Record<string, unknown>;
  let probe: Probe | undefined;
  let forward: AsyncLocalStorage<string | undefined> | undefined;
  let admit = () => undefined as void;
  let close = () => Promise.resolve();
  if (isHttp(options)) {
    // The client's own Authorization header, when forwarded, is read where the upstream request is made: the
    // front runs each client message inside withClientAuthorization().
    const store = options.forwardAuthorization ? (forward = new AsyncLocalStorage<string | undefined>()) : undefined;
    if (store && options.pool) throw new TypeError('forwardAuthorization needs the route\'s own connections: leave `pool` out');
    const pool =
      options.pool ??
      new UpstreamPool({
        ...(store && {
          extraHeaders: () => {
            const authorization = store.getStore();
            return authorization === undefined ? undefined : { authorization };
          },
        }),
      });
    if (!options.pool) close = async () => pool.destroy();
    const base = resolveUpstreamConfig({ ...options, pool });
    scrub = secretScrubber(base.url, base.headers);
    link = httpLinkFactory(base);
    describe = { kind: 'http', url: displayUrl(base.url), era: base.era, forwardAuthorization: options.forwardAuthorization === true };
    probe = httpProbe(base.url, base.headers, pool, Math.min(base.handshakeTimeoutMs, ROUTE_DEFAULTS.healthTimeoutMs), scrub);
  } else if (isStdio(options)) {
    const stdio = stdioRoute(options, label, deps.logger, deps.stdioMetrics);
    scrub = scrubberOf(stdio.secrets);
    ({ link, describe, admit, close } = stdio);
  } else {
    scrub = scrubberOf(options.secrets ?? []);
    link = options.link;
    describe = options.describe;
    probe = options.probe;
  }
  const up = deps.metrics.up.labels(label);
  const health = probe && cachedProbe(probe, ROUTE_DEFAULTS.healthCacheMs, (r) => up.set(r.reachable ? 1 : 0));
  // A probe never rejects (a failure is its answer), so nothing is lost by not waiting for it.
  const stopRefresh = health ? deps.metrics.onCollect(() => void health()) : () => undefined;
  const closeTransport = close;
  close = async () => {
    stopRefresh();
    await closeTransport();
  };
  deps.metrics.initUpstream(label);
  const history = new UpstreamHistoryRecorder();
  return {
    name,
    link,
    telemetry: routeTelemetry(label, deps.logger, deps.metrics, history, scrub),
    inputTimeoutMs,
    inputRounds,
    clientError(error, id) {
      const response = toJsonRpcError(error, id);
      return { ...response, error: { ...response.error, message: scrub(response.error.message) } };
    },
    withClientAuthorization: forward ? (authorization, fn) => forward.run(authorization, fn) : (_authorization, fn) => fn(),
    describe,
    health: async () => (health ? health() : undefined),
    history: () => history.snapshot(),
    scrub,
    admit,
    close,
  };
}

/** The name a route has in metrics, logs and `/upstreams`. */
export function routeLabel(name: string): string {
  return name === '' ? 'default' : name;
}
