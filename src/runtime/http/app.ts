import { Hono } from 'hono';
import type { Logger } from 'pino';
import type { ApiKey } from '../auth/api-keys.js';
import { failureResponse, wireError } from '../errors.js';
import type { Metrics } from '../ops/metrics.js';
import { bearerAuth, hostGuard, originGuard, type AuthVariables, type GuardOptions } from './guards.js';
import type { McpEndpoint } from './mcp-endpoint.js';
import { mountOpsRoutes, type OpsRouteOptions } from './ops-routes.js';
import type { RequestFields } from './request-log.js';

export interface HttpAppOptions {
  endpoint: McpEndpoint;
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
  app.use('/mcp', ...guards);
  app.use('/sessions/*', ...guards);
  app.all('/mcp', (c) => {
    if (c.req.method === 'GET' && options.ops.isDraining()) {
      // A standalone stream opened now would be cut in a moment: send the client elsewhere.
      return wireError('UNAVAILABLE', { message: 'This instance is shutting down; reconnect to another one.', headers: { 'retry-after': '1' } });
    }
    return options.endpoint(c.req.raw, c.get('principal'), c.get('authInfo'), c.get('fields'));
  });
  mountOpsRoutes(app, { ...options.ops, metrics, deploymentId });
  for (const [prefix, handler] of Object.entries(options.mounts ?? {})) {
    // Host check only: a mounted handler (the console) authenticates and checks origins itself.
    const host = hostGuard(options.guard.allowedHosts);
    app.use(prefix, host);
    app.use(`${prefix}/*`, host);
    app.all(prefix, (c) => handler(c.req.raw));
    app.all(`${prefix}/*`, (c) => handler(c.req.raw));
  }

  app.notFound(() => wireError('NOT_FOUND', { message: 'Not found: the MCP endpoint is /mcp' }));
  app.onError((error, c) => {
    logger.error({ err: error, path: c.req.path }, 'request failed inside durable-mcp');
    return failureResponse(error);
  });
  return app;
}
