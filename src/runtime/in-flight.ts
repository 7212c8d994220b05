/**
 * The one count of work in progress that the drain waits for. Two kinds of
 * work enter it: an HTTP exchange, from arrival until its answer is complete
 * (a modern streamed answer: until its body ends; a legacy one: until its
 * session took it over), and a session's JSON-RPC request, from arrival until
 * its response is sent, which can outlive its exchange when the client went
 * away and the response is kept for a resumed stream. Long-lived standalone
 * GET streams are not work: the drain closes them.
 */
export class InFlight {
  #count = 0;
  #waiters: Array<() => void> = [];

  get count(): number {
    return this.#count;
  }

  /** Counts one piece of work; the returned function ends it (idempotent). */
  enter(): () => void {
    this.#count += 1;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.#count -= 1;
      if (this.#count === 0) for (const wake of this.#waiters.splice(0)) wake();
    };
  }

  /** Resolves true once nothing is in flight, or false when `timeoutMs` passes first. */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.#count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== wake);
        resolve(false);
      }, Math.max(0, timeoutMs));
      this.#waiters.push(wake);
    });
  }
}
