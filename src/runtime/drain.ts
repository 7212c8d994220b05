import type { Logger } from 'pino';
import type { EventWriter } from './events/event-writer.js';
import type { InFlight } from './in-flight.js';
import type { ModernHandler } from './modern/modern-handler.js';
import type { Metrics } from './ops/metrics.js';
import type { SessionRegistry } from './sessions/registry.js';

export interface DrainDeps {
  registry: SessionRegistry;
  inFlight: InFlight;
  writer: EventWriter;
  modern: ModernHandler;
  metrics: Metrics;
  logger: Logger;
  deploymentId: string;
}

/**
 * Letting work finish before shutdown: release the long-lived GET streams so
 * clients reconnect elsewhere, let in-flight work finish within the grace
 * period, answer whatever is left with a "restarting" error that says whether
 * a retry is safe, make every event durable, and only then close the streams
 * and sessions. Readiness fails from `begin()` on (the server's close() calls
 * it first, then waits out the drain delay before running this).
 */
export class Drain {
  #draining = false;

  constructor(private readonly deps: DrainDeps) {}

  get draining(): boolean {
    return this.#draining;
  }

  /** Readiness turns 503 at once; nothing else changes until run(). */
  begin(): void {
    if (this.#draining) return;
    this.#draining = true;
    this.deps.metrics.draining.set(1);
  }

  async run(graceMs: number): Promise<void> {
    const { registry, inFlight, writer, metrics, logger, deploymentId } = this.deps;
    this.begin();
    const started = performance.now();
    logger.info({ event: 'drain_started', graceMs, inFlight: inFlight.count, liveSessions: registry.liveCount }, 'draining');

    for (const session of registry.liveSessions()) session.closeStandaloneStream();

    let aborted = 0;
    if (!(await inFlight.idle(graceMs))) {
      metrics.drainDeadlineExceeded.inc();
      for (const session of registry.liveSessions()) {
        if (session.requestsInFlight > 0) aborted += await session.abortInFlight(deploymentId);
      }
      logger.warn({ event: 'drain_deadline', aborted, stillInFlight: inFlight.count }, 'grace period over; answered the rest with a restart error');
      // The restart answers are on their way out: give their streams a moment to end before sessions close.
      await inFlight.idle(1000);
    }

    await writer.flush();
    await registry.close();
    await this.deps.modern.close();
    await writer.flush();
    metrics.draining.set(0);
    logger.info({ event: 'drain_completed', durationMs: Math.round(performance.now() - started), aborted }, 'drained');
  }
}
