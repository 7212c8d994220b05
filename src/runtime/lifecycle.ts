import type { Logger } from 'pino';

/** Where an adapter hooks into close(): `preClose` stops taking new work, `onClose` releases what it holds. */
export type DurableServerHook = 'preClose' | 'onClose';

export type LifecycleState = 'starting' | 'serving' | 'draining' | 'closing' | 'closed';

/**
 * The one owner of start and close, as Fastify closes: what start-up opens is
 * registered here in order, so a failed start closes exactly that, newest
 * first; close() runs fixed phases in order, each logged:
 *
 *   draining (readiness fails, still serving) -> drain delay (keep accepting
 *   what balancers still send) -> preClose hooks (adapters stop accepting) ->
 *   drain (in-flight work finishes or is told to retry) -> closing (new
 *   requests get SERVER_CLOSED) -> onClose hooks -> what start-up opened,
 *   newest first (sweeper, cluster, ..., the store last) -> closed.
 */
export class Lifecycle {
  #state: LifecycleState = 'starting';
  readonly #opened: Array<{ name: string; close: () => Promise<void> | void }> = [];
  readonly #hooks: Record<DurableServerHook, Array<() => Promise<void> | void>> = { preClose: [], onClose: [] };
  #closing: Promise<void> | undefined;

  constructor(private readonly logger: Logger) {}

  get state(): LifecycleState {
    return this.#state;
  }

  /** Whether requests may still be served (draining included: in-flight work and late arrivals finish). */
  get accepting(): boolean {
    return this.#state === 'serving' || this.#state === 'draining';
  }

  /** Registers something start-up opened; it is closed, newest first, on a failed start or at the end of close(). */
  opened(name: string, close: () => Promise<void> | void): void {
    this.#opened.push({ name, close });
  }

  started(): void {
    this.#state = 'serving';
  }

  /** Undoes a failed start: closes what was opened, newest first, and reports (never hides) any failure doing so. */
  async abortStart(): Promise<void> {
    this.#state = 'closing';
    await this.#closeOpened();
    this.#state = 'closed';
  }

  addHook(name: DurableServerHook, hook: () => Promise<void> | void): void {
    this.#hooks[name].push(hook);
  }

  beginDrain(onDrain: () => void): void {
    if (this.#state !== 'serving') return;
    this.#state = 'draining';
    onDrain();
  }

  /** Runs the close phases once; later calls share the first. */
  close(phases: { beginDrain: () => void; drainDelayMs: number; drain: () => Promise<void> }): Promise<void> {
    this.#closing ??= (async () => {
      if (this.#state === 'serving') this.beginDrain(phases.beginDrain);
      if (phases.drainDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, phases.drainDelayMs));
      await this.#run('preClose');
      await phases.drain();
      this.#state = 'closing';
      await this.#run('onClose');
      await this.#closeOpened();
      this.#state = 'closed';
      this.logger.info({ event: 'server_closed' }, 'closed');
    })();
    return this.#closing;
  }

  async #run(name: DurableServerHook): Promise<void> {
    for (const hook of this.#hooks[name]) {
      try {
        await hook();
      } catch (error) {
        // One adapter failing to stop must not keep the rest (and the store) open.
        this.logger.error({ err: error, hook: name }, `${name} hook failed`);
      }
    }
  }

  async #closeOpened(): Promise<void> {
    for (const { name, close } of this.#opened.splice(0).reverse()) {
      try {
        await close();
      } catch (error) {
        this.logger.error({ err: error, component: name }, `closing ${name} failed`);
      }
    }
  }
}
