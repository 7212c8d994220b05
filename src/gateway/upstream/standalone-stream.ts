/**
 * The upstream's standalone GET stream for one upstream session: where
 * notifications and server-to-client requests not tied to a client request
 * arrive (list_changed, resources/updated, logging, sampling from a tool).
 * It is also our earliest news that the upstream went away or forgot the
 * session, so that a subscribed client hears about updates again without
 * waiting for its next request. Every end of the stream comes back to one
 * bounded loop here, which resumes with Last-Event-ID where it can.
 */
import type { IncomingMessage } from 'node:http';
import { backoffDelay, RetryBudget, type BudgetOptions } from '../../client/backoff.js';
import { isSessionLostResponse } from '../../client/classify.js';
import type { ExchangeTarget } from './exchange-outcome.js';
import type { UpstreamEvent, UpstreamMessage } from './types.js';
import { discard, mediaType, readSse, readText } from './wire/body.js';
import { getHeaders } from './wire/headers.js';
import { kindOf } from './wire/messages.js';

export interface StandaloneListener {
  onMessage(message: UpstreamMessage): void;
  /** The upstream answered the GET "no such session": it lost it. */
  onSessionRejected(detail: string): void;
  onEvent(event: UpstreamEvent): void;
}

/** Of a refusal's body, what is kept to tell "session lost" from other refusals. */
const MAX_REFUSAL_TEXT = 4 * 1024;

export class StandaloneStream {
  readonly #target: ExchangeTarget;
  readonly #budgetOptions: BudgetOptions;
  readonly #listener: StandaloneListener;
  #budget: RetryBudget;
  #controller: AbortController | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastEventId: string | undefined;
  #serverRetryMs: number | undefined;
  #attempts = 0;
  #closed = false;
  #hasSettled = false;
  #settle!: () => void;
  #wrote!: () => void;
  /** Resolves at the first outcome of the first GET (opened, refused, rejected, unsupported, failed) or on close. */
  readonly settled = new Promise<void>((resolve) => (this.#settle = () => {
    this.#hasSettled = true;
    resolve();
  }));
  /** Resolves once the first GET has been handed to its connection in full (the upstream can read it), or on close. */
  readonly written = new Promise<void>((resolve) => (this.#wrote = resolve));

  constructor(target: ExchangeTarget, budget: BudgetOptions, listener: StandaloneListener) {
    this.#target = target;
    this.#budgetOptions = budget;
    this.#budget = new RetryBudget(budget);
    this.#listener = listener;
  }

  open(): void {
    if (this.#closed) return;
    this.#controller?.abort();
    const controller = (this.#controller = new AbortController());
    this.#attempts++;
    const request = { method: 'GET' as const, headers: getHeaders(this.#target, this.#lastEventId), signal: controller.signal, onWritten: () => this.#wrote() };
    this.#target.pool.send(this.#target.url, request).then(
      (incoming) => this.#answered(incoming, controller.signal),
      (error: unknown) => {
        // Closed or reopened by us: nothing to report.
        if (!controller.signal.aborted) this.#failed(error);
      },
    );
  }

  /**
   * Resolves when a request sent from now on can count on the stream: when
   * the GET's first outcome arrived; or when it was written and
   * `probe` (a round trip the upstream answers) came back after that, so
   * the upstream has read past the GET (an upstream that sends the
   * stream's headers only with its first event gives no other sign); or
   * after `boundMs`, whichever comes first.
   */
  listening(probe: () => Promise<unknown>, boundMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, boundMs)));
    // A failed probe proves nothing: the outcome or the bound decides then.
    const proven = this.written.then(() => (this.#closed || this.#hasSettled ? undefined : probe().then(() => undefined, () => bound)));
    return Promise.race([this.settled, bound, proven]).finally(() => clearTimeout(timer));
  }

  close(): void {
    this.#settle();
    this.#wrote();
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#controller?.abort();
    this.#controller = undefined;
  }

  async #answered(incoming: IncomingMessage, signal: AbortSignal): Promise<void> {
    const status = incoming.statusCode ?? 0;
    if (status < 200 || status > 299) {
      const body = status === 405 ? (discard(incoming), '') : await readText(incoming, MAX_REFUSAL_TEXT).catch(() => '');
      if (!signal.aborted) this.#refused(status, body);
      return;
    }
    if (mediaType(incoming.headers['content-type']) !== 'text/event-stream') {
      discard(incoming);
      this.#settle();
      return this.#listener.onEvent({ type: 'stream', state: 'given-up', detail: `GET answered ${status} ${incoming.headers['content-type'] ?? ''}, not an SSE stream` });
    }
    this.#settle();
    if (this.#closed) return void incoming.destroy();
    this.#budget = new RetryBudget(this.#budgetOptions);
    this.#attempts = 0;
    this.#listener.onEvent({ type: 'stream', state: 'opened', detail: undefined });
    const onEvent = (event: { id?: string | undefined; event?: string | undefined; data: string }) => {
      if (event.id) this.#lastEventId = event.id;
      if (!event.data || (event.event !== undefined && event.event !== 'message')) return;
      let message: unknown;
      try {
        message = JSON.parse(event.data);
      } catch {
        return; // one unparsable event on a stream of notifications: the rest still count
      }
      const kind = kindOf(message);
      // Checked by kindOf. A response has nothing to answer on this stream.
      if (kind === 'request' || kind === 'notification') this.#listener.onMessage(message as UpstreamMessage);
    };
    const error = await readSse(incoming, { onEvent, onRetry: (ms) => (this.#serverRetryMs = ms) }, this.#target.maxMessageBytes).then(() => undefined, (e: unknown) => e ?? 'cut');
    if (signal.aborted || this.#closed) return;
    this.#listener.onEvent({ type: 'stream', state: 'ended', detail: error === undefined ? undefined : String(error) });
    // An upstream that ends the stream on purpose (SSE polling) asked for `retry:`; otherwise come back quickly.
    this.#retry(this.#serverRetryMs ?? backoffDelay(0, this.#budgetOptions.backoff));
  }

  #refused(status: number, body: string): void {
    this.#settle();
    if (this.#closed) return;
    if (status === 405) return this.#listener.onEvent({ type: 'stream', state: 'unsupported', detail: 'the upstream answered GET with 405' });
    // The upstream allows one GET stream per session; another gateway process holds it and relays it.
    if (status === 409) return this.#listener.onEvent({ type: 'stream', state: 'held-elsewhere', detail: 'HTTP 409' });
    if (isSessionLostResponse(status, body)) return this.#listener.onSessionRejected(`GET answered ${status}`);
    this.#listener.onEvent({ type: 'stream', state: 'given-up', detail: `GET answered ${status}` });
  }

  #failed(error: unknown): void {
    this.#settle();
    if (this.#closed) return;
    this.#listener.onEvent({ type: 'unreachable', during: 'stream', attempt: this.#attempts, error: String(error) });
    this.#retry(this.#budget.next(this.#serverRetryMs));
  }

  #retry(delayMs: number | undefined): void {
    if (delayMs === undefined) {
      this.#listener.onEvent({ type: 'stream', state: 'given-up', detail: 'the upstream stayed unreachable; the next request recovers' });
      return;
    }
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.open(), delayMs);
    // A pending reopen must not keep the process alive on its own.
    this.#timer.unref();
  }
}
