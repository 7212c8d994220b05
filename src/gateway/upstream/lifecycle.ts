/**
 * The life of one front session's upstream session, in one place:
 *
 *   idle ──> initializing ──> ready <──> reinitializing ──> lost
 *     │            │            ^  │                         │
 *     │            └─> idle     │  └──> lost (stream refused) └──> reinitializing
 *     │                         └──── restored (snapshot)
 *     └──────────────────────────────────> (any) ──> closed
 *
 * `idle`: no upstream session yet. `ready`: one is in use (created here, or
 * restored from a snapshot written by any process). `reinitializing`: the
 * upstream lost it and a new one is being made with the client's own
 * params; requests queue behind it. `lost`: that failed (the upstream stayed
 * away), or the upstream refused the session on its standalone stream and
 * nothing needs it before the client's next request; that request makes a
 * new one. `closed` is final. Each transition is
 * reported once, through the injected event hook (logs and metrics).
 */
import type { UpstreamEvent, UpstreamState } from './types.js';

const ALLOWED: Readonly<Record<UpstreamState, readonly UpstreamState[]>> = {
  idle: ['initializing', 'ready', 'closed'],
  initializing: ['ready', 'idle', 'closed'],
  ready: ['reinitializing', 'lost', 'closed'],
  reinitializing: ['ready', 'lost', 'closed'],
  lost: ['reinitializing', 'closed'],
  closed: [],
};

export class Lifecycle {
  #state: UpstreamState = 'idle';
  readonly #emit: (event: UpstreamEvent) => void;

  constructor(emit: (event: UpstreamEvent) => void) {
    this.#emit = emit;
  }

  get state(): UpstreamState {
    return this.#state;
  }

  /** A transition the table does not allow is a bug in this module, never a runtime condition: it throws. */
  to(next: UpstreamState, reason: string, sessionId: string | undefined, generation: number): void {
    const from = this.#state;
    if (!ALLOWED[from].includes(next)) throw new Error(`upstream session: illegal transition ${from} -> ${next} (${reason})`);
    this.#state = next;
    this.#emit({ type: 'transition', from, to: next, reason, sessionId, generation });
  }
}
