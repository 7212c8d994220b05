/**
 * Delays between attempts: exponential with jitter, so a fleet of clients
 * that lost the same server does not come back in lockstep, and never shorter
 * than what the server asked for (`Retry-After`, or the SSE `retry:` field).
 * Pure, with the random source injectable for tests.
 */

export interface BackoffOptions {
  /** First delay before jitter. Default 200 ms. */
  initialDelayMs: number;
  /** Ceiling for the exponential part. Default 5000 ms. */
  maxDelayMs: number;
  /** Growth per attempt. Default 2. */
  factor: number;
  /** Ceiling for a server-requested delay; a longer request is treated as "not within budget". Default 30000 ms. */
  maxServerDelayMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = {
  initialDelayMs: 200,
  maxDelayMs: 5_000,
  factor: 2,
  maxServerDelayMs: 30_000,
};

/**
 * "Equal jitter": half the exponential delay is kept, half is random. Unlike
 * full jitter it never retries immediately, which matters when the server is
 * restarting and a zero delay just burns an attempt on a refused connection.
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const exponential = Math.min(options.maxDelayMs, options.initialDelayMs * options.factor ** Math.max(0, attempt));
  return Math.round(exponential / 2 + random() * (exponential / 2));
}

/** The delay to use: our backoff, raised to the server's request when it made one. */
export function nextDelay(attempt: number, options: BackoffOptions, serverDelayMs?: number, random?: () => number): number {
  const ours = backoffDelay(attempt, options, random);
  if (serverDelayMs === undefined) return ours;
  return Math.max(ours, Math.min(serverDelayMs, options.maxServerDelayMs));
}

/** `Retry-After` is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface BudgetOptions {
  /** Most retries after the first try. */
  maxRetries: number;
  /** No retry is started later than this after the first failure. */
  windowMs: number;
  backoff: BackoffOptions;
}

/**
 * Bounds every retry loop in the client: a number of retries and a time
 * window, whichever runs out first. A server-requested delay that would end
 * past the window exhausts the budget at once instead of sleeping through it.
 */
export class RetryBudget {
  readonly #options: BudgetOptions;
  readonly #now: () => number;
  #used = 0;
  #startedAt: number | undefined;

  constructor(options: BudgetOptions, now: () => number = Date.now) {
    this.#options = options;
    this.#now = now;
  }

  get used(): number {
    return this.#used;
  }

  /** The delay before the next retry, or undefined when the budget is spent. */
  next(serverDelayMs?: number): number | undefined {
    const now = this.#now();
    this.#startedAt ??= now;
    if (this.#used >= this.#options.maxRetries) return undefined;
    if (serverDelayMs !== undefined && serverDelayMs > this.#options.backoff.maxServerDelayMs) return undefined;
    const delay = nextDelay(this.#used, this.#options.backoff, serverDelayMs);
    if (now + delay - this.#startedAt > this.#options.windowMs) return undefined;
    this.#used++;
    return delay;
  }
}
