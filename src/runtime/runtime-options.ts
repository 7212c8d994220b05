import type { Logger } from 'pino';
import type { Store } from '../store/index.js';
import { parseStoreUrl } from '../store/index.js';
import type { ApiKey } from './auth/api-keys.js';
import { loopbackHosts } from './http/guards.js';
import type { Registry } from 'prom-client';
import type { MountedHandler } from './http/app.js';
import type { Metrics } from './ops/metrics.js';

/** What a mount gets from the runtime once the store is open. */
export interface MountContext {
  store: Store;
  registry: Registry;
  deploymentId: string;
  instanceId: string;
  /** True from the start of a drain (readiness failing) on. */
  isDraining(): boolean;
}

export interface Mount {
  /** Serves requests whose path starts with the prefix (the path is not rewritten). */
  fetch: MountedHandler;
  close?(): void | Promise<void>;
}

export type MountFactory = (ctx: MountContext) => Mount | Promise<Mount>;

export interface RuntimeOptions {
  /** An open Store (you close it), or a store URL that the server opens and closes: `pglite:<dir>`, `postgres://...`. */
  store: Store | string;
  /** PostgreSQL pool settings when `store` is a URL. */
  pool?: { max?: number };
  /** Names this build; reported on every response and log line. Default: derived from the app's name and version. */
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
    /**
     * Whether a cached session may have been terminated by another instance, so that each request must be able to
     * tell (a DELETE on one instance is honoured by every other at once). Default: true on a shared PostgreSQL, false
     * on an embedded store (one process). The termination fence answers it without a store round trip while the
     * instance's notifications are proven current, and the store is asked per request when they are not.
     */
    verifyEachRequest?: boolean;
    /**
     * The termination fence (sessions/fence.ts): `leaseMs` is how long a proof that this instance's notifications
     * are current stays valid, and the longest a DELETE waits for an instance that stopped answering. Default 2000.
     * `false`: no fence; the store is asked on every request for a cached session (the previous behaviour).
     */
    fence?: { leaseMs?: number } | false;
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
  /**
   * How long close() keeps serving (readiness already failing) before adapters
   * stop accepting, so connections a balancer opened just before are served,
   * not reset. Default 0; the CLI uses 1 s.
   */
  drainDelayMs?: number;
  /** Bound on the store ping behind /readyz. Default 1000 ms. */
  readyTimeoutMs?: number;
  /** Serve /metrics on the main port (default true; false when the CLI gives it its own port). */
  metricsOnMainPort?: boolean;
  /** Bearer token required for /metrics. */
  metricsToken?: string;
  /** Share a metrics registry (e.g. one the store reports query timings to). */
  metrics?: Metrics;
  logger?: Logger;
  /**
   * Extra handlers served under a path prefix, e.g. `{ '/console': (ctx) => createConsole(...) }`. Each factory is
   * called once at start, after the store is open and migrated, with what the runtime owns; its `close` runs with
   * the rest of start-up's resources. Requests under the prefix get the Host check (DNS-rebinding defence), the
   * request log and the request metrics like every route; authentication and origin checks are the mount's own.
   */
  mounts?: Readonly<Record<string, MountFactory>>;
}

/** Every default in one place. */
export function resolveOptions(options: RuntimeOptions) {
  const idleTimeoutMs = options.sessions?.idleTimeoutMs ?? 24 * 60 * 60 * 1000;
  // An embedded store (embedded PostgreSQL, PGlite) serves one process: no other can terminate its sessions.
  const exclusiveStore = typeof options.store === 'string' ? parseStoreUrl(options.store).engine !== 'postgres' : options.store.exclusive;
  return {
    apiKeys: options.apiKeys ?? [],
    allowedHosts: options.allowedHosts ?? loopbackHosts(),
    allowedOrigins: options.allowedOrigins ?? [],
    sessions: {
      idleTimeoutMs,
      maxLiveSessions: options.sessions?.maxLive ?? 1000,
      activityFlushMs: options.sessions?.activityFlushMs ?? 5000,
      verifyEachRequest: options.sessions?.verifyEachRequest ?? !exclusiveStore,
    },
    fence: options.sessions?.fence ?? {},
    sweepIntervalMs: options.sessions?.sweepIntervalMs ?? 60_000,
    eventRetentionMs: options.events?.retentionMs ?? 10 * 60 * 1000,
    retryIntervalMs: options.events?.retryIntervalMs ?? 1000,
    writeDelayMs: options.events?.writeDelayMs,
    responseMode: options.responseMode ?? 'sse',
    maxBodyBytes: options.maxBodyBytes ?? 4 * 1024 * 1024,
    gracePeriodMs: options.gracePeriodMs ?? 25_000,
    drainDelayMs: options.drainDelayMs ?? 0,
    readyTimeoutMs: options.readyTimeoutMs ?? 1000,
    metricsOnMainPort: options.metricsOnMainPort !== false,
    metricsToken: options.metricsToken,
    mounts: options.mounts,
  };
}
