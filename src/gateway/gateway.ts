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
import type { Mount, MountContext } from '../runtime/runtime-options.js';
import { generateId } from '../runtime/server.js';
import { VERSION } from '../version.js';
import { gatewayBackendFactory } from './front/backend.js';
import { gatewayModernHandler } from './front/modern.js';
import { ModernLinks } from './front/modern-links.js';
import { createGatewayMetrics } from './ops/metrics.js';
import { upstreamStatus, type UpstreamStatus } from './ops/status.js';
import { upstreamRoutes } from './ops/upstream-routes.js';
import { createRoute, routeLabel, type GatewayRoute, type GatewayUpstreamOptions } from './route.js';
import { createStdioMetrics } from './stdio/index.js';

export type { GatewayUpstreamOptions, HttpUpstreamOptions, LinkUpstreamOptions, StdioUpstreamOptions } from './route.js';
export type { Reachability, UpstreamHistory, UpstreamStatus } from './ops/status.js';

/** What a mount in the gateway gets: the runtime's MountContext, and the gateway's upstreams as `/upstreams` reports them. */
export interface GatewayMountContext extends MountContext {
  upstreams(): Promise<UpstreamStatus[]>;
}

export type GatewayMountFactory = (ctx: GatewayMountContext) => Mount | Promise<Mount>;

export interface DurableGatewayOptions extends Omit<RuntimeOptions, 'mounts'> {
  /** One upstream without a name is served at `/mcp`; named ones at `/mcp/<name>`. */
  upstreams: readonly GatewayUpstreamOptions[];
  /** Links of 2026-07-28 clients kept in memory per process (the rest are continued from the store). Default 1000. */
  maxModernLinks?: number;
  /** As RuntimeOptions.mounts (e.g. the console at `/console`); each factory also sees the upstreams. */
  mounts?: Readonly<Record<string, GatewayMountFactory>>;
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
  // Set by the engine's start, which the runtime runs before it opens any mount.
  let routes: ReadonlyMap<string, GatewayRoute> | undefined;
  const statuses = async (): Promise<UpstreamStatus[]> => {
    if (!routes) throw new Error('the gateway\'s upstreams were asked for before the gateway started');
    return Promise.all([...routes.values()].map(upstreamStatus));
  };
  const mounts = Object.fromEntries(
    Object.entries(options.mounts ?? {}).map(([prefix, open]) => [prefix, (ctx: MountContext) => open({ ...ctx, upstreams: statuses })]),
  );
  return startRuntime(
    { ...options, deploymentId, instanceId, logger, metrics, mounts },
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
        const stdioMetrics = createStdioMetrics(ctx.registry);
        const started = new Map<string, GatewayRoute>(upstreams.map((u) => [u.name ?? '', createRoute(u, { logger: ctx.logger, metrics: gatewayMetrics, stdioMetrics })]));
        routes = started;
        const links = new ModernLinks(ctx.store.state, options.maxModernLinks ?? 1000, { onNotification: (m) => publishChange(ctx.changes, m) }, onError);
        return {
          backends: gatewayBackendFactory(started, { saveMeta: (id, patch) => ctx.store.sessions.mergeMeta(id, patch), onError, onDebug }),
          modern: gatewayModernHandler({ routes: started, links, maxBodyBytes: ctx.maxBodyBytes, bus: ctx.bus, onerror: ctx.onModernError }),
          routes: upstreamRoutes(started),
          // Links first (their sessions' children stop with them), then what each route holds or runs.
          close: async () => {
            await links.close();
            await Promise.all([...started.values()].map((route) => route.close()));
          },
        };
      },
    },
  );
}
