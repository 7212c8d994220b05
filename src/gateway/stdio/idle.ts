/**
 * When a child may be stopped for idleness: `idleMs` after the last thing in
 * flight ended. `busy()` holds it off; `done(quiet)` starts the wait again
 * when nothing else is in flight. 0 disables it.
 */
export class IdleTimer {
  readonly #idleMs: number;
  readonly #onIdle: () => void;
  #timer: NodeJS.Timeout | undefined;

  constructor(idleMs: number, onIdle: () => void) {
    this.#idleMs = idleMs;
    this.#onIdle = onIdle;
  }

  busy(): void {
    this.cancel();
  }

  done(quiet: boolean): void {
    this.cancel();
    if (!quiet || this.#idleMs === 0) return;
    this.#timer = setTimeout(this.#onIdle, this.#idleMs);
    // An idle child must not keep the gateway process alive by itself.
    this.#timer.unref();
  }

  cancel(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
