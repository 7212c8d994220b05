/**
 * What happens between the gateway and one upstream, as log lines and
 * metrics. The upstream side reports each event exactly once (hooks.onEvent,
 * hooks.onRecreated); this turns each into at most one line and one count,
 * and keeps the last of each kind for the console and `/upstreams`.
 * Error texts pass the route's scrubber: an upstream may echo a credential.
 */
import type { Logger } from 'pino';
import type { RecreatedInfo, UpstreamEvent } from '../upstream/types.js';
import type { Scrub } from '../front/secrets.js';
import type { UpstreamHistoryRecorder } from './history.js';
import { requestStatus, type GatewayMetrics } from './metrics.js';

export interface LinkTelemetry {
  onEvent(event: UpstreamEvent): void;
  onRecreated(info: RecreatedInfo): void;
}

/** Who a link serves: a front session, or a 2026-07-28 client (no session). */
export interface LinkOwner {
  sessionId?: string;
  principal: string;
}

export interface RouteTelemetry {
  hooks(owner: LinkOwner): LinkTelemetry;
}

/** A request that failed without a code was cut short by its caller. */
function statusOf(event: Extract<UpstreamEvent, { type: 'request' }>): string {
  return event.ok ? 'ok' : event.errorCode ? requestStatus(event.errorCode) : 'aborted';
}

const round = (ms: number) => Math.round(ms * 100) / 100;

export function routeTelemetry(upstream: string, logger: Logger, metrics: GatewayMetrics, history: UpstreamHistoryRecorder, scrub: Scrub): RouteTelemetry {
  const log = logger.child({ upstream });
  const requests = new Map<string, ReturnType<typeof metrics.requests.labels>>();
  const duration = metrics.requestDuration.labels(upstream);
  return {
    hooks(owner) {
      const who = { ...(owner.sessionId !== undefined && { sessionId: owner.sessionId }), principal: owner.principal };
      return {
        onEvent(event) {
          switch (event.type) {
            case 'request': {
              const status = statusOf(event);
              let counter = requests.get(status);
              if (!counter) requests.set(status, (counter = metrics.requests.labels(upstream, status)));
              counter.inc();
              duration.observe(event.durationMs / 1000);
              return;
            }
            case 'transition':
              metrics.transitions.inc({ upstream, from: event.from, to: event.to });
              log.debug({ event: 'upstream_session_transition', ...who, from: event.from, to: event.to, reason: scrub(event.reason), generation: event.generation }, 'upstream session state changed');
              return;
            case 'retry':
              metrics.retries.inc({ upstream, reason: event.reason });
              log.debug({ event: 'upstream_retry', ...who, method: event.method, tool: event.tool, reason: event.reason, attempt: event.attempt, delayMs: round(event.delayMs) }, 'request sent upstream again');
              return;
            case 'outcome_unknown':
              metrics.unknownOutcomes.inc({ upstream });
              history.outcomeUnknown(event);
              log.warn({ event: 'upstream_outcome_unknown', ...who, method: event.method, tool: event.tool, reason: event.reason }, 'the upstream may have run a request whose answer was lost; not repeated');
              return;
            case 'unreachable': {
              const error = scrub(event.error);
              metrics.unreachable.inc({ upstream, during: event.during });
              history.unreachable(event.during, error);
              log.warn({ event: 'upstream_unreachable', ...who, during: event.during, attempt: event.attempt, error }, 'upstream unreachable');
              return;
            }
            case 'stream':
              log.debug({ event: 'upstream_stream', ...who, state: event.state, detail: event.detail && scrub(event.detail) }, `upstream standalone stream ${event.state}`);
              return;
            case 'replay_failed':
              log.warn({ event: 'upstream_replay_failed', ...who, what: event.what, error: scrub(event.error) }, 'replaying session state on a new upstream session failed');
              return;
          }
        },
        onRecreated(info) {
          metrics.reinitializations.inc({ upstream, reason: info.reason });
          history.recreated(info);
          log.info(
            { event: 'upstream_session_recreated', ...who, reason: info.reason, generation: info.generation, listsChanged: info.listsChanged, replayed: info.replayed, durationMs: round(info.durationMs) },
            'the upstream lost the session; a new one serves it',
          );
        },
      };
    },
  };
}
