/**
 * The life of a durable session in one process, in one place.
 *
 *   stored ──> rebuilding ──┐        creating ──┐
 *     │            │        v                   v
 *     │            │      live <──────────> stale     (stale: this process may have missed
 *     │            v        │                 │        a termination; the store is asked again)
 *     │         failed      └────────┬────────┘
 *     v                              v
 *   terminated | expired     evicted | expired | terminated | closed
 *
 * `stored`: only in the store, not held by this process. A session is created
 * here (initialize) or rebuilt from the store (a request for an id this
 * process does not hold), serves while live, and ends evicted (the live cache
 * needed room; the store still has it and any instance can rebuild it),
 * expired (idle too long), terminated (DELETE, here or on another instance)
 * or closed (this process shut down). `failed`: the SDK refused the
 * handshake, or a rebuild could not complete. A stored session can also end
 * without ever being live here (a DELETE or the sweeper reaching this
 * instance). Every change is checked against this table and reported once:
 * one log line and one count per transition (ops/telemetry.ts).
 */
export type SessionState =
  | 'stored'
  | 'creating'
  | 'rebuilding'
  | 'live'
  | 'stale'
  | 'evicted'
  | 'expired'
  | 'terminated'
  | 'closed'
  | 'failed';

const NEXT: Record<SessionState, readonly SessionState[]> = {
  stored: ['rebuilding', 'terminated', 'expired'],
  creating: ['live', 'failed'],
  rebuilding: ['live', 'failed'],
  live: ['stale', 'evicted', 'expired', 'terminated', 'closed'],
  stale: ['live', 'evicted', 'expired', 'terminated', 'closed'],
  evicted: [],
  expired: [],
  terminated: [],
  closed: [],
  failed: [],
};

/** Whether `from -> to` is a transition of the session life above. */
export function isTransition(from: SessionState, to: SessionState): boolean {
  return NEXT[from].includes(to);
}

/** What a transition may carry for its log line. */
export interface TransitionDetail {
  /** `terminated`: whether the DELETE reached this instance or another one. */
  by?: 'client' | 'elsewhere';
  /** `live` after `rebuilding`: how long the rebuild took. */
  durationMs?: number;
  /** `live` after `rebuilding`: the deployment that created the session. */
  createdByDeployment?: string;
  /** `failed`: why. */
  error?: unknown;
  /** `expired`: the sweeper removed it from the store (counted once, by the instance whose sweep did it). */
  swept?: boolean;
}

export interface Transition {
  sessionId: string;
  principal: string;
  protocolVersion: string;
  from: SessionState;
  to: SessionState;
  /** How long the session lived in this process, for final states. */
  ageMs: number;
  detail: TransitionDetail;
}

/** Told of every transition, synchronously; must not throw. */
export type TransitionObserver = (transition: Transition) => void;

/** One session's state, owned by the Session object; the only way to change it is `to()`. */
export class SessionLife {
  #state: SessionState;
  readonly #since = performance.now();

  constructor(
    initial: 'creating' | 'rebuilding',
    private readonly who: Pick<Transition, 'sessionId' | 'principal' | 'protocolVersion'>,
    private readonly observe: TransitionObserver,
  ) {
    this.#state = initial;
  }

  get state(): SessionState {
    return this.#state;
  }

  /** Whether the session may still serve (live, or stale pending a check). */
  get serving(): boolean {
    return this.#state === 'live' || this.#state === 'stale';
  }


  /**
   * Moves to `next` and reports it. Returns false, and reports nothing, when
   * the session is already there or `next` is not reachable from here (a
   * session terminated elsewhere and then evicted ends once, as terminated).
   */
  to(next: SessionState, detail: TransitionDetail = {}): boolean {
    const from = this.#state;
    if (!isTransition(from, next)) return false;
    this.#state = next;
    this.observe({ ...this.who, from, to: next, ageMs: performance.now() - this.#since, detail });
    return true;
  }
}
