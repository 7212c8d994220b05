/**
 * The upstream's standalone GET stream for one upstream session: where
 * notifications and server-to-client requests not tied to a client request
 * arrive (list_changed, resources/updated, logging). It is also our earliest
 * news that the upstream went away or forgot the session, so that a
 * subscribed client hears about updates again without waiting for its next
 * request. The SDK transport carries it with its own reconnection switched
 * off: every end of the stream comes back here (through the client's
 * observedFetch) and is decided by one bounded loop.
 */
import { isJSONRPCErrorResponse, isJSONRPCResultResponse, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { backoffDelay, RetryBudget, type BudgetOptions } from '../../client/backoff.js';
import { isSessionLostResponse } from '../../client/classify.js';
import { observedFetch, type FetchObserver, type GetStreamEvent } from '../../client/observed-fetch.js';
import type { ExchangeTarget } from './exchange.js';
import type { UpstreamEvent, UpstreamMessage } from './types.js';

export interface StandaloneListener {
  onMessage(message: UpstreamMessage): void;
  /** The upstream answered the GET "no such session": it lost it. */
  onSessionRejected(detail: string): void;
  onEvent(event: UpstreamEvent): void;
}

export class StandaloneStream implements FetchObserver {
  readonly #target: ExchangeTarget;
  readonly #budgetOptions: BudgetOptions;
  readonly #listener: StandaloneListener;
  #budget: RetryBudget;
  #transport: StreamableHTTPClientTransport | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastEventId: string | undefined;
  #serverRetryMs: number | undefined;
  #attempts = 0;
  #closed = false;
  #settle!: () => void;
  /** Resolves at the first outcome of the first GET (opened, refused, rejected, unsupported) or on close. */
  readonly settled = new Promise<void>((resolve) => (this.#settle = resolve));

  constructor(target: ExchangeTarget, budget: BudgetOptions, listener: StandaloneListener) {
    this.#target = target;
    this.#budgetOptions = budget;
    this.#budget = new RetryBudget(budget);
    this.#listener = listener;
  }

  open(): void {
    if (this.#closed) return;
    void this.#transport?.close();
    const transport = new StreamableHTTPClientTransport(this.#target.url, {
      requestInit: { headers: this.#target.headers },
      fetch: observedFetch(this.#target.fetch, undefined, this),
      reconnectionOptions: { ...this.#target.resumption, maxRetries: 0 },
      ...(this.#target.sessionId !== undefined && { sessionId: this.#target.sessionId }),
      ...(this.#target.protocolVersion !== undefined && { protocolVersion: this.#target.protocolVersion }),
    });
    this.#transport = transport;
    transport.onmessage = (message) => {
      if (!isJSONRPCResultResponse(message) && !isJSONRPCErrorResponse(message)) this.#listener.onMessage(message);
    };
    // Every outcome of the GET (opened, refused, rejected, ended) reaches onGetStream; what the SDK
    // reports here repeats it ("Maximum reconnection attempts (0) exceeded") or is one unparsable event.
    transport.onerror = () => undefined;
    this.#attempts++;
    void transport
      .start()
      // An empty token makes the SDK send a plain GET; a remembered one resumes with Last-Event-ID.
      .then(() => transport.resumeStream(this.#lastEventId ?? '', { onresumptiontoken: (id) => (this.#lastEventId = id) }))
      // Rejections are the same outcomes observedFetch already reported.
      .catch(() => undefined);
  }

  /** `settled`, or `ms` later, whichever comes first. */
  settledWithin(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
    return Promise.race([this.settled, bound]).finally(() => clearTimeout(timer));
  }

  close(): void {
    this.#settle();
    this.#closed = true;
    clearTimeout(this.#timer);
    void this.#transport?.close();
    this.#transport = undefined;
  }

  onServerRetry(ms: number): void {
    this.#serverRetryMs = ms;
  }

  onGetStream(event: GetStreamEvent): void {
    this.#settle();
    if (this.#closed) return;
    switch (event.kind) {
      case 'opened':
        this.#budget = new RetryBudget(this.#budgetOptions);
        this.#attempts = 0;
        return this.#listener.onEvent({ type: 'stream', state: 'opened', detail: undefined });
      case 'unsupported':
        return this.#listener.onEvent({ type: 'stream', state: 'unsupported', detail: 'the upstream answered GET with 405' });
      case 'rejected':
        if (event.status === 409) {
          // The upstream allows one GET stream per session; another gateway process holds it and relays it.
          return this.#listener.onEvent({ type: 'stream', state: 'held-elsewhere', detail: 'HTTP 409' });
        }
        if (isSessionLostResponse(event.status, event.body)) return this.#listener.onSessionRejected(`GET answered ${event.status}`);
        return this.#listener.onEvent({ type: 'stream', state: 'given-up', detail: `GET answered ${event.status}` });
      case 'failed':
        this.#listener.onEvent({ type: 'unreachable', during: 'stream', attempt: this.#attempts, error: String(event.error) });
        return this.#retry(this.#budget.next(this.#serverRetryMs));
      case 'ended':
        this.#listener.onEvent({ type: 'stream', state: 'ended', detail: event.error === undefined ? undefined : String(event.error) });
        // An upstream that ends the stream on purpose (SSE polling) asked for `retry:`; otherwise come back quickly.
        return this.#retry(this.#serverRetryMs ?? backoffDelay(0, this.#budgetOptions.backoff));
    }
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
