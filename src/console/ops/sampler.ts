/**
 * Keeps the last hour of counter readings for the operations charts: one
 * reading per interval in a ring, from this process's start. Per process,
 * like the counters themselves; Prometheus and the dashboard give the fleet.
 */
import type { AppLogger } from '../../runtime/app.js';
import type { Readings } from './readings.js';

export class CounterSampler {
  readonly #samples: Readings[] = [];
  #timer: NodeJS.Timeout | undefined;
  #failing = false;

  constructor(
    private readonly read: () => Promise<Readings>,
    readonly intervalMs: number,
    private readonly keep: number,
    private readonly logger: AppLogger,
  ) {}

  start(): void {
    if (this.#timer) return;
    void this.#sample();
    this.#timer = setInterval(() => void this.#sample(), this.intervalMs);
    // A console must never keep a process alive that is otherwise done.
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Oldest first. */
  samples(): readonly Readings[] {
    return this.#samples;
  }

  async #sample(): Promise<void> {
    try {
      this.#samples.push(await this.read());
      if (this.#samples.length > this.keep + 1) this.#samples.shift();
      this.#failing = false;
    } catch (error) {
      // Logged once per failing stretch: the charts then show a gap, nothing else depends on a sample.
      if (!this.#failing) this.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'console could not sample the metrics');
      this.#failing = true;
    }
  }
}

/** Per-interval increases of one counter across the samples and a reading taken now (the last, partial bar). */
export function increases(samples: readonly Readings[], now: Readings, pick: (r: Readings) => number): number[] {
  const points = [...samples, now];
  const out: number[] = [];
  for (let i = 1; i < points.length; i += 1) out.push(Math.max(0, pick(points[i]!) - pick(points[i - 1]!)));
  return out;
}
