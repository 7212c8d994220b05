import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';
import type { ChangeNotifier, DurableApp } from './app.js';
import type { ApiKey } from './auth/api-keys.js';
import { Drain } from './drain.js';
import { EventWriter } from './events/event-writer.js';
import { createHttpApp } from './http/app.js';
import { loopbackHosts, loopbackOrigins } from './http/guards.js';
import { createMcpEndpoint } from './http/mcp-endpoint.js';
import { metricsHandler } from './http/ops-routes.js';
import { SessionManager } from './legacy/session-manager.js';
import { Sweeper } from './legacy/sweeper.js';
import { createModernHandler } from './modern/modern-handler.js';
import { createLogger } from './ops/logger.js';
import { createMetrics, type Metrics } from './ops/metrics.js';
import { sessionTelemetry } from './ops/telemetry.js';
import { createServerBuilder } from './server-builder.js';
import { ClusterBus } from './cluster/bus.js';
import { ClusterServerEventBus } from './cluster/event-bus.js';
import { SessionRelay } from './cluster/session-relay.js';
import { STANDALONE_STREAM } from './events/session-event-store.js';
import { VERSION } from './version.js';

export interface DurableServerOptions {
  app: DurableApp;
  /** An open Store (you close it), or a store URL that the server opens and closes: `pglite:<dir>`, `postgres://...`. */
  store: Store | string;
  /** Names this build; reported on every response and log line. Default: generated. */
  deploymentId?: string;
  /** Names this process. Default: generated. */
  instanceId?: string;
  /** API keys; without any, every caller is `anonymous` (only safe on loopback). */
  apiKeys?: readonly ApiKey[];
  /** Host names accepted in the Host header (DNS-rebinding defence), or 'any'. Default: loopback names. */
  allowedHosts?: readonly string[] | 'any';
  /** Browser origins accepted besides loopback ones. Requests without Origin always pass. */
  allowedOrigins?: readonly string[];
  sessions?: {
    /** Sliding idle expiry. Default 24 h. */
    idleTimeoutMs?: number;
    /** Sessions kept live in this process; the rest are rebuilt from the store on demand. Default 1000. */
    maxLive?: number;
    /** How often batched last-active updates are written. Default 5 s. */
    activityFlushMs?: number;
    /** How often expired sessions and old events are swept. Default 60 s. */
    sweepIntervalMs?: number;
    /** Check the store on every request for terminations made elsewhere. Default: on for PostgreSQL, off for PGlite (one process). */
    verifyEachRequest?: boolean;
  };
  events?: {
    /** How long events stay replayable. Default 10 min. */
    retentionMs?: number;
    /** SSE `retry` hint sent with priming events. Default 1000 ms. */
    retryIntervalMs?: number;
    /** How long an event waits to share its INSERT with others (group commit). Default 10 ms. */
    writeDelayMs?: number;
  };
  /** Legacy response framing: 'sse' (default; resumable, streams progress) or 'json'. */
  responseMode?: 'sse' | 'json';
  /** Request body limit. Default 4 MiB. */
  maxBodyBytes?: number;
  /** How long close() lets in-flight requests finish. Default 25 s. */
  gracePeriodMs?: number;
  /** Bound on the store ping behind /readyz. Default 1000 ms. */
  readyTimeoutMs?: number;
  /** Serve /metrics on the main port (default true; false when the CLI gives it its own port). */
  metricsOnMainPort?: boolean;
  /** Bearer token required for /metrics. */
  metricsToken?: string;
  /** Share a metrics registry (e.g. one the store reports query timings to). */
  metrics?: Metrics;
  logger?: Logger;
}

