import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { DurableApp } from '../runtime/app.js';
import { loadApiKeys } from '../runtime/auth/api-keys.js';
import { createLogger } from '../runtime/ops/logger.js';
import { createDurableServer, defaultDeploymentId, generateId, type DurableServer } from '../runtime/server.js';
import { VERSION } from '../version.js';
import { assertBindAllowed, isLoopback, listen, type Listening } from '../node/listen.js';
import { resolveLimits } from '../node/limits.js';
import { consoleMount } from './console.js';
import { chooseDefaultStore } from '../store/index.js';
import { parseDuration, parsePositiveInt } from './durations.js';

export const SERVE_HELP = `durable-mcp serve: run the MCP server (Streamable HTTP at /mcp)

Usage: durable-mcp serve [options]

Options (each also read from the environment variable shown):
  --port <n>                 TCP port (PORT; default 8080)
  --host <addr>              bind address (DURABLE_MCP_HOST; default 127.0.0.1).
                             Anything but loopback requires API keys.
  --store <url>              embedded-postgres:<dir> (a PostgreSQL child process this server starts
                             and stops; one process per directory), pglite:<dir> (PostgreSQL in
                             WASM in this process; one process per directory), or
                             postgres://user:pass@host/db (DATABASE_URL, then DURABLE_MCP_STORE;
                             default embedded-postgres:./.durable-mcp, or pglite:./.durable-mcp
                             when that directory already holds a PGlite store or this platform
                             has no PostgreSQL binaries)
  --app <module>             module whose default export (or 'app' export) is a DurableApp
                             (DURABLE_MCP_APP; default: the built-in memory app)
  --deployment-id <id>       names this build in logs, headers and 404s (DEPLOYMENT_ID; default
                             derived from the app's name and version, so stable across restarts)
  --api-keys-file <file>     API keys, one "principal:secret" or "principal:sha256:<hex>" per line
                             (DURABLE_MCP_API_KEYS_FILE). Keys may also be given inline as
                             DURABLE_MCP_API_KEYS="alice:secret1,bob:secret2".
  --allowed-hosts <list>     Host header names accepted, comma separated, or 'any'
                             (DURABLE_MCP_ALLOWED_HOSTS; default: loopback names when bound to
                             loopback, otherwise 'any')
  --allowed-origins <list>   extra browser Origin hostnames accepted (DURABLE_MCP_ALLOWED_ORIGINS)
  --session-ttl <duration>   sliding idle expiry of legacy sessions (DURABLE_MCP_SESSION_TTL; default 24h)
  --max-live-sessions <n>    sessions held in memory; others are rebuilt on demand
                             (DURABLE_MCP_MAX_LIVE_SESSIONS; default 1000)
  --response-mode <mode>     sse (default, resumable) or json (DURABLE_MCP_RESPONSE_MODE)
  --event-retention <dur>    how long SSE events stay replayable (DURABLE_MCP_EVENT_RETENTION; default 10m)
  --max-body <bytes>         request body limit (DURABLE_MCP_MAX_BODY; default 4194304). A larger declared
                             Content-Length is refused with 413 before the body is read.
  --headers-timeout <dur>    time a client has to send a request's headers (DURABLE_MCP_HEADERS_TIMEOUT;
                             default 10s); then 408 and the connection is closed
  --request-timeout <dur>    time a client has to send a whole request, body included
                             (DURABLE_MCP_REQUEST_TIMEOUT; default 30s). Responses are not bounded:
                             SSE streams and long tool calls stay open.
  --keep-alive-timeout <dur> idle kept-alive connections are closed after this
                             (DURABLE_MCP_KEEP_ALIVE_TIMEOUT; default 65s, above common balancer idle timeouts)
  --max-connections <n>      connections held at once; more are answered 503 with Retry-After and closed
                             (DURABLE_MCP_MAX_CONNECTIONS; default 4096)
  --pool-max <n>             PostgreSQL pool size (DURABLE_MCP_POOL_MAX; default 10)
  --grace-period <duration>  on SIGTERM/SIGINT, how long in-flight requests may finish
                             (DURABLE_MCP_GRACE_PERIOD; default 25s). A second signal exits at once.
  --drain-delay <duration>   after SIGTERM, keep accepting (and serving, with Connection: close) this long
                             while load balancers notice the failing readiness (DURABLE_MCP_DRAIN_DELAY; default 1s)
  --metrics-port <n>         serve /metrics on its own port instead of the main one (DURABLE_MCP_METRICS_PORT)
  --metrics-token <token>    require "Authorization: Bearer <token>" on /metrics (DURABLE_MCP_METRICS_TOKEN)
  --log-level <level>        trace|debug|info|warn|error|silent (LOG_LEVEL; default info)
  --no-console               do not serve the web console at /console (DURABLE_MCP_CONSOLE=off)
  --operators <list>         principals, comma separated, whose API keys open the console's operations
                             pages (DURABLE_MCP_OPERATORS). Without API keys the console is open to all.
  -h, --help                 this help
`;

const OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  store: { type: 'string' },
  app: { type: 'string' },
  'deployment-id': { type: 'string' },
  'api-keys-file': { type: 'string' },
  'allowed-hosts': { type: 'string' },
  'allowed-origins': { type: 'string' },
  'session-ttl': { type: 'string' },
  'max-live-sessions': { type: 'string' },
  'response-mode': { type: 'string' },
  'event-retention': { type: 'string' },
  'max-body': { type: 'string' },
  'headers-timeout': { type: 'string' },
  'request-timeout': { type: 'string' },
  'keep-alive-timeout': { type: 'string' },
  'max-connections': { type: 'string' },
  'pool-max': { type: 'string' },
  'log-level': { type: 'string' },
  'grace-period': { type: 'string' },
  'drain-delay': { type: 'string' },
  'metrics-port': { type: 'string' },
  'metrics-token': { type: 'string' },
  'no-console': { type: 'boolean' },
  operators: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

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

const list = (value: string | undefined): string[] | undefined =>
  value === undefined ? undefined : value.split(',').map((s) => s.trim()).filter(Boolean);

export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false });
  if (values.help) {
    process.stdout.write(SERVE_HELP);
    return 0;
  }
  // An empty variable counts as unset (a blank DATABASE_URL must not become the store URL).
  const env = Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== '')) as NodeJS.ProcessEnv;
  const host = values.host ?? env.DURABLE_MCP_HOST ?? '127.0.0.1';
  const port = Number(values.port ?? env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: '${values.port ?? env.PORT}' is not a port`);
  const given = values.store ?? env.DATABASE_URL ?? env.DURABLE_MCP_STORE;
  const app = await loadApp(values.app ?? env.DURABLE_MCP_APP);
  const deploymentId = values['deployment-id'] ?? env.DEPLOYMENT_ID ?? defaultDeploymentId(app);
  const instanceId = generateId('inst');
  const level = (values['log-level'] ?? env.LOG_LEVEL ?? 'info') as 'info';
  const logger = createLogger({ deploymentId, instanceId, level });

  const apiKeys = loadApiKeys({ env: env.DURABLE_MCP_API_KEYS, file: values['api-keys-file'] ?? env.DURABLE_MCP_API_KEYS_FILE });
  // Before anything is opened: a refused bind should not cost a database start.
  assertBindAllowed(host, apiKeys.length > 0);
  const hostsSpec = values['allowed-hosts'] ?? env.DURABLE_MCP_ALLOWED_HOSTS;
  const allowedHosts = hostsSpec === 'any' ? 'any' : (list(hostsSpec) ?? (isLoopback(host) ? undefined : 'any'));
  const num = (flag: keyof typeof OPTIONS, envName: string): number | undefined => {
    const raw = (values[flag] as string | undefined) ?? env[envName];
    return raw === undefined ? undefined : parsePositiveInt(raw, `--${flag}`);
  };
  const dur = (flag: keyof typeof OPTIONS, envName: string): number | undefined => {
    const raw = (values[flag] as string | undefined) ?? env[envName];
    return raw === undefined ? undefined : parseDuration(raw, `--${flag}`);
  };
  const responseMode = values['response-mode'] ?? env.DURABLE_MCP_RESPONSE_MODE ?? 'sse';
  if (responseMode !== 'sse' && responseMode !== 'json') throw new Error(`--response-mode: expected sse or json, got '${responseMode}'`);

  const started = performance.now();
  const storeUrl = given ?? (await defaultStore(logger));
  const poolMax = num('pool-max', 'DURABLE_MCP_POOL_MAX');
  const maxLive = num('max-live-sessions', 'DURABLE_MCP_MAX_LIVE_SESSIONS');
  const ttl = dur('session-ttl', 'DURABLE_MCP_SESSION_TTL');
  const retention = dur('event-retention', 'DURABLE_MCP_EVENT_RETENTION');
  const maxBody = num('max-body', 'DURABLE_MCP_MAX_BODY');
  const limits = {
    headersTimeoutMs: dur('headers-timeout', 'DURABLE_MCP_HEADERS_TIMEOUT'),
    requestTimeoutMs: dur('request-timeout', 'DURABLE_MCP_REQUEST_TIMEOUT'),
    keepAliveTimeoutMs: dur('keep-alive-timeout', 'DURABLE_MCP_KEEP_ALIVE_TIMEOUT'),
    maxConnections: num('max-connections', 'DURABLE_MCP_MAX_CONNECTIONS'),
  };
  // Checked before the store opens: a bad combination fails at once, not after a migration.
  resolveLimits(limits);
  const graceMs = dur('grace-period', 'DURABLE_MCP_GRACE_PERIOD') ?? 25_000;
  const drainDelayMs = dur('drain-delay', 'DURABLE_MCP_DRAIN_DELAY') ?? 1000;
  const metricsPortRaw = (values['metrics-port'] as string | undefined) ?? env.DURABLE_MCP_METRICS_PORT;
  const metricsPort = metricsPortRaw === undefined ? undefined : Number(metricsPortRaw);
  if (metricsPort !== undefined && !(Number.isInteger(metricsPort) && metricsPort >= 0 && metricsPort <= 65535)) {
    throw new Error(`--metrics-port: '${metricsPortRaw}' is not a port`);
  }
  const metricsToken = (values['metrics-token'] as string | undefined) ?? env.DURABLE_MCP_METRICS_TOKEN;
  const consoleOn = values['no-console'] !== true && !/^(off|false|0|no)$/i.test(env.DURABLE_MCP_CONSOLE ?? '');
  const operators = list(values.operators ?? env.DURABLE_MCP_OPERATORS) ?? [];
  const server = await createDurableServer({
    ...(consoleOn && { mounts: { '/console': consoleMount({ app, apiKeys, operators, secureCookies: !isLoopback(host), logger }) } }),
    gracePeriodMs: graceMs,
    drainDelayMs,
    metricsOnMainPort: metricsPort === undefined,
    ...(metricsToken && { metricsToken }),
    app,
    store: storeUrl,
    ...(poolMax && { pool: { max: poolMax } }),
    deploymentId,
    instanceId,
    logger,
    apiKeys,
    ...(allowedHosts !== undefined && { allowedHosts }),
    ...(list(values['allowed-origins'] ?? env.DURABLE_MCP_ALLOWED_ORIGINS) && { allowedOrigins: list(values['allowed-origins'] ?? env.DURABLE_MCP_ALLOWED_ORIGINS) }),
    sessions: { ...(ttl && { idleTimeoutMs: ttl }), ...(maxLive && { maxLive }) },
    events: { ...(retention && { retentionMs: retention }) },
    responseMode,
    ...(maxBody && { maxBodyBytes: maxBody }),
  });
  let listening: Listening;
  let metricsListening: Listening | undefined;
  try {
    listening = await listen(server, { ...limits, logger, host, port });
    if (metricsPort !== undefined) metricsListening = await listenMetrics(server, host, metricsPort);
  } catch (error) {
    await server.close({ graceMs: 0 });
    throw error;
  }
  if (apiKeys.length === 0) {
    logger.warn({ event: 'auth_disabled', host }, `NO API KEYS: serving every caller as 'anonymous'. Allowed only on loopback (${host}).`);
  }
  // Handlers first, then the line that says we are up: a supervisor may signal the moment it reads it, and a SIGTERM
  // before the handler exists would kill the process without a drain.
  const stopSignal = new Promise<NodeJS.Signals>((resolveStop) => {
    let received = false;
    const onSignal = (sig: NodeJS.Signals) => {
      if (received) {
        logger.warn({ event: 'shutdown_forced', signal: sig }, 'second signal: exiting now');
        process.exit(1);
      }
      received = true;
      resolveStop(sig);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  logger.info(
    {
      event: 'server_started',
      url: listening.url,
      version: VERSION,
      deploymentId,
      ...(metricsListening && { metricsUrl: metricsListening.url.replace(/\/mcp$/, '/metrics') }),
      ...(consoleOn && { consoleUrl: listening.url.replace(/\/mcp$/, '/console') }),
      store: server.info.store,
      app: app.name,
      bootMs: Math.round(performance.now() - started),
    },
    `durable-mcp listening on ${listening.url}`,
  );

  const signal = await stopSignal;
  logger.info({ event: 'shutdown', signal, graceMs, drainDelayMs }, 'shutting down');
  // One ordered close (see src/runtime/lifecycle.ts): not ready -> drain delay -> stop accepting -> drain -> sockets -> store.
  await server.close();
  return 0;
}

/** No --store: embedded PostgreSQL in ./.durable-mcp, or PGlite there when it must be (logged with the reason). */
async function defaultStore(logger: { warn(fields: object, msg: string): void }): Promise<string> {
  const chosen = await chooseDefaultStore();
  if (chosen.fallback) logger.warn({ event: 'store_default_fallback', store: chosen.url, reason: chosen.fallback }, chosen.fallback);
  return chosen.url;
}

/** /metrics alone on its own port, for scrapers that must not reach /mcp. */
async function listenMetrics(server: DurableServer, host: string, port: number): Promise<Listening> {
  const metricsOnly: DurableServer = {
    ...server,
    fetch: async (request) =>
      new URL(request.url).pathname === '/metrics' ? server.metrics.fetch(request) : new Response('only /metrics is served on this port\n', { status: 404 }),
  };
  return listen(metricsOnly, { host, port });
}
