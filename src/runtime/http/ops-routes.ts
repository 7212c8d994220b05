import { timingSafeEqual } from 'node:crypto';
import type { Hono } from 'hono';
import { hashToken } from '../auth/api-keys.js';
import type { SessionManager } from '../legacy/session-manager.js';
import type { Metrics } from '../ops/metrics.js';
import type { AuthVariables } from './guards.js';

export interface OpsRouteOptions {
  metrics: Metrics;
  sessions: SessionManager;
  deploymentId: string;
  isDraining: () => boolean;
  /** Resolves when the store answers within its bound. */
  pingStore: () => Promise<void>;
  /** Serve /metrics here (false when it has its own port). */
  serveMetrics: boolean;
  metricsToken?: string;
}

/** GET /metrics, optionally behind its own bearer token (compared in constant time). */
export function metricsHandler(metrics: Metrics, token: string | undefined): (request: Request) => Promise<Response> {
  const expected = token ? hashToken(token) : undefined;
  return async (request) => {
    if (expected) {
      const presented = /^Bearer\s+(\S+)$/i.exec(request.headers.get('authorization') ?? '')?.[1];
      if (!presented || !timingSafeEqual(hashToken(presented), expected)) {
        return new Response('metrics require "Authorization: Bearer <metrics token>"\n', {
          status: 401,
          headers: { 'www-authenticate': 'Bearer realm="durable-mcp-metrics"', 'content-type': 'text/plain' },
        });
      }
    }
    return new Response(await metrics.registry.metrics(), { headers: { 'content-type': metrics.registry.contentType } });
  };
}

/** Liveness, readiness, metrics and per-session health (mounted behind the same origin and auth checks as /mcp). */
export function mountOpsRoutes<E extends { Variables: AuthVariables }>(app: Hono<E>, options: OpsRouteOptions): void {
  app.get('/healthz', (c) => c.json({ status: 'ok', deploymentId: options.deploymentId }));

  app.get('/readyz', async (c) => {
    if (options.isDraining()) {
      options.metrics.readinessFailures.inc({ reason: 'draining' });
      return c.json({ status: 'not_ready', reason: 'draining: this instance is shutting down' }, 503);
    }
    try {
      await options.pingStore();
      return c.json({ status: 'ready' });
    } catch (error) {
      options.metrics.readinessFailures.inc({ reason: 'store' });
      return c.json({ status: 'not_ready', reason: `store: ${(error as Error).message}` }, 503);
    }
  });

  if (options.serveMetrics) {
    const handler = metricsHandler(options.metrics, options.metricsToken);
    app.get('/metrics', (c) => handler(c.req.raw));
  }

  app.get('/sessions/:id/health', async (c) => {
    const id = c.req.param('id') ?? '';
    const state = await options.sessions.inspect(id.length <= 64 ? id : '', c.get('principal'));
    return c.json({
      sessionId: id.length <= 64 ? id : `${id.slice(0, 64)}...`,
      status: state.status,
      action: state.status === 'valid' ? 'none' : 'reinitialize',
      detail:
        state.status === 'valid'
          ? 'The session is valid; any instance can serve it.'
          : 'Send a new initialize request without an Mcp-Session-Id header.',
      ...(state.expiresAt && { expiresAt: state.expiresAt.toISOString() }),
      liveInThisProcess: state.live,
      deploymentId: options.deploymentId,
    });
  });
}
