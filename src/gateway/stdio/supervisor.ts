/**
 * Every child of one stdio upstream, in one place: it enforces the limit on
 * how many run at once (an UpstreamCapacityError beyond it, which the front
 * answers 503 with Retry-After), numbers them, and stops them all on drain.
 * A child leaves the count when its process (and group) is gone.
 */
import type { RequestDescription } from '../../client/errors.js';
import { UpstreamCapacityError, UpstreamClosedError } from '../upstream/errors.js';
import { StdioChild, type ChildRoute } from './child.js';
import type { ResolvedStdioConfig } from './config.js';
import { canArmParentDeath } from './process-group.js';
import type { ChildOwner, StdioEvent, StdioEventHook } from './types.js';

export class ChildSupervisor {
  readonly config: ResolvedStdioConfig;
  readonly #emit: StdioEventHook;
  readonly #children = new Set<StdioChild>();
  #serial = 0;
  #draining: Promise<void> | undefined;

  constructor(config: ResolvedStdioConfig, onEvent: StdioEventHook = () => undefined) {
    this.config = config;
    this.#emit = (event: StdioEvent) => {
      try {
        onEvent(event);
      } catch {
        // A hook's own failure must not break a child's life cycle; the event is the hook's to lose.
      }
    };
    if (!canArmParentDeath()) this.#emit({ type: 'parent_death_unavailable' });
  }

  /** Children whose process is running (starting, ready or stopping). */
  get live(): number {
    return this.#children.size;
  }

  /** Whether a new child could start now: children on their way out make room (spawn waits for them). */
  get hasRoom(): boolean {
    const staying = [...this.#children].filter((child) => child.state === 'starting' || child.usable).length;
    return !this.#draining && staying < this.config.maxChildren;
  }

  get children(): ReadonlySet<StdioChild> {
    return this.#children;
  }

  /**
   * Starts a child for `owner`, or refuses when the limit is reached or the gateway drains. At the limit, a child
   * on its way out (often the predecessor of the one asked for) is waited for, within its stop's bound: refusing
   * a session its replacement child because the dead one has not been reaped yet would be a 503 for nothing.
   */
  async spawn(owner: ChildOwner, route: ChildRoute, request?: RequestDescription): Promise<StdioChild> {
    if (this.#draining) throw new UpstreamClosedError(request, false);
    while (this.#children.size >= this.config.maxChildren) {
      const leaving = [...this.#children].filter((child) => child.state !== 'starting' && !child.usable);
      if (leaving.length === 0) break;
      await Promise.race(leaving.map((child) => child.exited));
    }
    if (this.#draining) throw new UpstreamClosedError(request, false);
    if (this.#children.size >= this.config.maxChildren) {
      this.#emit({ type: 'capacity_refused', live: this.#children.size, max: this.config.maxChildren, owner });
      throw new UpstreamCapacityError(request, this.config.maxChildren, this.config.retryAfterSeconds);
    }
    const child = new StdioChild({ config: this.config, serial: ++this.#serial, owner, emit: this.#emit, route });
    this.#children.add(child);
    void child.exited.then(() => this.#children.delete(child));
    return child;
  }

  /** Reports an event about a child from outside it (the shared pool's routing). */
  report(event: StdioEvent): void {
    this.#emit(event);
  }

  /** Refuses new children and stops every running one (stdin, SIGTERM, SIGKILL); resolves when all are gone. */
  drain(): Promise<void> {
    this.#draining ??= Promise.all([...this.#children].map((child) => child.stop('the gateway is shutting down'))).then(() => undefined);
    return this.#draining;
  }
}
