import type { SessionRepository, SessionTouch } from '../../store/index.js';

/**
 * Batches last-active updates: a request on a live session only marks it
 * here, and one statement per interval writes every marked session. Sliding
 * expiry therefore costs no store round trip per request; what a crash can
 * lose is at most one interval of idle-clock progress, which only makes a
 * session expire up to that much earlier than it would have.
 */
export class ActivityTracker {
  private dirty = new Map<string, SessionTouch>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly repo: SessionRepository,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  mark(touch: SessionTouch): void {
    this.dirty.set(touch.id, touch);
  }

  forget(id: string): void {
    this.dirty.delete(id);
  }

  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.dirty.size === 0) return;
    const batch = [...this.dirty.values()];
    this.dirty = new Map();
    this.flushing = this.repo
      .touch(batch)
      .catch((error: unknown) => {
        // Put them back unless a newer mark arrived meanwhile; retried next interval.
        for (const touch of batch) if (!this.dirty.has(touch.id)) this.dirty.set(touch.id, touch);
        this.onError(error);
      })
      .finally(() => {
        this.flushing = undefined;
      });
    await this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
