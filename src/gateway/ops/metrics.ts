/**
 * The gateway's own metrics, per upstream (the route name, never its URL or
 * credentials), in the server's registry beside the runtime's `durable_mcp_*`
 * session metrics. The names are a public contract: ops/alerts.yml uses them.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { ResilientErrorCode } from '../../client/errors.js';
import { UpstreamErrorCode } from '../upstream/errors.js';
import type { RecreateReason, UpstreamEvent } from '../upstream/types.js';

export interface GatewayMetrics {
  readonly requests: Counter<'upstream' | 'status'>;
  readonly requestDuration: Histogram<'upstream'>;
  readonly reinitializations: Counter<'upstream' | 'reason'>;
  readonly unknownOutcomes: Counter<'upstream'>;
  readonly unreachable: Counter<'upstream' | 'during'>;
  readonly retries: Counter<'upstream' | 'reason'>;
  readonly transitions: Counter<'upstream' | 'from' | 'to'>;
  readonly up: Gauge<'upstream'>;
  /**
   * Runs `refresh` whenever the registry is collected (a scrape of /metrics), without waiting for it: the
   * reachability gauge is then as fresh as the scrapes that read it. Returns how to stop.
   */
  onCollect(refresh: () => void): () => void;
  /** Exports one upstream's counters of known label values at 0 (see below). */
  initUpstream(upstream: string): void;
}

/*
 * Label values known in advance, exported at 0 from the start: rate() and increase() need a sample before a
 * counter's first increment, or a gateway's first re-initialization (often the only one) would never show on a
 * dashboard or in the UpstreamFlapping alert.
 */
const RECREATE_REASONS = Object.keys({
  'not-found': 0,
  'bad-session': 0,
  'stream-rejected': 0,
  // stdio upstreams: the child exited, was stopped (idle), or does not exist yet in this process.
  'child-exited': 0,
  'child-stopped': 0,
  restored: 0,
} satisfies Record<RecreateReason, 0>) as RecreateReason[];
type Unreachable = Extract<UpstreamEvent, { type: 'unreachable' }>['during'];
const UNREACHABLE_DURING = Object.keys({ handshake: 0, stream: 0 } satisfies Record<Unreachable, 0>) as Unreachable[];

/** The `status` label of a relayed request: `ok`, or its failure code without the prefix (`outcome_unknown`). */
export function requestStatus(errorCode: string | undefined): string {
  return errorCode === undefined ? 'ok' : errorCode.replace(/^DURABLE_MCP_/, '').toLowerCase();
}

const REQUEST_STATUSES = [undefined, ...Object.values(ResilientErrorCode), ...Object.values(UpstreamErrorCode)].map(requestStatus);

export function createGatewayMetrics(registry: Registry): GatewayMetrics {
  const registers = [registry];
  const refreshers = new Set<() => void>();
  const metrics: Omit<GatewayMetrics, 'onCollect' | 'initUpstream'> = {
    requests: new Counter({
      name: 'durable_mcp_upstream_requests_total',
      help: 'Client requests relayed to an upstream, by outcome: ok (the upstream answered, a JSON-RPC error included) or the failure code (outcome_unknown, server_unavailable, ...).',
      labelNames: ['upstream', 'status'],
      registers,
    }),
    requestDuration: new Histogram({
      name: 'durable_mcp_upstream_request_duration_seconds',
      help: 'Time from relaying a request to its upstream answer, recovery and retries included.',
      labelNames: ['upstream'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
      registers,
    }),
    reinitializations: new Counter({
      name: 'durable_mcp_upstream_reinitializations_total',
      help: 'Upstream sessions re-created because the upstream lost one (not-found, bad-session, stream-rejected).',
      labelNames: ['upstream', 'reason'],
      registers,
    }),
    unknownOutcomes: new Counter({
      name: 'durable_mcp_upstream_unknown_outcomes_total',
      help: 'Requests whose outcome is unknown (the upstream may have run them) and that were not repeated.',
      labelNames: ['upstream'],
      registers,
    }),
    unreachable: new Counter({
      name: 'durable_mcp_upstream_unreachable_total',
      help: 'Attempts that found the upstream unreachable (refused, timed out, 502-504), by what was attempted.',
      labelNames: ['upstream', 'during'],
      registers,
    }),
    retries: new Counter({
      name: 'durable_mcp_upstream_retries_total',
      help: 'Requests sent upstream again, by reason (refused, session-lost, outcome-unknown of a safe request, ...).',
      labelNames: ['upstream', 'reason'],
      registers,
    }),
    transitions: new Counter({
      name: 'durable_mcp_upstream_session_transitions_total',
      help: 'Changes of upstream session state (see src/gateway/upstream/lifecycle.ts).',
      labelNames: ['upstream', 'from', 'to'],
      registers,
    }),
    up: new Gauge({
      name: 'durable_mcp_upstream_up',
      help: '1 when the last reachability check of the upstream succeeded, 0 when it failed. Each scrape starts a check (at most one per 2 s) and reads the last one finished.',
      labelNames: ['upstream'],
      registers,
      collect() {
        for (const refresh of refreshers) refresh();
      },
    }),
  };
  return {
    ...metrics,
    onCollect(refresh) {
      refreshers.add(refresh);
      return () => void refreshers.delete(refresh);
    },
    initUpstream(upstream) {
      for (const status of REQUEST_STATUSES) metrics.requests.inc({ upstream, status }, 0);
      metrics.unknownOutcomes.inc({ upstream }, 0);
      for (const reason of RECREATE_REASONS) metrics.reinitializations.inc({ upstream, reason }, 0);
      for (const during of UNREACHABLE_DURING) metrics.unreachable.inc({ upstream, during }, 0);
    },
  };
}
