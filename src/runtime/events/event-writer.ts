import type { EventRepository, StoredEvent } from '../../store/index.js';

export interface EventWriterOptions {
  /** Most events inserted by one statement. */
  batchSize?: number;
  /**
   * How long the first event of a batch waits for others to share its
   * INSERT. Default 10 ms. A statement costs far more than a row (on PGlite,
   * which runs in this event loop, ~0.5 ms of CPU against ~0.03 ms per extra
   * row), and without a wait a batch holds only what arrived during the
   * previous statement: on PGlite, where nothing else runs meanwhile, one event.
   */
  delayMs?: number;
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
 * every response. Instead events gather for `delayMs`, then go in one INSERT;
 * at most one INSERT is in flight, and the next gathers for `delayMs` after
 * it. An event is written within about two `delayMs` plus a round trip.
 *
 * What this trades: an event sent to a live client but not yet committed is
 * lost if the process dies in that window (the request in flight is lost with
 * it). `flush()` cuts the wait short and is awaited before any replay and
 * during drain, so a resume on this instance, or after a graceful shutdown,
 * always sees every event.
 */
export class EventWriter {
  private queue: StoredEvent[] = [];
  private running: Promise<void> | undefined;
  private readonly batchSize: number;
  private readonly maxPending: number;
  private readonly delayMs: number;
  /** Ends the current gathering wait early (flush). */
  private wake: (() => void) | undefined;
  /** flush() calls waiting: no gathering meanwhile. */
  private flushing = 0;

  constructor(
    private readonly repo: EventRepository,
    private readonly options: EventWriterOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.maxPending = options.maxPending ?? 50_000;
    this.delayMs = options.delayMs ?? 10;
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
    this.flushing += 1;
    try {
      while (this.running) {
        this.wake?.();
        await this.running;
      }
    } finally {
      this.flushing -= 1;
    }
  }

  /** Waits up to `delayMs` so that events arriving meanwhile share the next statement; not while someone flushes. */
  private gather(): Promise<void> {
    if (this.delayMs <= 0 || this.flushing > 0 || this.queue.length >= this.batchSize) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.delayMs);
      this.wake = done;
    });
  }

  private async drain(): Promise<void> {
    let failures = 0;
    try {
      while (this.queue.length > 0) {
        // Also between statements: what arrived during one is usually too little to be worth the next at once.
        await this.gather();
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
