import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';
import type { DurableApp } from './app.js';
import type { ApiKey } from './auth/api-keys.js';
import { EventWriter } from './events/event-writer.js';
import { createHttpApp } from './http/app.js';
import { loopbackHosts, loopbackOrigins } from './http/guards.js';
import { createMcpEndpoint } from './http/mcp-endpoint.js';
import { SessionManager } from './legacy/session-manager.js';
import { Sweeper } from './legacy/sweeper.js';
import { createModernHandler } from './modern/modern-handler.js';
import { createLogger } from './ops/logger.js';
import { createServerBuilder } from './server-builder.js';

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
  };
  events?: {
    /** How long events stay replayable. Default 10 min. */
    retentionMs?: number;
    /** SSE `retry` hint sent with priming events. Default 1000 ms. */
    retryIntervalMs?: number;
  };
  /** Legacy response framing: 'sse' (default; resumable, streams progress) or 'json'. */
  responseMode?: 'sse' | 'json';
  /** Request body limit. Default 4 MiB. */
  maxBodyBytes?: number;
  logger?: Logger;
}

export interface DurableServer {
  /** Web-standard face: serve one HTTP request. */
  readonly fetch: (request: Request) => Promise<Response>;
  readonly deploymentId: string;
  readonly instanceId: string;
  readonly authEnabled: boolean;
  readonly logger: Logger;
  readonly store: Store;
  readonly sessions: SessionManager;
  /** Flushes batched writes, closes live sessions, and closes the store if the server opened it. */
  close(): Promise<void>;
}

export function generateId(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

export async function createDurableServer(options: DurableServerOptions): Promise<DurableServer> {
  const deploymentId = options.deploymentId ?? generateId('dep');
  const instanceId = options.instanceId ?? generateId('inst');
  const logger = (options.logger ?? createLogger({ deploymentId, instanceId })).child({});
  const ownsStore = typeof options.store === 'string';
  const store =
    typeof options.store === 'string'
      ? await openStore({ url: options.store, logger })
      : options.store;
  if (options.app.migrations?.length) await store.migrate(options.app.name, options.app.migrations);

  const maxBodyBytes = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const buildServer = createServerBuilder(options.app, store, deploymentId, logger.child({ app: options.app.name }));
  const writer = new EventWriter(store.events, {
    onError: (error, pending) => logger.error({ err: error, pending }, 'event store write failed; retrying'),
    onDropped: (count) => logger.error({ dropped: count }, 'event store unreachable for too long; oldest events dropped'),
  });
  const sessions = new SessionManager(
    store,
    buildServer,
    writer,
    deploymentId,
    {
      idleTimeoutMs: options.sessions?.idleTimeoutMs ?? 24 * 60 * 60 * 1000,
      maxLiveSessions: options.sessions?.maxLive ?? 1000,
      activityFlushMs: options.sessions?.activityFlushMs ?? 5000,
      responseMode: options.responseMode ?? 'sse',
      retryIntervalMs: options.events?.retryIntervalMs ?? 1000,
      maxBodyBytes,
    },
    {
      created: (s) => logger.info({ event: 'session_created', sessionId: s.id, principal: s.principal, protocolVersion: s.protocolVersion }, 'session created'),
      rehydrated: (s, record, ms) =>
        logger.info(
          { event: 'session_rehydrated', sessionId: s.id, principal: s.principal, createdByDeployment: record.deploymentId, durationMs: Math.round(ms * 100) / 100 },
          'session rebuilt from the store',
        ),
      rejected: (reason, id) => logger.warn({ event: 'session_rejected', reason, sessionId: id }, 'session rejected'),
      terminated: (id) => logger.info({ event: 'session_terminated', sessionId: id }, 'session terminated'),
      error: (error, context) => logger.error({ err: error, context }, 'session bookkeeping failed'),
    },
  );
  await sessions.start();

  const sweeper = new Sweeper(store, {
    intervalMs: options.sessions?.sweepIntervalMs ?? 60_000,
    terminatedRetentionMs: options.sessions?.idleTimeoutMs ?? 24 * 60 * 60 * 1000,
    eventRetentionMs: options.events?.retentionMs ?? 10 * 60 * 1000,
    batchSize: 500,
    onSwept: (ids, events) => {
      for (const id of ids) logger.info({ event: 'session_expired', sessionId: id }, 'session swept');
      if (events > 0) logger.debug({ event: 'events_pruned', count: events }, 'events pruned');
    },
    onError: (error) => logger.error({ err: error }, 'sweep failed'),
  });
  sweeper.start();

  const modernBodies = new WeakMap<Request, unknown>();
  const modern = createModernHandler(buildServer, {
    maxBodyBytes,
    bodies: modernBodies,
    onerror: (error) => logger.debug({ err: error }, 'modern request rejected'),
  });
  const endpoint = createMcpEndpoint({
    sessions,
    modern,
    deploymentId,
    maxBodyBytes,
    modernBodies,
    onError: (error) => logger.error({ err: error }, 'request failed inside durable-mcp'),
  });
  const apiKeys = options.apiKeys ?? [];
  const allowedHosts = options.allowedHosts ?? loopbackHosts();
  const http = createHttpApp({
    endpoint,
    apiKeys,
    guard: {
      ...(allowedHosts !== 'any' && { allowedHosts }),
      allowedOrigins: [...loopbackOrigins(), ...(options.allowedOrigins ?? [])],
    },
    deploymentId,
    logger,
    readiness: () => store.db.ping(2000),
  });

  let closed: Promise<void> | undefined;
  return {
    fetch: (request) => Promise.resolve(http.fetch(request)),
    deploymentId,
    instanceId,
    authEnabled: apiKeys.length > 0,
    logger,
    store,
    sessions,
    close() {
      closed ??= (async () => {
        await sweeper.stop();
        await sessions.close();
        await modern.close();
        await writer.flush();
        if (ownsStore) await store.close();
      })();
      return closed;
    },
  };
}
