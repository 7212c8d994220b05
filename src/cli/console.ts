/**
 * Wires the console as a runtime mount, for `serve` and `gateway` alike: the
 * memory pages when the server runs the built-in memory app, the operations
 * pages always, and a gateway's upstreams on them. Its flags live here too,
 * so both commands read them the same way. The console is loaded only when
 * it is on, so `--no-console` never loads it.
 */
import type { Logger } from 'pino';
import type { GatewayMountContext, GatewayMountFactory } from '../gateway/gateway.js';
import type { DurableApp } from '../runtime/app.js';
import type { ApiKey } from '../runtime/auth/api-keys.js';
import type { Mount, MountContext, MountFactory } from '../runtime/runtime-options.js';
import { VERSION } from '../version.js';
import { sessionStats } from '../store/index.js';
import { listOf } from './runtime-flags.js';

export const CONSOLE_FLAGS = { 'no-console': { type: 'boolean' }, operators: { type: 'string' } } as const;

export function consoleHelp(what: string): string {
  return `  --no-console               do not serve the web console at /console (DURABLE_MCP_CONSOLE=off)
  --operators <list>         principals, comma separated, whose API keys open the console's ${what}
                             (DURABLE_MCP_OPERATORS). Without API keys the console is open to all.
`;
}

export interface ConsoleChoice {
  on: boolean;
  operators: string[];
}

export function consoleChoice(values: { 'no-console'?: boolean; operators?: string }, env: NodeJS.ProcessEnv): ConsoleChoice {
  return {
    on: values['no-console'] !== true && !/^(off|false|0|no)$/i.test(env.DURABLE_MCP_CONSOLE ?? ''),
    operators: listOf(values.operators ?? env.DURABLE_MCP_OPERATORS) ?? [],
  };
}

export interface ConsoleSettings {
  apiKeys: readonly ApiKey[];
  operators: readonly string[];
  secureCookies: boolean;
  logger: Logger;
}

/** `serve`: memory pages when the app is the memory app, operations pages always. */
export function consoleMount(settings: ConsoleSettings & { app: DurableApp }): MountFactory {
  return async (ctx) => {
    const { memoryApp } = await import('../apps/memory/index.js');
    // Another app's server has no memory tables: the console then shows the operations pages only.
    return openConsole(ctx, settings, settings.app === memoryApp ? { memory: ctx.store.db } : {});
  };
}

/** `gateway`: operations pages only (a gateway serves no memory app), with the gateway's upstreams on them. */
export function gatewayConsoleMount(settings: ConsoleSettings): GatewayMountFactory {
  // The gateway's status has the shape the console shows (UpstreamHealth); the compiler checks that they agree.
  return (ctx: GatewayMountContext) => openConsole(ctx, settings, { upstreams: ctx.upstreams });
}

async function openConsole(
  ctx: MountContext,
  settings: ConsoleSettings,
  extra: { memory?: MountContext['store']['db']; upstreams?: GatewayMountContext['upstreams'] },
): Promise<Mount> {
  const { createConsole, stateSecretStore } = await import('../console/index.js');
  const unknown = settings.operators.filter((p) => !settings.apiKeys.some((k) => k.principal === p));
  if (settings.apiKeys.length > 0 && unknown.length > 0) {
    settings.logger.warn({ event: 'console_operators_unknown', operators: unknown }, `--operators names principals without an API key: ${unknown.join(', ')}`);
  }
  return createConsole({
    apiKeys: settings.apiKeys,
    operators: settings.operators,
    secureCookies: settings.secureCookies,
    secrets: stateSecretStore(ctx.store.state),
    ...(extra.memory && { memory: extra.memory }),
    ops: {
      instance: { deploymentId: ctx.deploymentId, instanceId: ctx.instanceId, version: VERSION, store: ctx.store.engine, startedAt: new Date() },
      registry: ctx.registry,
      fleet: () => sessionStats(ctx.store.db, new Date()),
      isDraining: ctx.isDraining,
      ...(extra.upstreams && { upstreams: extra.upstreams }),
    },
    logger: settings.logger.child({ component: 'console' }),
  });
}
