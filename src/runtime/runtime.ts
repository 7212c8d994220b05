import type { ServerEventBus } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { openStore, type Migration, type Store } from '../store/index.js';
import type { ChangeNotifier } from './app.js';
import { ClusterBus } from './cluster/bus.js';
import { ClusterServerEventBus } from './cluster/event-bus.js';
import { Drain } from './drain.js';
import { wireError } from './errors.js';
import { EventWriter } from './events/event-writer.js';
import { STANDALONE_STREAM } from './events/session-event-store.js';
import { createHttpApp, type GuardedRoute, type MountedHandler } from './http/app.js';
import { loopbackOrigins } from './http/guards.js';
import { createMcpEndpoint } from './http/mcp-endpoint.js';
import { metricsHandler } from './http/ops-routes.js';
import { InFlight } from './in-flight.js';
import { exposeInternals } from './internals.js';
import { Lifecycle, type DurableServerHook } from './lifecycle.js';
import type { ModernHandler } from './modern/modern-handler.js';
import { sessionTelemetry } from './ops/telemetry.js';
import type { SessionBackendFactory } from './sessions/backend.js';
import { SessionFactory } from './sessions/factory.js';
import { TerminationFence } from './sessions/fence.js';
import { SessionRegistry } from './sessions/registry.js';
import { SessionRelay } from './sessions/relay.js';
import { createLegacyService } from './sessions/serve.js';
import { Sweeper } from './sessions/sweeper.js';
import { VERSION } from '../version.js';
import { resolveOptions, type RuntimeOptions } from './runtime-options.js';

export type { RuntimeOptions } from './runtime-options.js';
export type EngineRoute = GuardedRoute;
export type { DurableServerHook } from './lifecycle.js';

/** The server's public face. Everything else is reachable only through `internalsOf()` (tests). */
export interface DurableServer {
  /** Web-standard face: serve one HTTP request. After close() every answer is 503 SERVER_CLOSED. */
  fetch(request: Request): Promise<Response>;
  /** Readiness turns 503 at once; the server keeps serving until close(). */
  beginDrain(): void;
  /** Ordered shutdown (see Lifecycle); idempotent. `graceMs` bounds the drain (default: the gracePeriodMs option). */
  close(options?: { graceMs?: number }): Promise<void>;
  /** Publishes list/resource changes to every open 2026-07-28 `subscriptions/listen` stream, on every instance. */
  readonly notify: ChangeNotifier;
  /** The Prometheus registry, and /metrics as a handler (for serving it on a port of its own). */
  readonly metrics: { readonly registry: Registry; fetch(request: Request): Promise<Response> };
  /**
   * What adapters need to know: names in logs and headers, whether callers must authenticate, and the body
   * limit (the Node adapter refuses a larger declared Content-Length before reading the body).
   */
  readonly info: {
    readonly deploymentId: string;
    readonly instanceId: string;
    readonly authEnabled: boolean;
    readonly store: Store['kind'];
    readonly maxBodyBytes: number;
  };
  /** Lets an adapter take part in close(): `preClose` to stop accepting, `onClose` to release its sockets. */
  addHook(name: DurableServerHook, hook: () => Promise<void> | void): void;
}

/** What the runtime serves behind durable sessions and stateless requests: an app, or the gateway's upstream. */
export interface RuntimeEngine {
  name: string;
  version: string;
  migrations?: readonly Migration[];
  /**
   * The MCP endpoints: '' is `/mcp`, a name is `/mcp/<name>`. Default `['']`. One runtime (one registry,
   * sweeper and cluster bus) serves them all; a session is served only on the route it was created on.
   */
  routes?: readonly string[];
  /** Whether the runtime lists each session's catalogue itself (see SessionFactoryOptions.catalogue). Default true. */
  catalogue?: boolean;
  /** Builds the engine's parts once the store is open. */
  start(ctx: EngineContext): StartedEngine;
}

export interface StartedEngine {
  backends: SessionBackendFactory;
  modern: ModernHandler;
  /** GET routes of the engine's own, behind the origin guard and API keys. */
  routes?: readonly EngineRoute[];
  /** Released when the server closes, after the sessions and before the store. */
  close?: () => Promise<void> | void;
}

export interface EngineContext {
  store: Store;
  changes: ChangeNotifier;
  bus: ServerEventBus;
  maxBodyBytes: number;
  onModernError: (error: Error) => void;
  logger: Logger;
  /** The server's metrics registry, where an engine registers metrics of its own. */
  registry: Registry;
}

