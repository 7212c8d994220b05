import { createHash, randomBytes } from 'node:crypto';
import { VERSION } from '../version.js';
import { appSessionBackends, createServerBuilder } from './app-server.js';
import type { DurableApp } from './app.js';
import { appModernHandler } from './modern/modern-handler.js';
import { createLogger } from './ops/logger.js';
import { createMetrics } from './ops/metrics.js';
import { startRuntime, type DurableServer, type RuntimeOptions } from './runtime.js';

export type { DurableServer, DurableServerHook } from './runtime.js';

export interface DurableServerOptions extends RuntimeOptions {
  app: DurableApp;
}

export function generateId(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/**
 * The deployment id when none is given: derived from what is deployed (this
 * runtime's version, the app's name and version), so restarting the same
 * build keeps its name in logs and headers. Set DEPLOYMENT_ID (an image tag,
 * a commit) to tell builds of one version apart.
 */
export function defaultDeploymentId(app: Pick<DurableApp, 'name' | 'version'>): string {
  return `dep-${createHash('sha256').update(JSON.stringify([VERSION, app.name, app.version])).digest('hex').slice(0, 12)}`;
}

/**
 * Starts a durable MCP server for an app: its sessions in the store, rebuilt
 * in any process; its 2026-07-28 requests served statelessly. Start-up is all
 * or nothing: whatever it opened is closed again when a later step fails.
 */
export async function createDurableServer(options: DurableServerOptions): Promise<DurableServer> {
  const { app } = options;
  const deploymentId = options.deploymentId ?? defaultDeploymentId(app);
  const instanceId = options.instanceId ?? generateId('inst');
  const logger = options.logger ?? createLogger({ deploymentId, instanceId });
  const metrics = options.metrics ?? createMetrics();
  return startRuntime(
    { ...options, deploymentId, instanceId, logger, metrics },
    {
      name: app.name,
      version: app.version,
      ...(app.migrations && { migrations: app.migrations }),
      start(ctx) {
        const build = createServerBuilder(app, ctx.store, deploymentId, logger.child({ app: app.name }), ctx.changes);
        return {
          backends: appSessionBackends(build),
          modern: appModernHandler(build, { maxBodyBytes: ctx.maxBodyBytes, bus: ctx.bus, onerror: ctx.onModernError }),
        };
      },
    },
  );
}
