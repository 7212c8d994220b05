import type { Store } from '../../store/index.js';

/** Beats, and acknowledgements of terminations, between instances on one PostgreSQL. */
export const FENCE_CHANNEL = 'durable_mcp_fence';

export interface FenceOptions {
  /** How long a proof that this instance's notifications are current stays valid. Default 2000 ms. */
  leaseMs?: number;
  /** How often each instance proves it (sends a beat to every instance, itself included). Default leaseMs / 4. */
  beatMs?: number;
}

type Message = { k: 'beat'; o: string; n: number } | { k: 'ack'; o: string; s: string };

/** A termination this instance is waiting on: the instances that acknowledged it so far. */
interface Collector {
  sessionId: string;
  acked: Set<string>;
  onAck: ((from: string) => void) | undefined;
}

/**
 * "A DELETE on one instance is honoured by every other at once", without a
 * store round trip per request. PostgreSQL delivers notifications on a
 * listening connection in commit order, so when an instance receives its own
 * beat back it has received every termination committed before that beat was
 * sent. For `leaseMs` after sending it, the instance may trust its cached
 * sessions (`fresh`); when the proof lapses (its LISTEN connection is down or
 * slow) it asks the store on every request again.
 *
 * A terminating instance then waits, before answering the DELETE, until every
 * instance it heard beat within the lease has acknowledged the termination,
 * or until the lease has run out (an instance that did not answer can no
 * longer trust its cache by then). One barrier beat first makes sure it knows
 * every instance that beat before the termination was committed. A DELETE
 * usually waits one round trip; with an instance that died, up to the lease.
 */
export class TerminationFence {
  readonly #leaseMs: number;
  readonly #beatMs: number;
  /** Monotonic time (ms) until which this instance's cache is proven current. */
  #freshUntil = 0;
  #beats = 0;
  /** Send times of beats not yet received back, by number. */
  readonly #sent = new Map<number, number>();
  readonly #barriers = new Map<number, () => void>();
  /** Other instances and when this one last heard them beat (monotonic ms). */
  readonly #members = new Map<string, number>();
  readonly #collectors = new Set<Collector>();
  #timer: NodeJS.Timeout | undefined;
  #unlisten: (() => Promise<void>) | undefined;

  constructor(
    private readonly store: Store,
    private readonly instanceId: string,
    private readonly onError: (error: unknown, context: string) => void,
    options: FenceOptions = {},
  ) {
    this.#leaseMs = options.leaseMs ?? 2000;
    this.#beatMs = options.beatMs ?? Math.max(50, Math.floor(this.#leaseMs / 4));
  }

  /** Whether cached sessions may be served without asking the store (see the class comment). */
  get fresh(): boolean {
    return performance.now() < this.#freshUntil;
  }

  async start(): Promise<void> {
    this.#unlisten = await this.store.db.listen(FENCE_CHANNEL, {
      onPayload: (payload) => this.#receive(payload),
      // Nothing received while disconnected can be trusted: the proof lapses at once.
      onDisconnect: () => {
        this.#freshUntil = 0;
      },
    });
    this.#timer = setInterval(() => void this.#beat().catch((error: unknown) => this.onError(error, 'fence beat')), this.#beatMs);
    this.#timer.unref();
    await this.#beat();
  }

  /**
   * Called after a termination was committed and announced: resolves once
   * no other instance can still serve the session from its cache.
   */
  async terminated(sessionId: string): Promise<void> {
    const deadline = performance.now() + this.#leaseMs;
    // Acknowledgements may arrive before the barrier does: collect them from now on.
    const collector: Collector = { sessionId, acked: new Set(), onAck: undefined };
    this.#collectors.add(collector);
    try {
      const barrier = await this.#barrier(this.#leaseMs);
      if (barrier) {
        // After the barrier, this instance has heard every instance that beat before the termination was committed.
        const now = performance.now();
        const members = [...this.#members].filter(([, heard]) => now - heard < this.#leaseMs).map(([id]) => id);
        const pending = new Set(members.filter((id) => !collector.acked.has(id)));
        if (pending.size === 0) return;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(0, deadline - performance.now()));
          collector.onAck = (from) => {
            pending.delete(from);
            if (pending.size > 0) return;
            clearTimeout(timer);
            resolve();
          };
        });
        return;
      }
      // No barrier back: who else is there is not known. Wait out the lease, after which no instance trusts its cache.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - performance.now())));
    } finally {
      this.#collectors.delete(collector);
    }
  }

  /** This instance dropped a session on another's termination: tell the terminating one (and any other waiting). */
  acknowledge(sessionId: string): void {
    this.#send({ k: 'ack', o: this.instanceId, s: sessionId }).catch((error: unknown) => this.onError(error, 'fence ack'));
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#freshUntil = 0;
    // The listening connection closes with the store; a failed unlisten loses nothing.
    await this.#unlisten?.().catch((error: unknown) => this.onError(error, 'fence unlisten'));
  }

  /** Sends a beat; `onBack` runs when it comes back (registered before sending: it can come back before the send resolves). */
  async #beat(onBack?: () => void): Promise<number> {
    const n = ++this.#beats;
    this.#sent.set(n, performance.now());
    if (onBack) this.#barriers.set(n, onBack);
    try {
      await this.#send({ k: 'beat', o: this.instanceId, n });
    } catch (error) {
      this.#barriers.delete(n);
      throw error;
    }
    return n;
  }

  /** Sends a beat and waits for it to come back (true), or gives up after `timeoutMs` (false). */
  async #barrier(timeoutMs: number): Promise<boolean> {
    let resolveBack!: (back: boolean) => void;
    const back = new Promise<boolean>((resolve) => (resolveBack = resolve));
    const timer = setTimeout(() => resolveBack(false), timeoutMs);
    let n: number | undefined;
    try {
      n = await this.#beat(() => resolveBack(true));
      return await back;
    } catch (error) {
      this.onError(error, 'fence barrier');
      return false;
    } finally {
      clearTimeout(timer);
      // A beat that never came back (the connection dropped) must not hold its callback forever.
      if (n !== undefined) this.#barriers.delete(n);
    }
  }

  #receive(payload: string): void {
    let message: Message;
    try {
      message = JSON.parse(payload) as Message;
    } catch (error) {
      this.onError(error, 'fence message is not JSON');
      return;
    }
    const now = performance.now();
    if (message.k === 'beat') {
      if (message.o !== this.instanceId) {
        this.#members.set(message.o, now);
        return;
      }
      const sentAt = this.#sent.get(message.n);
      // Older beats than this one are answered by it: the queue is in commit order.
      for (const n of this.#sent.keys()) if (n <= message.n) this.#sent.delete(n);
      if (sentAt !== undefined) this.#freshUntil = Math.max(this.#freshUntil, sentAt + this.#leaseMs);
      this.#barriers.get(message.n)?.();
      this.#barriers.delete(message.n);
      return;
    }
    if (message.k === 'ack') {
      for (const collector of this.#collectors) {
        if (collector.sessionId !== message.s) continue;
        collector.acked.add(message.o);
        collector.onAck?.(message.o);
      }
    }
  }

  #send(message: Message): Promise<void> {
    return this.store.db.notify(FENCE_CHANNEL, JSON.stringify(message));
  }
}