/** Options once the caller has settled the names and the log and metrics sinks. */
export type ResolvedNames = RuntimeOptions & Required<Pick<RuntimeOptions, 'deploymentId' | 'instanceId' | 'logger' | 'metrics'>>;

/** Starts the runtime for an engine. All or nothing: a failed start closes what it opened and rethrows. */
export async function startRuntime(
  options: ResolvedNames,
  engine: RuntimeEngine,
): Promise<DurableServer> {
  const o = resolveOptions(options);
  const { logger, metrics, deploymentId, instanceId } = options;
  checkRoutes(engine.routes);
  const life = new Lifecycle(logger);
  try {
    let store: Store;
    if (typeof options.store === 'string') {
      store = await openStore({
        url: options.store,
        logger,
        ...(options.pool && { pool: options.pool }),
        onQuery: ({ durationMs, ok }) => metrics.storeQueryDuration.observe({ ok: ok ? 'true' : 'false' }, durationMs / 1000),
      });
      // Closed last: whoever opened the store closes it. A store passed in is the caller's to close.
      life.opened('store', () => store.close());
    } else {
      store = options.store;
    }
    if (engine.migrations?.length) await store.migrate(engine.name, engine.migrations);
    metrics.buildInfo.set({ deployment_id: deploymentId, version: VERSION, store: store.kind }, 1);
    return await wire(life, store, o, options, engine);
  } catch (error) {
    await life.abortStart();
    throw error;
  }
}

/** Route names become URL path segments and log fields: checked before anything is opened. */
function checkRoutes(routes: readonly string[] | undefined): void {
  if (!routes) return;
  if (routes.length === 0) throw new TypeError('an engine must serve at least one route');
  for (const route of routes) {
    if (route !== '' && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(route)) {
      throw new TypeError(`route name '${route}' must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`);
    }
  }
  if (new Set(routes).size !== routes.length) throw new TypeError(`route names must be unique: ${routes.join(', ')}`);
}

