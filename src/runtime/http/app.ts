import { Hono } from 'hono';
import type { Logger } from 'pino';
import type { ApiKey } from '../auth/api-keys.js';
import { failureResponse, wireError } from '../errors.js';
import type { Metrics } from '../ops/metrics.js';
import { bearerAuth, hostGuard, originGuard, type AuthVariables, type GuardOptions } from './guards.js';
import type { McpEndpoint } from './mcp-endpoint.js';
import { mountOpsRoutes, type OpsRouteOptions } from './ops-routes.js';
import type { RequestFields } from './request-log.js';

/** A route of the engine's own (the gateway's upstream health), served behind the same guards as `/mcp`. */
export interface GuardedRoute {
  /** A Hono path, e.g. `/upstreams/:name/health`. */
  path: string;
  handler(request: Request, params: Record<string, string>, principal: string): Response | Promise<Response>;
}

export interface HttpAppOptions {
  endpoint: McpEndpoint;
  /** The MCP endpoints: '' is `/mcp`, a name is `/mcp/<name>`. Default: `/mcp` only. */
  routes?: readonly string[];
  /** GET routes of the engine's own, behind the origin guard and API keys. */
  guardedRoutes?: readonly GuardedRoute[];
  apiKeys: readonly ApiKey[];
  guard: GuardOptions;
  deploymentId: string;
  logger: Logger;
  metrics: Metrics;
  ops: Omit<OpsRouteOptions, 'metrics' | 'deploymentId'>;
  mounts?: Readonly<Record<string, MountedHandler>>;
}

/** A Web-standard handler served under a path prefix; it receives the request with its full path. */
export type MountedHandler = (request: Request) => Response | Promise<Response>;

type Env = { Variables: AuthVariables & { fields: RequestFields } };

const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * The HTTP face, on Web-standard Request/Response (Hono): every response
 * names the deployment; every request gets one log line and its metrics;
 * /mcp and /sessions sit behind the origin guard and bearer auth; probes
 * need neither.
 */
export function createHttpApp(options: HttpAppOptions): Hono<Env> {
  const { logger, deploymentId, metrics } = options;
  const app = new Hono<Env>();

  app.use('*', async (c, next) => {
    const started = performance.now();
    const fields: RequestFields = {};
    c.set('fields', fields);
    await next();
    const headers = c.res.headers;
    headers.set('x-deployment-id', deploymentId);
    // While draining, keep-alive connections are closed after each response so clients reconnect elsewhere.
    if (options.ops.isDraining()) headers.set('connection', 'close');
    const status = c.res.status;
    const elapsed = performance.now() - started;
    metrics.recordRequest(c.req.method, status, fields.era, fields.rpcMethod, elapsed / 1000);
    if (status < 500 && !logger.isLevelEnabled('info')) return;
    if (QUIET_PATHS.has(c.req.path)) return;
    const line = {
      event: 'request',
      method: c.req.method,
      path: c.req.path,
      status,
      elapsedMs: Math.round(elapsed * 100) / 100,
      era: fields.era,
      rpcMethod: fields.rpcMethod,
      sessionId: fields.sessionId ?? (fields.rpcMethod === 'initialize' ? 'missing' : undefined),
      principal: c.get('principal'),
      ...(fields.rejection && { rejection: fields.rejection }),
    };
    if (status >= 500) logger.error(line, 'request failed');
    else logger.info(line, 'request');
  });

  const guards = [originGuard(options.guard), bearerAuth(options.apiKeys)];
  const routes = options.routes ?? [''];
  const paths = routes.map((route) => (route === '' ? '/mcp' : `/mcp/${route}`));
  app.use('/sessions/*', ...guards);
  for (const [i, route] of routes.entries()) {
    app.use(paths[i]!, ...guards);
    app.all(paths[i]!, (c) => {
      if (c.req.method === 'GET' && options.ops.isDraining()) {
        // A standalone stream opened now would be cut in a moment: send the client elsewhere.
        return wireError('UNAVAILABLE', { message: 'This instance is shutting down; reconnect to another one.', headers: { 'retry-after': '1' } });
      }
      return options.endpoint(c.req.raw, { principal: c.get('principal'), authInfo: c.get('authInfo'), route }, c.get('fields'));
    });
  }
  for (const extra of options.guardedRoutes ?? []) {
    app.use(extra.path, ...guards);
    app.get(extra.path, (c) => extra.handler(c.req.raw, c.req.param() as Record<string, string>, c.get('principal')));
  }
  mountOpsRoutes(app, { ...options.ops, metrics, deploymentId });
  for (const [prefix, handler] of Object.entries(options.mounts ?? {})) {
    // Host check only: a mounted handler (the console) authenticates and checks origins itself.
    const host = hostGuard(options.guard.allowedHosts);
    app.use(prefix, host);
    app.use(`${prefix}/*`, host);
    app.all(prefix, (c) => handler(c.req.raw));
    app.all(`${prefix}/*`, (c) => handler(c.req.raw));
  }

  const endpoints = paths.length === 1 ? `the MCP endpoint is ${paths[0]}` : `the MCP endpoints are ${paths.join(', ')}`;
  app.notFound(() => wireError('NOT_FOUND', { message: `Not found: ${endpoints}` }));
  app.onError((error, c) => {
    logger.error({ err: error, path: c.req.path }, 'request failed inside durable-mcp');
    return failureResponse(error);
  });
  return app;
}
