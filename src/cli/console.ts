/**
 * Wires the console for `serve` as a runtime mount: the memory pages when the
 * server runs the built-in memory app, the operations pages always. Loaded
 * only when the console is on, so `--no-console` never loads it.
 */
import type { Logger } from 'pino';
import type { DurableApp } from '../runtime/app.js';
import type { ApiKey } from '../runtime/auth/api-keys.js';
import type { MountContext, MountFactory } from '../runtime/runtime-options.js';
import { VERSION } from '../version.js';
import { sessionStats } from '../store/session-stats.js';

export interface ConsoleSettings {
  app: DurableApp;
  apiKeys: readonly ApiKey[];
  operators: readonly string[];
  secureCookies: boolean;
  logger: Logger;
}

export function consoleMount(settings: ConsoleSettings): MountFactory {
  return async (ctx: MountContext) => {
    const [{ createConsole, stateSecretStore }, { memoryApp }] = await Promise.all([import('../console/index.js'), import('../apps/memory/index.js')]);
    const unknown = settings.operators.filter((p) => !settings.apiKeys.some((k) => k.principal === p));
    if (settings.apiKeys.length > 0 && unknown.length > 0) {
      settings.logger.warn({ event: 'console_operators_unknown', operators: unknown }, `--operators names principals without an API key: ${unknown.join(', ')}`);
    }
    return createConsole({
      apiKeys: settings.apiKeys,
      operators: settings.operators,
      secureCookies: settings.secureCookies,
      secrets: stateSecretStore(ctx.store.state),
      // Another app's server has no memory tables: the console then shows the operations pages only.
      ...(settings.app === memoryApp && { memory: ctx.store.db }),
      ops: {
        instance: { deploymentId: ctx.deploymentId, instanceId: ctx.instanceId, version: VERSION, store: ctx.store.engine, startedAt: new Date() },
        registry: ctx.registry,
        fleet: () => sessionStats(ctx.store.db, new Date()),
        isDraining: ctx.isDraining,
      },
      logger: settings.logger.child({ component: 'console' }),
    });
  };
}
