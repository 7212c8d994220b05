/**
 * Persists one link's snapshots off the hot path. The upstream side hands a
 * snapshot out whenever it may have changed (a handshake, a learned log
 * level, new tool annotations); this writes it only when it did change, with
 * one write in flight and the newest snapshot winning, so a burst of changes
 * costs at most two writes and an ordinary call never waits for one.
 * `flush()` is for the moments that must wait: before a new session's
 * initialize is answered (so any instance can continue it), before an answer
 * while a write is in flight (a re-initialized upstream session), and at close.
 */
import type { UpstreamSnapshot } from '../link.js';

export class SnapshotWriter {
  /** JSON of the newest snapshot known to be stored, or being stored. */
  #latest: string | undefined;
  #pending: UpstreamSnapshot | undefined;
  #writing: Promise<void> | undefined;

  constructor(
    private readonly write: (snapshot: UpstreamSnapshot) => Promise<void>,
    private readonly onError: (error: unknown) => void,
    stored?: UpstreamSnapshot,
  ) {
    this.#latest = stored && JSON.stringify(stored);
  }

  offer(snapshot: UpstreamSnapshot): void {
    const json = JSON.stringify(snapshot);
    if (json === this.#latest) return;
    this.#latest = json;
    this.#pending = snapshot;
    this.#writing ??= this.#drain();
  }

  /** Resolves once everything offered so far is written (or failed and was reported). */
  async flush(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#pending) {
        const next = this.#pending;
        this.#pending = undefined;
        try {
          await this.write(next);
        } catch (error) {
          // Not stored: forget what was written, so the next offer (even an identical one) tries again.
          this.#latest = undefined;
          this.onError(error);
        }
      }
    } finally {
      this.#writing = undefined;
    }
  }
}

/** The snapshot in a stored record, if it is one this version can continue. */
export function storedSnapshot(value: unknown): UpstreamSnapshot | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const s = value as Partial<UpstreamSnapshot>;
  const ok = s.format === 1 && (s.era === 'legacy' || s.era === 'modern') && typeof s.protocolVersion === 'string' && typeof s.generation === 'number';
  return ok && typeof s.serverInfo === 'object' && typeof s.capabilities === 'object' ? (value as UpstreamSnapshot) : undefined;
}
