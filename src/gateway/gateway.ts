/**
 * The durable gateway: the durable runtime (sessions in the store, both eras,
 * events, auth, operations, drain, scale-out) in front of existing MCP
 * servers, unchanged, in any language. Each upstream is a route of one
 * runtime (`/mcp`, or `/mcp/<name>` for several); behind each front session is
 * its UpstreamLink, which keeps the upstream session alive across restarts of
 * either side and never turns a request of unknown outcome into a silent write.
 */
import { createHash } from 'node:crypto';
import type { JSONRPCNotification } from '@modelcontextprotocol/client';
import type { ChangeNotifier } from '../runtime/app.js';
import { createLogger } from '../runtime/ops/logger.js';
import { createMetrics } from '../runtime/ops/metrics.js';
import { startRuntime, type DurableServer, type RuntimeOptions } from '../runtime/runtime.js';
import { generateId } from '../runtime/server.js';
import { VERSION } from '../version.js';
import { gatewayBackendFactory } from './front/backend.js';
import { gatewayModernHandler } from './front/modern.js';
import { ModernLinks } from './front/modern-links.js';
import { createGatewayMetrics } from './ops/metrics.js';
import { upstreamRoutes } from './ops/upstream-routes.js';
import { createRoute, routeLabel, type GatewayRoute, type GatewayUpstreamOptions } from './route.js';

export type { GatewayUpstreamOptions, HttpUpstreamOptions, LinkUpstreamOptions } from './route.js';

export interface DurableGatewayOptions extends RuntimeOptions {
  /** One upstream without a name is served at `/mcp`; named ones at `/mcp/<name>`. */
  upstreams: readonly GatewayUpstreamOptions[];
  /** Links of 2026-07-28 clients kept in memory per process (the rest are continued from the store). Default 1000. */
  maxModernLinks?: number;
}

/** Names the gateway build: stable across restarts of the same version serving the same routes. */
export function defaultGatewayDeploymentId(upstreams: readonly GatewayUpstreamOptions[]): string {
  const names = upstreams.map((u) => routeLabel(u.name ?? ''));
  return `gw-${createHash('sha256').update(JSON.stringify([VERSION, names])).digest('hex').slice(0, 12)}`;
}

/** Change notices a 2025-era upstream sends a 2026-07-28 client's link, for that client's `subscriptions/listen` streams. */
function publishChange(changes: ChangeNotifier, message: JSONRPCNotification): void {
  switch (message.method) {
    case 'notifications/tools/list_changed':
      return void changes.toolsChanged();
    case 'notifications/prompts/list_changed':
      return void changes.promptsChanged();
    case 'notifications/resources/list_changed':
      return void changes.resourcesChanged();
    case 'notifications/resources/updated': {
      const uri = (message.params as { uri?: unknown } | undefined)?.uri;
      if (typeof uri === 'string') void changes.resourceUpdated(uri);
    }
  }
}

export async function createDurableGateway(options: DurableGatewayOptions): Promise<DurableServer> {
  const { upstreams } = options;
  if (upstreams.length === 0) throw new TypeError('the gateway needs at least one upstream');
  const labels = upstreams.map((u) => routeLabel(u.name ?? ''));
  // Metrics, logs and /upstreams name the /mcp upstream `default`: a named one may not take that name too.
  if (new Set(labels).size !== labels.length) throw new TypeError(`upstream names must be unique (the /mcp upstream is named 'default'): ${labels.join(', ')}`);
  const deploymentId = options.deploymentId ?? defaultGatewayDeploymentId(upstreams);
  const instanceId = options.instanceId ?? generateId('inst');
  const logger = options.logger ?? createLogger({ deploymentId, instanceId });
  const metrics = options.metrics ?? createMetrics();
  return startRuntime(
    { ...options, deploymentId, instanceId, logger, metrics },
    {
      name: 'durable-mcp-gateway',
      version: VERSION,
      routes: upstreams.map((u) => u.name ?? ''),
      // The upstream side watches the upstream's lists itself (and tells clients when a new upstream session changed them).
      catalogue: false,
      start(ctx) {
        const gatewayMetrics = createGatewayMetrics(ctx.registry);
        const log = ctx.logger.child({ component: 'gateway' });
        const onError = (error: unknown, context: string) => log.error({ err: error, context }, `gateway: ${context} failed`);
        const onDebug = (error: unknown, context: string) => log.debug({ err: error, context }, `gateway: ${context}`);
        const routes = new Map<string, GatewayRoute>(upstreams.map((u) => [u.name ?? '', createRoute(u, { logger: ctx.logger, metrics: gatewayMetrics })]));
        const links = new ModernLinks(ctx.store.state, options.maxModernLinks ?? 1000, { onNotification: (m) => publishChange(ctx.changes, m) }, onError);
        return {
          backends: gatewayBackendFactory(routes, { saveMeta: (id, patch) => ctx.store.sessions.mergeMeta(id, patch), onError, onDebug }),
          modern: gatewayModernHandler({ routes, links, maxBodyBytes: ctx.maxBodyBytes, bus: ctx.bus, onerror: ctx.onModernError }),
          routes: upstreamRoutes(routes),
          close: async () => {
            await links.close();
            for (const route of routes.values()) route.close();
          },
        };
      },
    },
  );
}
