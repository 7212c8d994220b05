import type { EventRepository, StoredEvent } from '../../store/records.js';

export interface EventWriterOptions {
  /** Most events inserted by one statement. */
  batchSize?: number;
  /** Events held in memory while the store is unreachable; beyond this the oldest are dropped (and reported). */
  maxPending?: number;
  onError?: (error: unknown, pending: number) => void;
  onDropped?: (count: number) => void;
  /** After each committed batch, with the batch (e.g. to tell other instances about standalone events). */
  onCommitted?: (batch: readonly StoredEvent[]) => void;
}

/**
 * Group commit for SSE events. `enqueue` never waits for the database: the
 * SDK writes each event to its stream right after storing it, and making every
 * message wait for a commit would put a database round trip on the latency of
 * every response. Instead at most one INSERT is in flight; whatever arrives
 * meanwhile goes into the next one. Under load that is one statement for many
 * events; when idle, an event is written within one round trip of being sent.
 *
 * What this trades: an event sent to a live client but not yet committed is
 * lost if the process dies in that window (the request in flight is lost with
 * it). `flush()` is awaited before any replay and during drain, so a resume on
 * this instance, or after a graceful shutdown, always sees every event.
 */
export class EventWriter {
  private queue: StoredEvent[] = [];
  private running: Promise<void> | undefined;
  private readonly batchSize: number;
  private readonly maxPending: number;

  constructor(
    private readonly repo: EventRepository,
    private readonly options: EventWriterOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.maxPending = options.maxPending ?? 50_000;
  }

  get pending(): number {
    return this.queue.length;
  }

  enqueue(event: StoredEvent): void {
    this.queue.push(event);
    if (this.queue.length > this.maxPending) {
      const dropped = this.queue.length - this.maxPending;
      this.queue.splice(0, dropped);
      this.options.onDropped?.(dropped);
    }
    this.running ??= this.drain();
  }

  /** Resolves once everything enqueued before the call is committed (or the writer gave up on it). */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    // Yield once so events produced in the same tick share a statement.
    await Promise.resolve();
    let failures = 0;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.slice(0, this.batchSize);
        try {
          await this.repo.append(batch);
          this.queue.splice(0, batch.length);
          failures = 0;
          this.options.onCommitted?.(batch);
        } catch (error) {
          failures += 1;
          this.options.onError?.(error, this.queue.length);
          // Keep the events and back off; the store may be waking up.
          await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 50 * 2 ** failures)).unref?.());
          if (failures >= 8) return; // give up this round; the next enqueue or flush retries
        }
      }
    } finally {
      this.running = undefined;
    }
  }
}
