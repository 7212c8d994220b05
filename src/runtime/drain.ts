import type { Logger } from 'pino';
import type { EventWriter } from './events/event-writer.js';
import type { SessionManager } from './legacy/session-manager.js';
import type { Metrics } from './ops/metrics.js';

export interface DrainDeps {
  sessions: SessionManager;
  writer: EventWriter;
  metrics: Metrics;
  logger: Logger;
  deploymentId: string;
  /** Requests no session counts: modern exchanges still streaming, legacy ones still reaching their session. */
  modernInFlight: () => number;
  closeModern: () => Promise<void>;
}

/**
 * Graceful shutdown in ordered phases (as Fastify closes): stop being ready,
 * release the long-lived GET streams so clients reconnect elsewhere, let
 * in-flight requests finish within the grace period, answer whatever is left
 * with a "restarting" error that says whether a retry is safe, make every
 * event durable, and only then close the streams and sessions.
 */
export class Drain {
  private state: 'serving' | 'draining' | 'drained' = 'serving';
  private done: Promise<void> | undefined;

  constructor(private readonly deps: DrainDeps) {}

  get draining(): boolean {
    return this.state !== 'serving';
  }

  /** Readiness turns 503 from this moment on. */
  begin(): void {
    if (this.state !== 'serving') return;
    this.state = 'draining';
    this.deps.metrics.draining.set(1);
  }

  run(graceMs: number): Promise<void> {
    this.done ??= this.phases(graceMs);
    return this.done;
  }

  private inFlight(): number {
    let n = this.deps.modernInFlight();
    for (const s of this.deps.sessions.liveSessions()) n += s.requestsInFlight;
    return n;
  }

  private async phases(graceMs: number): Promise<void> {
    const { sessions, writer, metrics, logger, deploymentId } = this.deps;
    this.begin();
    const started = performance.now();
    logger.info({ event: 'drain_started', graceMs, inFlight: this.inFlight(), liveSessions: sessions.liveCount }, 'draining');

    for (const session of sessions.liveSessions()) session.closeStandaloneStream();

    const deadline = Date.now() + graceMs;
    while (this.inFlight() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));

    let aborted = 0;
    if (this.inFlight() > 0) {
      metrics.drainDeadlineExceeded.inc();
      for (const session of sessions.liveSessions()) {
        if (session.requestsInFlight > 0) aborted += await session.abortInFlight(deploymentId);
      }
      logger.warn({ event: 'drain_deadline', aborted, modernInFlight: this.deps.modernInFlight() }, 'grace period over; answered the rest with a restart error');
    }

    await writer.flush();
    await sessions.close();
    await this.deps.closeModern();
    await writer.flush();
    this.state = 'drained';
    metrics.draining.set(0);
    logger.info({ event: 'drain_completed', durationMs: Math.round(performance.now() - started), aborted }, 'drained');
  }
}
