import type { JSONRPCMessage, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import { nextSeq, parseEventId, STANDALONE_STREAM, type SessionEventStore } from '../events/session-event-store.js';
import { onBodyDone } from '../web/body-done.js';

/**
 * A session's standalone GET stream as seen from this process: whether the
 * client holds one here, and how far it has been written. Events for it may
 * be produced on any instance; the one holding the stream relays what others
 * stored, in order, each under the id it was stored with, each once.
 */
export class StandaloneStream {
  /** Open standalone GET streams in this process (normally 0 or 1). */
  #open = 0;
  /** The newest standalone event this process has written to its GET stream. */
  #cursor = 0n;
  #relaying: Promise<void> = Promise.resolve();

  constructor(
    private readonly transport: WebStandardStreamableHTTPServerTransport,
    private readonly events: SessionEventStore,
  ) {
    events.onStandaloneStored = (seq) => this.#advance(seq);
  }

  get isOpen(): boolean {
    return this.#open > 0;
  }

  /** A GET stream was opened (resumed or new): counts it until its body ends. Returns whether it is new (not resumed). */
  opened(request: Request, response: Response): { response: Response; resumed: boolean } {
    const resumed = parseEventId(request.headers.get('last-event-id') ?? '');
    this.#open += 1;
    // Events stored elsewhere from now on (or after the resume point) are relayed onto this stream.
    this.#advance(resumed?.streamId === STANDALONE_STREAM ? resumed.seq : nextSeq());
    return {
      resumed: resumed !== undefined,
      response: onBodyDone(response, () => {
        this.#open -= 1;
      }),
    };
  }

  /** Another instance stored events for this stream: write them onto it, if this process holds it. */
  relay(): Promise<void> {
    this.#relaying = this.#relaying.then(async () => {
      if (this.#open === 0) return;
      for (;;) {
        const page = await this.events.standaloneAfter(this.#cursor);
        for (const event of page) {
          if (event.seq <= this.#cursor) continue;
          this.#cursor = event.seq;
          const message = event.message as JSONRPCMessage;
          this.events.expectRelay(message, `${STANDALONE_STREAM}:${event.seq}`);
          // The event is stored: a client whose stream just broke resumes it from the store.
          await this.transport.send(message).catch(() => undefined);
        }
        if (page.length < 500) return;
      }
    });
    return this.#relaying;
  }

  #advance(seq: bigint): void {
    if (seq > this.#cursor) this.#cursor = seq;
  }
}
