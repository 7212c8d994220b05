/**
 * What stdio children do, as log lines and metrics: each child event is one
 * line and at most one count. The metrics are made once per registry and
 * labelled by upstream, so several stdio routes share them.
 */
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { StdioEvent, StdioEventHook } from './types.js';

export interface StdioMetrics {
  transitions: Counter<'upstream' | 'from' | 'to'>;
  startSeconds: Histogram<'upstream'>;
  capacityRefused: Counter<'upstream'>;
  stderrDropped: Counter<'upstream'>;
  /** Children running per upstream, read at scrape time. */
  watch(upstream: string, live: () => number): void;
}

export function createStdioMetrics(registry: Registry): StdioMetrics {
  const registers = [registry];
  const sources = new Map<string, () => number>();
  new Gauge({
    name: 'durable_mcp_gateway_stdio_children',
    help: 'stdio children running (starting, ready or stopping).',
    labelNames: ['upstream'],
    registers,
    collect() {
      for (const [upstream, live] of sources) this.set({ upstream }, live());
    },
  });
  return {
    transitions: new Counter({ name: 'durable_mcp_gateway_stdio_child_transitions_total', help: 'Life-cycle transitions of stdio children.', labelNames: ['upstream', 'from', 'to'], registers }),
    startSeconds: new Histogram({
      name: 'durable_mcp_gateway_stdio_child_start_seconds',
      help: 'From spawn to the answer to initialize, per stdio child.',
      labelNames: ['upstream'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers,
    }),
    capacityRefused: new Counter({ name: 'durable_mcp_gateway_stdio_capacity_refused_total', help: 'Children refused because the limit was reached (answered 503).', labelNames: ['upstream'], registers }),
    stderrDropped: new Counter({ name: 'durable_mcp_gateway_stdio_stderr_dropped_total', help: 'stderr lines of stdio children over the logging bound (counted, not logged).', labelNames: ['upstream'], registers }),
    watch: (upstream, live) => void sources.set(upstream, live),
  };
}

/** The hook for one upstream's children. */
export function stdioTelemetry(upstream: string, logger: Logger, metrics: StdioMetrics): StdioEventHook {
  const log = logger.child({ component: 'gateway-stdio', upstream });
  return (event: StdioEvent) => {
    switch (event.type) {
      case 'child_transition': {
        metrics.transitions.inc({ upstream, from: event.from, to: event.to });
        if (event.from === 'starting' && event.to === 'ready') metrics.startSeconds.observe({ upstream }, event.durationMs / 1000);
        const { type: _type, ...fields } = event;
        // A child that ends by itself (crash, OOM, a failed start) is worth a warning; one the gateway stops is not.
        const unexpected = event.to === 'exited' && event.from !== 'stopping';
        log[unexpected ? 'warn' : 'info']({ event: 'stdio_child_transition', ...fields }, `stdio child ${event.from} -> ${event.to}: ${event.reason}`);
        return;
      }
      case 'child_stderr':
        log.info({ event: 'stdio_child_stderr', child: event.child, pid: event.pid, sessionId: event.sessionId, principal: event.principal, line: event.line }, 'stdio child stderr');
        return;
      case 'child_stderr_dropped':
        metrics.stderrDropped.inc({ upstream }, event.count);
        log.warn({ event: 'stdio_child_stderr_dropped', child: event.child, pid: event.pid, sessionId: event.sessionId, count: event.count }, 'stdio child stderr over the bound: lines counted, not logged');
        return;
      case 'child_protocol':
        log.warn({ event: 'stdio_child_protocol', child: event.child, pid: event.pid, sessionId: event.sessionId, detail: event.detail }, 'stdio child wrote something that is not JSON-RPC (skipped)');
        return;
      case 'child_unroutable':
        log.warn({ event: 'stdio_child_unroutable', child: event.child, principal: event.principal, method: event.method }, 'a shared stdio child sent a message no session could be found for');
        return;
      case 'capacity_refused':
        metrics.capacityRefused.inc({ upstream });
        log.warn({ event: 'stdio_children_full', live: event.live, max: event.max, ...event.owner }, 'stdio child refused: the limit of children is reached (503)');
        return;
      case 'parent_death_unavailable':
        log.warn({ event: 'stdio_parent_death_unavailable' }, 'setpriv (util-linux) not found: stdio children are stopped with the gateway, but would outlive a SIGKILL of it');
    }
  };
}