export interface DurableServer {
  /** Web-standard face: serve one HTTP request. */
  readonly fetch: (request: Request) => Promise<Response>;
  /** The /metrics handler, for serving it on a separate port. */
  readonly metricsFetch: (request: Request) => Promise<Response>;
  readonly deploymentId: string;
  readonly instanceId: string;
  readonly authEnabled: boolean;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly store: Store;
  readonly sessions: SessionManager;
  /** Publishes list/resource changes to every open 2026-07-28 `subscriptions/listen` stream, on every instance. */
  readonly notify: ChangeNotifier;
  readonly draining: boolean;
  /** Readiness turns 503 at once; nothing else changes until drain() or close(). */
  beginDrain(): void;
  /** Drains (see Drain) within `graceMs`, then closes the store if the server opened it. Idempotent. */
  close(graceMs?: number): Promise<void>;
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

export async function createDurableServer(options: DurableServerOptions): Promise<DurableServer> {
  const deploymentId = options.deploymentId ?? defaultDeploymentId(options.app);
  const instanceId = options.instanceId ?? generateId('inst');
  const logger = options.logger ?? createLogger({ deploymentId, instanceId });
  const metrics = options.metrics ?? createMetrics();
  const ownsStore = typeof options.store === 'string';
  const store =
    typeof options.store === 'string'
      ? await openStore({
          url: options.store,
          logger,
          onQuery: ({ durationMs, ok }) => metrics.storeQueryDuration.observe({ ok: ok ? 'true' : 'false' }, durationMs / 1000),
        })
      : options.store;
  if (options.app.migrations?.length) await store.migrate(options.app.name, options.app.migrations);
  metrics.buildInfo.set({ deployment_id: deploymentId, version: VERSION, store: store.engine }, 1);

  const maxBodyBytes = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const idleTimeoutMs = options.sessions?.idleTimeoutMs ?? 24 * 60 * 60 * 1000;
  const cluster = new ClusterBus(store, instanceId, (error, context) => logger.error({ err: error, context }, 'cluster message failed'));
  await cluster.start();
  const bus = new ClusterServerEventBus(cluster, (error) => logger.error({ err: error }, 'server event fan-out failed'));
  const changes = {
    toolsChanged: () => bus.publish({ kind: 'tools_list_changed' }),
    promptsChanged: () => bus.publish({ kind: 'prompts_list_changed' }),
    resourcesChanged: () => bus.publish({ kind: 'resources_list_changed' }),
    resourceUpdated: (uri: string) => bus.publish({ kind: 'resource_updated', uri }),
  };
  const buildServer = createServerBuilder(options.app, store, deploymentId, logger.child({ app: options.app.name }), changes);
  let relay: SessionRelay | undefined;
  const writer = new EventWriter(store.events, {
    ...(options.events?.writeDelayMs !== undefined && { delayMs: options.events.writeDelayMs }),
    onCommitted: (batch) => {
      metrics.eventsStored.inc(batch.length);
      const standalone = new Set<string>();
      for (const e of batch) if (e.streamId === STANDALONE_STREAM) standalone.add(e.sessionId);
      if (standalone.size > 0) relay?.standaloneCommitted(standalone);
    },
    onError: (error, pending) => logger.error({ err: error, pending }, 'event store write failed; retrying'),
    onDropped: (count) => logger.error({ dropped: count }, 'event store unreachable for too long; oldest events dropped'),
  });
  const telemetry = sessionTelemetry(logger, metrics);
  const sessions = new SessionManager(
    store,
    buildServer,
    writer,
    deploymentId,
    instanceId,
    {
      verifyEachRequest: options.sessions?.verifyEachRequest ?? store.engine === 'postgres',
      idleTimeoutMs,
      maxLiveSessions: options.sessions?.maxLive ?? 1000,
      activityFlushMs: options.sessions?.activityFlushMs ?? 5000,
      responseMode: options.responseMode ?? 'sse',
      retryIntervalMs: options.events?.retryIntervalMs ?? 1000,
      maxBodyBytes,
      serverVersion: options.app.version,
    },
    telemetry,
  );
  await sessions.start();
  relay = new SessionRelay(cluster, sessions, (error, context) => logger.error({ err: error, context }, 'cluster relay failed'));
  const live = sessions;
  metrics.bindSources({ pool: () => store.db.stats(), liveSessions: () => live.liveCount });

  const sweeper = new Sweeper(store, {
    intervalMs: options.sessions?.sweepIntervalMs ?? 60_000,
    terminatedRetentionMs: idleTimeoutMs,
    eventRetentionMs: options.events?.retentionMs ?? 10 * 60 * 1000,
    batchSize: 500,
    onSwept: (swept, events) => {
      const now = Date.now();
      for (const s of swept) {
        if (!s.expired) continue;
        metrics.sessionsExpired.inc();
        metrics.sessionLifetime.observe((now - s.createdAt.getTime()) / 1000);
        logger.info({ event: 'session_expired', sessionId: s.id }, 'idle session expired and was swept');
      }
      if (events > 0) logger.debug({ event: 'events_pruned', count: events }, 'events pruned');
    },
    onError: (error) => logger.error({ err: error }, 'sweep failed'),
  });
  sweeper.start();

  const modernBodies = new WeakMap<Request, unknown>();
  const inFlight = { modern: 0, arriving: 0 };
  const modern = createModernHandler(buildServer, {
    maxBodyBytes,
    bodies: modernBodies,
    bus,
    onerror: (error) => logger.debug({ err: error }, 'modern request rejected'),
  });
  const endpoint = createMcpEndpoint({
    sessions: live,
    relay,
    modern,
    deploymentId,
    maxBodyBytes,
    modernBodies,
    inFlight,
    onRejected: (reason, id) => telemetry.rejected?.(reason, id),
    onError: (error) => logger.error({ err: error }, 'request failed inside durable-mcp'),
  });
  const drain = new Drain({
    sessions: live,
    writer,
    metrics,
    logger,
    deploymentId,
    modernInFlight: () => inFlight.modern + inFlight.arriving,
    closeModern: () => modern.close(),
  });
  const apiKeys = options.apiKeys ?? [];
  const allowedHosts = options.allowedHosts ?? loopbackHosts();
  const readyTimeoutMs = options.readyTimeoutMs ?? 1000;
  const http = createHttpApp({
    endpoint,
    apiKeys,
    guard: {
      ...(allowedHosts !== 'any' && { allowedHosts }),
      allowedOrigins: [...loopbackOrigins(), ...(options.allowedOrigins ?? [])],
    },
    deploymentId,
    logger,
    metrics,
    ops: {
      sessions: live,
      isDraining: () => drain.draining,
      pingStore: () => store.db.ping(readyTimeoutMs),
      onStoreUnready: (error) => logger.warn({ event: 'readiness_failed', err: error }, 'readiness: the store is not answering'),
      serveMetrics: options.metricsOnMainPort !== false,
      ...(options.metricsToken && { metricsToken: options.metricsToken }),
    },
  });

  let closed: Promise<void> | undefined;
  return {
    fetch: (request) => Promise.resolve(http.fetch(request)),
    metricsFetch: metricsHandler(metrics, options.metricsToken),
    deploymentId,
    instanceId,
    authEnabled: apiKeys.length > 0,
    logger,
    metrics,
    store,
    sessions: live,
    notify: changes,
    get draining() {
      return drain.draining;
    },
    beginDrain: () => drain.begin(),
    close(graceMs = options.gracePeriodMs ?? 25_000) {
      closed ??= (async () => {
        await sweeper.stop();
        await drain.run(graceMs);
        await cluster.close();
        if (ownsStore) await store.close();
      })();
      return closed;
    },
  };
}
