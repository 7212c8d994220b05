/**
 * One connection: a stock SDK `Client` over our observed transport, from
 * handshake to close. Recovery never repairs a connection; it opens the next
 * one (a new transport, a new handshake, a new standalone stream) and drops
 * the old. Everything the SDK does per connection (era negotiation, the
 * initialize handshake, output-schema caches) therefore starts clean.
 */
import {
  Client,
  type ClientOptions,
  type FetchLike,
  type Implementation,
  type Notification,
  type ProtocolEra,
  type StreamableHTTPReconnectionOptions,
} from '@modelcontextprotocol/client';
import { AttemptTracker } from './attempts.js';
import { isSessionLostResponse } from './classify.js';
import { observedFetch, type FetchObserver, type GetStreamEvent } from './observed-fetch.js';
import { ObservedTransport } from './observed-transport.js';

export interface ConnectionSettings {
  url: URL;
  clientInfo: Implementation;
  clientOptions: ClientOptions;
  headers: Record<string, string>;
  fetch: FetchLike;
  /** The SDK transport's own stream resumption policy (Last-Event-ID); SDK defaults when absent. */
  streamReconnection: StreamableHTTPReconnectionOptions | undefined;
  connectTimeoutMs: number;
  /** How long a new legacy connection waits for its standalone stream to open before carrying on. */
  streamOpenTimeoutMs: number;
  /** Lets the app install request handlers (sampling, elicitation, roots) on every new SDK client. */
  setupClient: ((client: Client) => void) | undefined;
}

/** What a live connection reports to its owner. Never called once the connection is closing. */
export interface ConnectionListener {
  onNotification(connection: Connection, notification: Notification): void;
  /** A GET to the session was answered "no such session": the server forgot us. */
  onSessionRejected(connection: Connection, detail: string): void;
  /** A GET stream (standalone or resumption) ended or failed: the server may be gone. */
  onStreamLost(connection: Connection, error: unknown): void;
  onTransportError(connection: Connection, error: unknown): void;
}

export class Connection implements FetchObserver {
  readonly generation: number;
  readonly attempts = new AttemptTracker();
  readonly client: Client;
  readonly #transport: ObservedTransport;
  readonly #listener: ConnectionListener;
  #closing = false;
  #openStreams = 0;
  #serverRetryMs: number | undefined;
  /** The server has served a GET stream on this session (one that answers 405 never will). */
  #streamsServed = false;
  #reopening: Promise<void> | undefined;
  readonly #streamWaiters = new Set<() => void>();
  readonly #streamOpenTimeoutMs: number;

