/**
 * LISTEN on PostgreSQL: one dedicated connection (never a pooled one, which
 * the pool may close or hand to others) serves every channel. When it dies,
 * subscribers hear onDisconnect (they may have missed notifications), and
 * the listener reconnects with backoff, re-LISTENs everything, then says
 * onReconnect.
 */
import pg from 'pg';
import { type ListenHandlers, type Unlisten } from '../database.js';
import { ChannelRegistry } from '../channels.js';
import { quoteChannel } from '../engine.js';
import { StoreClosedError, toStoreError } from '../errors.js';
import type { StoreLogger } from '../store.js';
import { backoffDelay, type Backoff } from '../timeout.js';
import type { TimedQueryConfig } from './config.js';

export interface ListenerOptions {
  client: pg.ClientConfig;
  logger: StoreLogger | undefined;
  backoff: Backoff;
  /** A silently dead network only shows when we talk: probe the idle connection this often. */
  heartbeatMs: number;
}

type State = 'idle' | 'connected' | 'reconnecting' | 'closed';

export class PgListener {
  readonly #options: ListenerOptions;
  readonly #registry: ChannelRegistry;
  #state: State = 'idle';
  #client: pg.Client | undefined;
  #connecting: Promise<pg.Client> | undefined;
  /** Per channel, the LISTEN in flight, so a second subscriber waits for it too. */
  readonly #ready = new Map<string, Promise<void>>();
  #lastError: Error = new Error('not connected');
  #reconnectTimer: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;

  constructor(options: ListenerOptions) {
    this.#options = options;
    this.#registry = new ChannelRegistry((error, channel) =>
      options.logger?.error({ err: error, channel }, 'notification handler threw'),
    );
  }

  async listen(channel: string, handlers: ListenHandlers): Promise<Unlisten> {
    const quoted = quoteChannel(channel);
    if (this.#state === 'closed') throw new StoreClosedError();
    const first = this.#registry.add(channel, handlers);
    if (this.#state === 'reconnecting') {
      // Not listening right now: tell the subscriber at once; the reconnect LISTENs every registered channel.
      const error = this.#lastError;
      queueMicrotask(() => handlers.onDisconnect?.(error));
    } else {
      let ready = this.#ready.get(channel);
      if (first || !ready) {
        ready = this.#connect().then((client) => client.query(`LISTEN ${quoted}`).then(() => undefined));
        this.#ready.set(channel, ready);
      }
      try {
        await ready;
      } catch (error) {
        if (this.#registry.remove(channel, handlers)) this.#ready.delete(channel);
        throw toStoreError(error);
      }
    }
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      if (!this.#registry.remove(channel, handlers)) return;
      this.#ready.delete(channel);
      await this.#client?.query(`UNLISTEN ${quoted}`).catch(() => {
        // The connection is gone; a reconnect only LISTENs registered channels.
      });
    };
  }

  async close(): Promise<void> {
    this.#state = 'closed';
    clearTimeout(this.#reconnectTimer);
    clearInterval(this.#heartbeat);
    this.#registry.clear();
    this.#ready.clear();
    const client = this.#client ?? (await this.#connecting?.catch(() => undefined));
    this.#client = undefined;
    // A connection being discarded: its end() failing means it was already gone.
    await client?.end().catch(() => {});
  }

  /** The live client, connecting on first use (single flight). */
  #connect(): Promise<pg.Client> {
    if (this.#client) return Promise.resolve(this.#client);
    this.#connecting ??= this.#open().then(
      (client) => {
        this.#connecting = undefined;
        if (this.#state === 'closed') {
          // Closed while connecting: discard the new connection; nothing listens on it yet.
          void client.end().catch(() => {});
          throw new StoreClosedError();
        }
        this.#adopt(client);
        return client;
      },
      (error: unknown) => {
        this.#connecting = undefined;
        throw error;
      },
    );
    return this.#connecting;
  }

  async #open(): Promise<pg.Client> {
    const client = new pg.Client(this.#options.client);
    client.on('error', (error) => this.#lost(client, error));
    client.on('end', () => this.#lost(client, new Error('the LISTEN connection ended')));
    client.on('notification', (message) => this.#registry.deliver(message.channel, message.payload ?? ''));
    try {
      await client.connect();
    } catch (error) {
      // The connect error is reported below; the failed connection is discarded.
      await client.end().catch(() => {});
      throw error;
    }
    return client;
  }

  #adopt(client: pg.Client): void {
    this.#client = client;
    this.#state = 'connected';
    clearInterval(this.#heartbeat);
    this.#heartbeat = setInterval(() => {
      const probe: TimedQueryConfig = { text: 'SELECT 1', query_timeout: this.#options.heartbeatMs };
      client.query(probe).catch((error: unknown) => {
        // No answer: treat the connection as dead even if the socket has not noticed.
        this.#lost(client, error instanceof Error ? error : new Error(String(error)));
      });
    }, this.#options.heartbeatMs);
    this.#heartbeat.unref();
  }

  #lost(client: pg.Client, error: Error): void {
    if (client !== this.#client) return; // a stale client, or this loss was already handled
    this.#client = undefined;
    clearInterval(this.#heartbeat);
    // The broken connection is discarded and replaced; the warning below and the reconnect loop report what matters.
    void client.end().catch(() => {});
    if (this.#state === 'closed') return;
    this.#state = 'reconnecting';
    this.#lastError = error;
    this.#options.logger?.warn({ err: error.message }, 'LISTEN connection lost; reconnecting');
    this.#registry.disconnected(error);
    this.#scheduleReconnect(1);
  }

  #scheduleReconnect(attempt: number): void {
    const delay = backoffDelay(attempt, this.#options.backoff);
    this.#reconnectTimer = setTimeout(() => void this.#reconnect(attempt), delay);
  }

  async #reconnect(attempt: number): Promise<void> {
    let client: pg.Client | undefined;
    try {
      client = await this.#open();
      // Subscribers may register while a LISTEN round trip is under way: repeat until none is missing.
      const listened = new Set<string>();
      for (;;) {
        const missing = this.#registry.channels().filter((c) => !listened.has(c));
        if (missing.length === 0) break;
        await client.query(missing.map((c) => `LISTEN ${quoteChannel(c)}`).join('; '));
        for (const channel of missing) listened.add(channel);
      }
    } catch (error) {
      // Discarded after a failed reconnect; the failure is logged below and retried.
      await client?.end().catch(() => {});
      if (this.#state === 'closed') return;
      const message = error instanceof Error ? error.message : String(error);
      this.#options.logger?.warn({ attempt, err: message }, 'LISTEN reconnect failed');
      this.#scheduleReconnect(attempt + 1);
      return;
    }
    if (this.#state === 'closed') {
      // Closed meanwhile: nothing will listen on this connection.
      await client.end().catch(() => {});
      return;
    }
    for (const channel of this.#registry.channels()) this.#ready.set(channel, Promise.resolve());
    this.#adopt(client);
    this.#options.logger?.info({ attempt }, 'LISTEN connection restored');
    this.#registry.reconnected();
  }
}
