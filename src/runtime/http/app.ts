import { Hono } from 'hono';
import type { Logger } from 'pino';
import type { ApiKey } from '../auth/api-keys.js';
import { wireError } from '../errors.js';
import { bearerAuth, originGuard, type AuthVariables, type GuardOptions } from './guards.js';
import type { McpEndpoint } from './mcp-endpoint.js';
import type { RequestFields } from './request-log.js';

export interface HttpAppOptions {
  endpoint: McpEndpoint;
  apiKeys: readonly ApiKey[];
  guard: GuardOptions;
  deploymentId: string;
  logger: Logger;
  /** Resolves when the store answers; rejects with the reason otherwise. */
  readiness: () => Promise<void>;
}

type Env = { Variables: AuthVariables & { fields: RequestFields } };

/**
 * The HTTP face, on Web-standard Request/Response (Hono): every response
 * names the deployment; every request gets one log line; /mcp and /sessions
 * sit behind the origin guard and bearer auth; health probes need neither.
 */
export function createHttpApp(options: HttpAppOptions): Hono<Env> {
  const { logger, deploymentId } = options;
  const app = new Hono<Env>();

  app.use('*', async (c, next) => {
    const started = performance.now();
    const fields: RequestFields = {};
    c.set('fields', fields);
    await next();
    c.res.headers.set('x-deployment-id', deploymentId);
    const status = c.res.status;
    if (c.req.path === '/healthz' || c.req.path === '/readyz' || c.req.path === '/metrics') return;
    const line = {
      event: 'request',
      method: c.req.method,
      path: c.req.path,
      status,
      elapsedMs: Math.round((performance.now() - started) * 100) / 100,
      era: fields.era,
      rpcMethod: fields.rpcMethod,
      sessionId: fields.sessionId ?? (fields.rpcMethod === 'initialize' ? 'missing' : undefined),
      principal: c.get('principal'),
      ...(fields.rejection && { rejection: fields.rejection }),
    };
    if (status >= 500) logger.error(line, 'request failed');
    else logger.info(line, 'request');
  });

  const guard = originGuard(options.guard);
  const auth = bearerAuth(options.apiKeys);
  app.use('/mcp', guard, auth);

  app.all('/mcp', (c) => options.endpoint(c.req.raw, c.get('principal'), c.get('authInfo'), c.get('fields')));

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    try {
      await options.readiness();
      return c.json({ status: 'ready' });
    } catch (error) {
      return c.json({ status: 'not_ready', reason: (error as Error).message }, 503);
    }
  });

  app.notFound(() => wireError('NOT_FOUND', { message: 'Not found: the MCP endpoint is /mcp' }));
  app.onError((error) => {
    logger.error({ err: error }, 'unhandled error');
    return wireError('INTERNAL');
  });
  return app;
}