  private constructor(generation: number, settings: ConnectionSettings, listener: ConnectionListener) {
    this.generation = generation;
    this.#listener = listener;
    this.#streamOpenTimeoutMs = settings.streamOpenTimeoutMs;
    this.#transport = new ObservedTransport(settings.url, this.attempts, {
      requestInit: { headers: settings.headers },
      fetch: observedFetch(settings.fetch, this.attempts, this),
      ...(settings.streamReconnection && { reconnectionOptions: settings.streamReconnection }),
    });
    this.client = new Client(settings.clientInfo, settings.clientOptions);
    this.client.fallbackNotificationHandler = async (notification) => {
      if (!this.#closing) this.#listener.onNotification(this, notification);
    };
    this.client.onerror = (error) => {
      if (!this.#closing) this.#listener.onTransportError(this, error);
    };
    settings.setupClient?.(this.client);
  }

  /** Connects (era negotiation and handshake as the SDK does them) and, on legacy, waits briefly for the standalone stream. */
  static async open(generation: number, settings: ConnectionSettings, listener: ConnectionListener): Promise<Connection> {
    const connection = new Connection(generation, settings, listener);
    const streamSettled = connection.#nextStreamEvent();
    try {
      await connection.client.connect(connection.#transport, { timeout: settings.connectTimeoutMs });
    } catch (error) {
      await connection.close();
      throw error;
    }
    // The SDK opens the standalone stream on its own after `initialized`;
    // waiting for it means notifications sent right after a recovery are not lost.
    if (connection.sessionId !== undefined) await streamSettled;
    return connection;
  }

  /** Resolves at the next GET stream event (opened, refused, failed, ended), or after the stream-open timeout. */
  #nextStreamEvent(): Promise<void> {
    return new Promise<void>((resolve) => {
      // Unref'd: a wait nobody needs any more (no session, client closed) must not hold the process open.
      const timer = setTimeout(settle, this.#streamOpenTimeoutMs).unref();
      function settle(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#streamWaiters.add(settle);
    });
  }

  get era(): ProtocolEra | undefined {
    return this.client.getProtocolEra();
  }

  get sessionId(): string | undefined {
    return this.#transport.sessionId;
  }

  /** The last SSE `retry:` the server sent on this connection. */
  get serverRetryMs(): number | undefined {
    return this.#serverRetryMs;
  }

  get closing(): boolean {
    return this.#closing;
  }

  onServerRetry(ms: number): void {
    this.#serverRetryMs = ms;
  }

  /** GET streams open right now (the standalone one, plus any resumption in progress). */
  get openStreams(): number {
    return this.#openStreams;
  }

  /**
   * Opens the standalone stream again. The SDK gives up reconnecting it after
   * a few tries; when the session turns out to be alive afterwards (a server
   * that keeps sessions across restarts), nobody else would reopen it. An
   * empty resumption token makes the SDK send a plain GET, no Last-Event-ID.
   */
  reopenStandaloneStream(): void {
    if (this.#closing || this.sessionId === undefined) return;
    this.#transport.resumeStream('').catch((error: unknown) => {
      if (!this.#closing) this.#listener.onTransportError(this, error);
    });
  }

  /**
   * Before a request on a session whose standalone stream is down (the SDK
   * stops reconnecting it after a few tries while the server is away): open
   * it again and wait briefly, as after a handshake, so that what the server
   * sends there while serving the request (a request for sampling, a log
   * message, a list_changed) has a stream to arrive on instead of being lost.
   * Costs nothing while the stream is up. Single-flight.
   */
  ensureStandaloneStream(): Promise<void> {
    if (this.#closing || this.sessionId === undefined || !this.#streamsServed || this.#openStreams > 0) return Promise.resolve();
    this.#reopening ??= (async () => {
      const settled = this.#nextStreamEvent();
      this.reopenStandaloneStream();
      await settled;
    })().finally(() => {
      this.#reopening = undefined;
    });
    return this.#reopening;
  }

  onGetStream(event: GetStreamEvent): void {
    if (event.kind === 'opened') this.#streamsServed = true;
    if (event.kind === 'unsupported') this.#streamsServed = false;
    if (event.kind === 'opened') this.#openStreams++;
    if (event.kind === 'ended') this.#openStreams = Math.max(0, this.#openStreams - 1);
    this.#settleStream();
    if (this.#closing) return;
    switch (event.kind) {
      case 'opened':
      case 'unsupported':
        return;
      case 'rejected':
        if (this.sessionId !== undefined && isSessionLostResponse(event.status, event.body)) {
          this.#listener.onSessionRejected(this, `GET answered ${event.status}`);
        } else {
          this.#listener.onTransportError(this, new Error(`GET stream refused: HTTP ${event.status}`));
        }
        return;
      case 'failed':
      case 'ended':
        this.#listener.onStreamLost(this, event.error);
    }
  }

  #settleStream(): void {
    for (const settle of this.#streamWaiters) settle();
    this.#streamWaiters.clear();
  }

  /** Ends the session politely (DELETE) when asked to, then closes. Never throws. */
  async close(options: { terminate?: boolean; timeoutMs?: number } = {}): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#settleStream();
    if (options.terminate && this.sessionId !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, options.timeoutMs ?? 1000)));
      // Best effort: a server that cannot be told lets the session expire by itself.
      await Promise.race([this.#transport.terminateSession().catch(() => undefined), deadline]);
      clearTimeout(timer);
    }
    // Closing a connection that already broke has nothing left to release.
    await this.client.close().catch(() => undefined);
  }
}
