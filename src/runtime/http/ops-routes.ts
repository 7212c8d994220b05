import { timingSafeEqual } from 'node:crypto';
import type { Hono } from 'hono';
import { hashToken } from '../auth/api-keys.js';
import type { SessionRegistry } from '../sessions/registry.js';
import { isSessionIdShape, presentedId } from '../sessions/session-id.js';
import type { Metrics } from '../ops/metrics.js';
import type { AuthVariables } from './guards.js';

export interface OpsRouteOptions {
  metrics: Metrics;
  sessions: Pick<SessionRegistry, 'inspect'>;
  deploymentId: string;
  isDraining: () => boolean;
  /** Resolves when the store answers within its bound. */
  pingStore: () => Promise<void>;
  /** Told why the store failed a readiness check (logged: the response itself gives no detail). */
  onStoreUnready: (error: unknown) => void;
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
      // Unauthenticated callers read this: say what failed, never where (hosts, ports, users); the log has the detail.
      options.onStoreUnready(error);
      return c.json({ status: 'not_ready', reason: 'store: not answering (the server log has the detail)' }, 503);
    }
  });

  if (options.serveMetrics) {
    const handler = metricsHandler(options.metrics, options.metricsToken);
    app.get('/metrics', (c) => handler(c.req.raw));
  }

  app.get('/sessions/:id/health', async (c) => {
    const id = c.req.param('id') ?? '';
    // The same shape check as /mcp: an id we could never have minted is unknown without asking the store.
    const state = isSessionIdShape(id) ? await options.sessions.inspect(id, c.get('principal')) : { status: 'unknown' as const, live: false };
    return c.json({
      sessionId: presentedId(id),
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
