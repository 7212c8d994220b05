import type { SweptSession } from '../../store/index.js';
import type { Store } from '../../store/index.js';

export interface SweeperOptions {
  intervalMs: number;
  /** Terminated sessions are kept this long so their id still answers "terminated" rather than "unknown". */
  terminatedRetentionMs: number;
  /** Events older than this are pruned: long enough for any client to resume a broken stream. */
  eventRetentionMs: number;
  /** Rows per statement, so a sweep never holds locks for long. */
  batchSize: number;
  onSwept?: (sessions: SweptSession[], events: number) => void;
  onError?: (error: unknown) => void;
}

/**
 * Deletes expired and long-terminated sessions (with their events and state)
 * and events past retention, in bounded batches. Every instance may run it:
 * the deletes are idempotent and batched, so overlapping sweeps only share work.
 */
export class Sweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly options: SweeperOptions,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.sweep(), this.options.intervalMs);
    this.timer.unref();
  }

  /** One bounded pass (at most 20 batches of each kind). */
  sweep(): Promise<void> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async pass(): Promise<void> {
    const { batchSize } = this.options;
    try {
      const now = new Date();
      const terminatedBefore = new Date(now.getTime() - this.options.terminatedRetentionMs);
      const swept: SweptSession[] = [];
      for (let i = 0; i < 20; i++) {
        const batch = await this.store.sessions.sweep(now, terminatedBefore, batchSize);
        swept.push(...batch);
        if (batch.length < batchSize) break;
      }
      let events = 0;
      const before = new Date(now.getTime() - this.options.eventRetentionMs);
      for (let i = 0; i < 20; i++) {
        const n = await this.store.events.pruneOlderThan(before, batchSize * 10);
        events += n;
        if (n < batchSize * 10) break;
      }
      // Cluster messages parked for readers that never came (instance gone) are useless after a minute.
      await this.store.mailbox.pruneOlderThan(new Date(now.getTime() - 60_000));
      if (swept.length > 0 || events > 0) this.options.onSwept?.(swept, events);
    } catch (error) {
      this.options.onError?.(error);
    }
  }
}
