/**
 * The session counters as the metrics registry holds them, read by their
 * public names (the same contract as ops/alerts.yml and the Grafana
 * dashboard), so the console never reaches into the runtime's objects.
 */
import type { Registry } from 'prom-client';

export interface Readings {
  /** When read (ms since the epoch). */
  at: number;
  created: number;
  rebuilt: number;
  rejected: number;
  rejectedByReason: Record<string, number>;
  live: number;
  expired: number;
  terminated: number;
  evicted: number;
  eventsStored: number;
  eventsReplayed: number;
}

export const METRIC_NAMES = {
  created: 'durable_mcp_sessions_created_total',
  rebuilt: 'durable_mcp_sessions_rehydrated_total',
  rejected: 'durable_mcp_sessions_rejected_total',
  live: 'durable_mcp_sessions_live',
  expired: 'durable_mcp_sessions_expired_total',
  terminated: 'durable_mcp_sessions_terminated_total',
  evicted: 'durable_mcp_sessions_evicted_total',
  eventsStored: 'durable_mcp_events_stored_total',
  eventsReplayed: 'durable_mcp_events_replayed_total',
} as const;

type Values = Array<{ value: number; labels: Record<string, string | number | undefined> }>;

async function values(registry: Registry, name: string): Promise<Values> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return [];
  return (await metric.get()).values as Values;
}

const sum = (vs: Values): number => vs.reduce((n, v) => n + v.value, 0);

export async function readCounters(registry: Registry, now = Date.now()): Promise<Readings> {
  const [created, rebuilt, rejected, live, expired, terminated, evicted, eventsStored, eventsReplayed] = await Promise.all(
    [
      METRIC_NAMES.created,
      METRIC_NAMES.rebuilt,
      METRIC_NAMES.rejected,
      METRIC_NAMES.live,
      METRIC_NAMES.expired,
      METRIC_NAMES.terminated,
      METRIC_NAMES.evicted,
      METRIC_NAMES.eventsStored,
      METRIC_NAMES.eventsReplayed,
    ].map((name) => values(registry, name)),
  );
  const byReason: Record<string, number> = {};
  for (const v of rejected!) {
    const reason = String(v.labels.reason ?? 'unknown');
    byReason[reason] = (byReason[reason] ?? 0) + v.value;
  }
  return {
    at: now,
    created: sum(created!),
    rebuilt: sum(rebuilt!),
    rejected: sum(rejected!),
    rejectedByReason: byReason,
    live: sum(live!),
    expired: sum(expired!),
    terminated: sum(terminated!),
    evicted: sum(evicted!),
    eventsStored: sum(eventsStored!),
    eventsReplayed: sum(eventsReplayed!),
  };
}
