import type { Logger } from 'pino';
import type { SessionObserver } from '../legacy/session-manager.js';
import type { Metrics } from './metrics.js';

const round = (ms: number) => Math.round(ms * 100) / 100;

/** Session lifecycle events become one log line and one metric each. */
export function sessionTelemetry(logger: Logger, metrics: Metrics): SessionObserver {
  return {
    created(s) {
      metrics.sessionsCreated.inc();
      logger.info({ event: 'session_created', sessionId: s.id, principal: s.principal, protocolVersion: s.protocolVersion }, 'session created');
    },
    rehydrated(s, record, ms) {
      metrics.sessionsRehydrated.inc();
      metrics.rehydrationDuration.observe(ms / 1000);
      logger.info(
        { event: 'session_rehydrated', sessionId: s.id, principal: s.principal, createdByDeployment: record.deploymentId, durationMs: round(ms) },
        'session rebuilt from the store',
      );
    },
    rejected(reason, sessionId) {
      metrics.sessionsRejected.inc({ reason, status: reason === 'missing' ? '400' : '404' });
      logger.warn({ event: 'session_rejected', reason, sessionId: sessionId ?? 'missing' }, `session rejected: ${reason}`);
    },
    terminated(sessionId, ageMs) {
      metrics.sessionsTerminated.inc();
      if (ageMs !== undefined) metrics.sessionLifetime.observe(ageMs / 1000);
      logger.info({ event: 'session_terminated', sessionId }, 'session terminated by the client');
    },
    evicted() {
      metrics.sessionsEvicted.inc();
    },
    announced(s, a) {
      metrics.deploymentNotices.inc();
      logger.info(
        { event: 'session_upgrade_notice', sessionId: s.id, fromDeployment: a.fromDeployment, toDeployment: a.toDeployment, changed: a.changed },
        'session first served by this deployment; client will be told',
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
