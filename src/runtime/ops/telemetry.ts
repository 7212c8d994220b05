import type { Logger } from 'pino';
import type { RejectionReason } from '../errors.js';
import type { Announcement } from '../sessions/announcement.js';
import type { Transition } from '../sessions/states.js';
import type { Metrics } from './metrics.js';

const round = (ms: number) => Math.round(ms * 100) / 100;

/** What happens to sessions, as log lines and metrics: each event is one line and one count. */
export interface SessionTelemetry {
  transition(t: Transition): void;
  rejected(reason: RejectionReason, presentedId: string | undefined): void;
  announced(sessionId: string, announcement: Announcement): void;
  replayed(count: number): void;
  error(error: unknown, context: string): void;
}

export function sessionTelemetry(logger: Logger, metrics: Metrics): SessionTelemetry {
  return {
    transition(t) {
      metrics.sessionTransitions.inc({ from: t.from, to: t.to });
      const base = { sessionId: t.sessionId, principal: t.principal, from: t.from };
      switch (t.to) {
        case 'live':
          if (t.from === 'creating') {
            metrics.sessionsCreated.inc();
            logger.info({ event: 'session_created', ...base, protocolVersion: t.protocolVersion }, 'session created');
          } else if (t.from === 'rebuilding') {
            const ms = t.detail.durationMs ?? 0;
            metrics.sessionsRehydrated.inc();
            metrics.rehydrationDuration.observe(ms / 1000);
            logger.info(
              { event: 'session_rehydrated', ...base, createdByDeployment: t.detail.createdByDeployment, durationMs: round(ms) },
              'session rebuilt from the store',
            );
          } else {
            logger.debug({ event: 'session_revalidated', ...base }, 'session checked against the store again');
          }
          return;
        case 'stale':
          logger.debug({ event: 'session_stale', ...base }, 'session may have missed a termination; the store is asked on its next request');
          return;
        case 'evicted':
          metrics.sessionsEvicted.inc();
          logger.debug({ event: 'session_evicted', ...base }, 'session evicted from the live cache (still in the store)');
          return;
        case 'expired':
          // The sweeper's removal is the one expiry per session that every instance agrees on: that one is counted.
          if (t.detail.swept) {
            metrics.sessionsExpired.inc();
            metrics.sessionLifetime.observe(t.ageMs / 1000);
          }
          logger.info({ event: 'session_expired', ...base, swept: t.detail.swept === true }, 'idle session expired');
          return;
        case 'terminated':
          // Counted where the DELETE arrived; the other instances log that their copy ended.
          if (t.detail.by === 'client') {
            metrics.sessionsTerminated.inc();
            metrics.sessionLifetime.observe(t.ageMs / 1000);
          }
          logger.info({ event: 'session_terminated', ...base, by: t.detail.by ?? 'elsewhere' }, 'session terminated');
          return;
        case 'failed':
          // A refused initialize is the client's mistake (the SDK answered it); a failed rebuild is ours.
          if (t.from === 'creating') logger.info({ event: 'session_failed', ...base }, 'initialize refused by the SDK');
          else logger.error({ event: 'session_failed', ...base, err: t.detail.error }, 'session rebuild failed');
          return;
        case 'closed':
          logger.debug({ event: 'session_closed', ...base }, 'session closed with this process');
          return;
        default:
          logger.debug({ event: 'session_transition', ...base, to: t.to }, `session ${t.to}`);
      }
    },
    rejected(reason, presentedId) {
      metrics.sessionsRejected.inc({ reason, status: reason === 'missing' ? '400' : '404' });
      logger.warn({ event: 'session_rejected', reason, sessionId: presentedId ?? 'missing' }, `session rejected: ${reason}`);
    },
    announced(sessionId, a) {
      metrics.deploymentNotices.inc();
      logger.info(
        { event: 'session_upgrade_notice', sessionId, fromDeployment: a.fromDeployment, toDeployment: a.toDeployment, toVersion: a.toVersion, changed: a.changed },
        'session first served by a changed build; its client will be told',
      );
    },
    replayed(count) {
      metrics.eventsReplayed.inc(count);
    },
    error(error, context) {
      logger.error({ err: error, context }, `session bookkeeping failed: ${context}`);
    },
  };
}
