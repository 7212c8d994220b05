/** Bounding and pacing helpers shared by the engines and openStore. */
import { StoreTimeoutError } from './errors.js';

/** Rejects after `timeoutMs` even if `promise` never settles (a hung server); the timer never keeps the process alive. */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreTimeoutError(what, timeoutMs)), Math.max(0, timeoutMs));
    timer.unref();
  });
  // The loser may still reject later; it must not become an unhandled rejection.
  promise.catch(() => {});
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface Backoff {
  initialDelayMs: number;
  maxDelayMs: number;
}

/**
 * Delay before retry number `attempt` (1-based): exponential, capped, with
 * "equal jitter" (half fixed, half random) so instances restarted together
 * do not retry in lockstep yet never retry immediately.
 */
export function backoffDelay(attempt: number, backoff: Backoff, random: () => number = Math.random): number {
  const ceiling = Math.min(backoff.maxDelayMs, backoff.initialDelayMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
