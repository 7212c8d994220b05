import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { DurableApp } from '../runtime/app.js';
import { createDurableServer, defaultDeploymentId } from '../runtime/server.js';
import { isLoopback } from '../node/listen.js';
import { CONSOLE_FLAGS, consoleChoice, consoleHelp, consoleMount } from './console.js';
import { cliEnv, parseRuntimeFlags, runUntilSignal, RUNTIME_FLAGS, RUNTIME_HELP } from './runtime-flags.js';

export const SERVE_HELP = `durable-mcp serve: run the MCP server (Streamable HTTP at /mcp)

Usage: durable-mcp serve [options]

Options (each also read from the environment variable shown):
  --app <module>             module whose default export (or 'app' export) is a DurableApp
                             (DURABLE_MCP_APP; default: the built-in memory app). The default
                             deployment id is derived from the app's name and version.
${consoleHelp('operations pages')}${RUNTIME_HELP}`;

const OPTIONS = { ...RUNTIME_FLAGS, ...CONSOLE_FLAGS, app: { type: 'string' } } as const;

async function loadApp(spec: string | undefined): Promise<DurableApp> {
  if (!spec) {
    // The memory app once present, else the example; resolved lazily so a custom --app never loads it.
    return (await import('../apps/default.js')).defaultApp;
  }
  const url = spec.startsWith('file:') ? spec : pathToFileURL(resolve(spec)).href;
  const mod = (await import(url)) as { default?: DurableApp; app?: DurableApp };
  const app = mod.default ?? mod.app;
  if (!app || typeof app.register !== 'function' || typeof app.name !== 'string') {
    throw new Error(`--app ${spec}: the module must export a DurableApp as default or as 'app' (see defineApp)`);
  }
  return app;
}

export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false });
  if (values.help) {
    process.stdout.write(SERVE_HELP);
    return 0;
  }
  const env = cliEnv();
  const app = await loadApp(values.app ?? env.DURABLE_MCP_APP);
  const cli = await parseRuntimeFlags(values, env, () => defaultDeploymentId(app));
  const consoleSetup = consoleChoice(values, env);
  const { apiKeys = [], logger } = cli.options;
  const started = performance.now();
  const server = await createDurableServer({
    ...cli.options,
    ...(consoleSetup.on && { mounts: { '/console': consoleMount({ app, apiKeys, operators: consoleSetup.operators, secureCookies: !isLoopback(cli.host), logger }) } }),
    app,
  });
  return runUntilSignal(server, cli, (url) => ({ ...(consoleSetup.on && { consoleUrl: url.replace(/\/mcp$/, '/console') }), app: app.name }), started);
}
