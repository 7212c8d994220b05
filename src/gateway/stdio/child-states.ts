/**
 * The life of one child process, in one place:
 *
 *   starting ──> ready ──> stopping ──> exited
 *      │           │                      ^
 *      └───────────┴──> (exits by itself) ┘
 *
 * `starting`: spawned, initialize sent, no answer yet (bounded by the
 * start-up timeout). `ready`: initialized and serving. `stopping`: the
 * gateway is ending it (idle, drain, session closed, failed start): stdin
 * closed, then SIGTERM, then SIGKILL to its process group. `exited`: final;
 * the process and its whole group are gone. Each transition is reported once.
 */
import type { ChildRef, ChildState, StdioEvent } from './types.js';

const ALLOWED: Readonly<Record<ChildState, readonly ChildState[]>> = {
  starting: ['ready', 'stopping', 'exited'],
  ready: ['stopping', 'exited'],
  stopping: ['exited'],
  exited: [],
};

export class ChildLifecycle {
  #state: ChildState = 'starting';
  #since = performance.now();
  readonly #ref: () => ChildRef;
  readonly #emit: (event: StdioEvent) => void;

  constructor(ref: () => ChildRef, emit: (event: StdioEvent) => void) {
    this.#ref = ref;
    this.#emit = emit;
  }

  get state(): ChildState {
    return this.#state;
  }

  /** A transition the table does not allow is a bug here, never a runtime condition: it throws. */
  to(next: ChildState, reason: string, exit?: { code: number | null; signal: string | null }): void {
    const from = this.#state;
    if (!ALLOWED[from].includes(next)) throw new Error(`stdio child: illegal transition ${from} -> ${next} (${reason})`);
    const now = performance.now();
    const durationMs = Math.round((now - this.#since) * 100) / 100;
    this.#state = next;
    this.#since = now;
    this.#emit({ type: 'child_transition', ...this.#ref(), from, to: next, reason, durationMs, ...(exit && { exitCode: exit.code, signal: exit.signal }) });
  }
}
