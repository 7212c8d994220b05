/**
 * Waiting and stopping, cheaply. A relayed request can end for four reasons
 * (its deadline, the caller, a client cancellation, the session closing);
 * one AbortController per request, stopped by whichever comes first and
 * remembering which, replaces a timeout signal plus three AbortSignal.any()
 * combinations: each AbortSignal costs a transferable object in Node 20,
 * and the profile of a relayed call showed them among its top costs.
 */

export type StopReason = 'timeout' | 'caller' | 'cancelled' | 'closed';

export class Stopper {
  readonly #controller = new AbortController();
  readonly #timer: NodeJS.Timeout;
  readonly #detach: Array<() => void> = [];
  #why: StopReason | undefined;

  constructor(timeoutMs: number, watched: ReadonlyArray<readonly [AbortSignal | undefined, StopReason]>) {
    this.#timer = setTimeout(() => this.stop('timeout'), timeoutMs);
    for (const [signal, why] of watched) {
      if (!signal) continue;
      if (signal.aborted) {
        this.stop(why);
        continue;
      }
      const onAbort = () => this.stop(why);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#detach.push(() => signal.removeEventListener('abort', onAbort));
    }
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Why it stopped, or undefined while it runs. */
  get why(): StopReason | undefined {
    return this.#why;
  }

  stop(why: StopReason): void {
    if (this.#why !== undefined) return;
    this.#why = why;
    this.#controller.abort(new Error(`request stopped: ${why}`));
  }

  /** Must be called when the request ends: a long-lived signal (the session's) must not keep its listener. */
  dispose(): void {
    clearTimeout(this.#timer);
    for (const detach of this.#detach) detach();
    this.#detach.length = 0;
  }
}

/** Waits for `promise`, or rejects with the signal's reason when the caller gives up first (the promise goes on for others). */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