async function wire(
  life: Lifecycle,
  store: Store,
  o: ReturnType<typeof resolveOptions>,
  options: ResolvedNames,
  engine: RuntimeEngine,
): Promise<DurableServer> {
  const { logger, metrics, deploymentId, instanceId } = options;
  const telemetry = sessionTelemetry(logger, metrics);
  const cluster = new ClusterBus(store, instanceId, (error, context) => logger.error({ err: error, context }, 'cluster message failed'));
  await cluster.start();
  life.opened('cluster', () => cluster.close());
  const bus = new ClusterServerEventBus(cluster, (error) => logger.error({ err: error }, 'server event fan-out failed'));
  const changes: ChangeNotifier = {
    toolsChanged: () => bus.publish({ kind: 'tools_list_changed' }),
    promptsChanged: () => bus.publish({ kind: 'prompts_list_changed' }),
    resourcesChanged: () => bus.publish({ kind: 'resources_list_changed' }),
    resourceUpdated: (uri: string) => bus.publish({ kind: 'resource_updated', uri }),
  };
  const started = engine.start({
    store,
    changes,
    bus,
    maxBodyBytes: o.maxBodyBytes,
    onModernError: (error) => logger.debug({ err: error }, 'modern request rejected'),
    logger,
    registry: metrics.registry,
  });
  const { backends, modern } = started;
  if (started.close) life.opened(`${engine.name} engine`, started.close);
  life.opened('modern handler', () => modern.close());

  let relay: SessionRelay | undefined;
  const writer = new EventWriter(store.events, {
    ...(o.writeDelayMs !== undefined && { delayMs: o.writeDelayMs }),
    onCommitted: (batch) => {
      metrics.eventsStored.inc(batch.length);
      const standalone = new Set<string>();
      for (const e of batch) if (e.streamId === STANDALONE_STREAM) standalone.add(e.sessionId);
      if (standalone.size > 0) relay?.standaloneCommitted(standalone);
    },
    onError: (error, pending) => logger.error({ err: error, pending }, 'event store write failed; retrying'),
    onDropped: (count) => logger.error({ dropped: count }, 'event store unreachable for too long; oldest events dropped'),
  });
  const inFlight = new InFlight();
  const factory = new SessionFactory({
    store,
    backends,
    writer,
    inFlight,
    deploymentId,
    instanceId,
    serverVersion: engine.version,
    ...(engine.catalogue === false && { catalogue: false }),
    responseMode: o.responseMode,
    retryIntervalMs: o.retryIntervalMs,
    maxBodyBytes: o.maxBodyBytes,
    observe: telemetry.transition,
    onAnnounced: (session, announcement) => telemetry.announced(session.id, announcement),
    onReplayed: telemetry.replayed,
    onError: telemetry.error,
  });
  // Only a store other processes share needs a fence: an embedded one has no other instance to hear from.
  let fence: TerminationFence | undefined;
  if (o.sessions.verifyEachRequest && o.fence !== false) {
    fence = new TerminationFence(store, instanceId, telemetry.error, o.fence);
    await fence.start();
    life.opened('termination fence', () => fence?.close());
  }
  const registry = new SessionRegistry(store, factory, { ...o.sessions, ...(fence && { fence }) }, telemetry);
  await registry.start();
  life.opened('sessions', () => registry.close());
  relay = new SessionRelay(cluster, registry, (error, context) => logger.error({ err: error, context }, 'cluster relay failed'));
  metrics.bindSources({ pool: () => store.db.stats(), liveSessions: () => registry.liveCount });

  const sweeper = new Sweeper(store, {
    intervalMs: o.sweepIntervalMs,
    terminatedRetentionMs: o.sessions.idleTimeoutMs,
    eventRetentionMs: o.eventRetentionMs,
    batchSize: 500,
    onSwept: (swept, events) => {
      registry.swept(swept);
      if (events > 0) logger.debug({ event: 'events_pruned', count: events }, 'events pruned');
    },
    onError: (error) => logger.error({ err: error }, 'sweep failed'),
  });
  sweeper.start();
  life.opened('sweeper', () => sweeper.stop());

  const legacy = createLegacyService({ registry, relay, sessions: store.sessions, deploymentId, onRejected: telemetry.rejected });
  const endpoint = createMcpEndpoint({
    legacy,
    modern,
    maxBodyBytes: o.maxBodyBytes,
    inFlight,
    onError: (error) => logger.error({ err: error }, 'request failed inside durable-mcp'),
  });
  const drain = new Drain({ registry, inFlight, writer, modern, metrics, logger, deploymentId });
  const mounts: Record<string, MountedHandler> = {};
  for (const [prefix, open] of Object.entries(o.mounts ?? {})) {
    const mount = await open({ store, registry: metrics.registry, deploymentId, instanceId, isDraining: () => life.state !== 'serving' });
    if (mount.close) life.opened(`mount ${prefix}`, () => mount.close?.());
    mounts[prefix] = mount.fetch;
  }
  const http = createHttpApp({
    endpoint,
    ...(engine.routes && { routes: engine.routes }),
    ...(started.routes && { guardedRoutes: started.routes }),
    apiKeys: o.apiKeys,
    guard: {
      ...(o.allowedHosts !== 'any' && { allowedHosts: o.allowedHosts }),
      allowedOrigins: [...loopbackOrigins(), ...o.allowedOrigins],
    },
    deploymentId,
    logger,
    metrics,
    mounts,
    ops: {
      sessions: registry,
      isDraining: () => life.state !== 'serving',
      pingStore: () => store.db.ping(o.readyTimeoutMs),
      onStoreUnready: (error) => logger.warn({ event: 'readiness_failed', err: error }, 'readiness: the store is not answering'),
      serveMetrics: o.metricsOnMainPort,
      ...(o.metricsToken && { metricsToken: o.metricsToken }),
    },
  });
  life.started();

  const closed = () => wireError('SERVER_CLOSED', { headers: { 'retry-after': '1', connection: 'close' } });
  const server: DurableServer = {
    fetch: (request) => (life.accepting ? Promise.resolve(http.fetch(request)) : Promise.resolve(closed())),
    beginDrain: () => life.beginDrain(() => drain.begin()),
    close: (closeOptions) =>
      life.close({ beginDrain: () => drain.begin(), drainDelayMs: o.drainDelayMs, drain: () => drain.run(closeOptions?.graceMs ?? o.gracePeriodMs) }),
    notify: changes,
    metrics: { registry: metrics.registry, fetch: metricsHandler(metrics, o.metricsToken) },
    info: { deploymentId, instanceId, authEnabled: o.apiKeys.length > 0, store: store.kind, maxBodyBytes: o.maxBodyBytes },
    addHook: (name, hook) => life.addHook(name, hook),
  };
  exposeInternals(server, { sessions: registry, store, logger, metrics, lifecycle: life });
  return server;
}
