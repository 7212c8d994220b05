/**
 * The rules that decide, after one failed attempt, what happens to a request.
 * Shared by the resilient client and the gateway's upstream relay, so both
 * keep exactly one answer to "may this be sent again?":
 *
 * - session lost (404, or a 400 saying so): the server did not process it.
 *   Recover the session, then send it again, whatever it is.
 * - not sent (refused before a byte left, 429, 503): send it again after a
 *   backoff that honours Retry-After and the SSE `retry:` field.
 * - outcome unknown (reset, cut stream, timeout): send it again once, and
 *   only if it is safe to repeat; otherwise fail with OutcomeUnknownError.
 * - anything else is the server's answer: it fails as raised.
 *
 * Every retry takes from one budget, so no server can loop a request forever.
 */
import type { RetryBudget } from './backoff.js';
import type { Failure } from './classify.js';
import { OutcomeUnknownError, RecoveryFailedError, ServerUnavailableError, type RequestDescription } from './errors.js';
import type { RetryReason } from './events.js';

export type RetryDecision =
  /** Give up with this error (the server's own error, or one of ours saying why). */
  | { action: 'fail'; error: unknown }
  /** The session is gone: establish a new one, then send again at once. */
  | { action: 'recover'; detail: string }
  /** Send again after `delayMs`. */
  | { action: 'retry'; reason: Exclude<RetryReason, 'session-lost'>; delayMs: number };

export class RetryRules {
  readonly #request: RequestDescription;
  readonly #budget: RetryBudget;
  readonly #safeToRepeat: () => boolean;
  #unknownRetried = false;

  /** `safeToRepeat` is asked only when an outcome is unknown, so a lookup it needs is paid only then. */
  constructor(request: RequestDescription, budget: RetryBudget, safeToRepeat: () => boolean) {
    this.#request = request;
    this.#budget = budget;
    this.#safeToRepeat = safeToRepeat;
  }

  /** `sends`: how many times the request has left so far; `serverRetryMs`: the server's last SSE `retry:`. */
  decide(failure: Failure, cause: unknown, sends: number, serverRetryMs?: number): RetryDecision {
    switch (failure.kind) {
      case 'fatal':
        return { action: 'fail', error: cause };
      case 'session-lost':
        // Spend from the budget first so a server that rejects every new session cannot loop us.
        if (this.#budget.next() === undefined) return { action: 'fail', error: new RecoveryFailedError(this.#request, sends, cause) };
        return { action: 'recover', detail: failure.detail };
      case 'not-sent': {
        const delayMs = this.#budget.next(failure.retryAfterMs ?? serverRetryMs);
        if (delayMs === undefined) return { action: 'fail', error: new ServerUnavailableError(this.#request, sends, cause) };
        return { action: 'retry', reason: 'not-sent', delayMs };
      }
      case 'outcome-unknown': {
        const delayMs = this.#unknownRetried || !this.#safeToRepeat() ? undefined : this.#budget.next(serverRetryMs);
        if (delayMs === undefined) {
          return { action: 'fail', error: new OutcomeUnknownError(this.#request, failure.reason, sends, cause, this.#unknownRetried) };
        }
        this.#unknownRetried = true;
        return { action: 'retry', reason: 'outcome-unknown', delayMs };
      }
    }
  }
}
