/**
 * Owns "the current connection": opens the first one, replaces it when the
 * server forgets the session, and probes the server when a stream drops.
 * Opening is single-flight, so any number of requests failing at once cause
 * one re-initialize; every open loop is bounded by the reconnect budget.
 */
import type { Notification } from '@modelcontextprotocol/client';
import { RetryBudget, sleep, type BudgetOptions } from './backoff.js';
import { isTransient } from './classify.js';
import { Connection, type ConnectionListener, type ConnectionSettings } from './connection.js';
import { ClientClosedError, RecoveryFailedError, ServerUnavailableError } from './errors.js';
import type { ClientEventEmitter, ClientStats } from './events.js';
import type { ResolvedOptions } from './options.js';
import type { ReapplyReport } from './session-state.js';

/** How long a new legacy connection waits for its standalone stream. */
const STREAM_OPEN_TIMEOUT_MS = 2_000;

export interface ManagerHooks {
  onNotification(notification: Notification): void;
  /** Runs on a replacement connection before it serves anything: re-applies the session's state. */
  reapply(connection: Connection): Promise<ReapplyReport>;
  /** A cheap request through the normal retry path (ping), used to find out whether the server is back. */
  probe(): Promise<unknown>;
}

export class ConnectionManager implements ConnectionListener {
  readonly #options: ResolvedOptions;
  readonly #settings: ConnectionSettings;
  readonly #events: ClientEventEmitter;
  readonly #stats: ClientStats;
  readonly #hooks: ManagerHooks;
  #current: Connection | undefined;
  #generation = 0;
  #opening: Promise<Connection> | undefined;
  #probing: Promise<void> | undefined;
  #closed = false;
  /** Aborted by close(): cuts every backoff sleep short so nothing outlives the client. */
  readonly #closeController = new AbortController();

  constructor(options: ResolvedOptions, events: ClientEventEmitter, stats: ClientStats, hooks: ManagerHooks) {
    this.#options = options;
    this.#events = events;
    this.#stats = stats;
    this.#hooks = hooks;
    this.#settings = {
      url: options.url,
      clientInfo: options.clientInfo,
      clientOptions: { capabilities: options.capabilities, versionNegotiation: { mode: options.versionNegotiation } },
      headers: options.headers,
      fetch: options.fetch,
      streamReconnection: options.streamReconnection,
      connectTimeoutMs: options.connectTimeoutMs,
      streamOpenTimeoutMs: STREAM_OPEN_TIMEOUT_MS,
      setupClient: options.setupClient,
    };
  }

  get current(): Connection | undefined {
    return this.#current;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get closeSignal(): AbortSignal {
    return this.#closeController.signal;
  }

  /**
   * The current connection, opening one if there is none. `budget` bounds a
   * new opening (an opening already under way keeps its own).
   */
  ready(budget?: BudgetOptions): Promise<Connection> {
    if (this.#closed) return Promise.reject(new ClientClosedError(undefined, false));
    if (this.#current) return Promise.resolve(this.#current);
    return this.#open(undefined, budget);
  }

  /** `failed` lost its session: replace it, unless someone already has. */
  recover(failed: Connection, reason: string): Promise<Connection> {
    if (this.#closed) return Promise.reject(new ClientClosedError(undefined, false));
    if (this.#current !== failed) return this.ready();
    this.#current = undefined;
    this.#events.emit('disconnect', { generation: failed.generation, reason });
    return this.#open(failed);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeController.abort(new ClientClosedError(undefined, false));
    const current = this.#current;
    this.#current = undefined;
    await current?.close({ terminate: true });
  }

  #open(previous: Connection | undefined, budget: BudgetOptions = this.#options.reconnectBudget): Promise<Connection> {
    this.#opening ??= this.#openWithRetry(previous, budget).finally(() => {
      this.#opening = undefined;
    });
    return this.#opening;
  }

  async #openWithRetry(previous: Connection | undefined, budgetOptions: BudgetOptions): Promise<Connection> {
    const budget = new RetryBudget(budgetOptions);
    for (;;) {
      if (this.#closed) throw new ClientClosedError(undefined, false);
      let connection: Connection;
      try {
        connection = await Connection.open(++this.#generation, this.#settings, this);
      } catch (error) {
        const delay = isTransient(error) ? budget.next() : undefined;
        if (delay === undefined) {
          if (previous) throw new RecoveryFailedError(undefined, 0, error);
          throw isTransient(error) ? new ServerUnavailableError(undefined, 0, error) : error;
        }
        await sleep(delay, this.#closeController.signal);
        continue;
      }
      if (this.#closed) {
        await connection.close({ terminate: true });
        throw new ClientClosedError(undefined, false);
      }
      const report = previous && connection.sessionId !== undefined ? await this.#hooks.reapply(connection) : undefined;
      this.#install(connection, previous, report);
      return connection;
    }
  }

  #install(connection: Connection, previous: Connection | undefined, report: ReapplyReport | undefined): void {
    this.#current = connection;
    const summary = { generation: connection.generation, era: connection.era, sessionId: connection.sessionId };
    this.#stats.connects++;
    this.#events.emit('connect', summary);
    if (!previous) return;
    this.#stats.reconnects++;
    this.#events.emit('reconnect', summary);
    if (report) {
      this.#stats.reinitializations++;
      this.#events.emit('reinitialize', {
        generation: connection.generation,
        previousSessionId: previous.sessionId,
        sessionId: connection.sessionId,
        logLevel: report.logLevel,
        subscriptions: report.subscriptions,
      });
      for (const failure of report.failures) this.#events.emit('error', { context: `re-apply ${failure.what}`, error: failure.error });
    }
    // Requests still waiting on the old connection were sent to a session the
    // server no longer has; closing settles them (as unknown outcomes).
    void previous.close();
  }

  onNotification(connection: Connection, notification: Notification): void {
    if (connection === this.#current) this.#hooks.onNotification(notification);
  }

  onSessionRejected(connection: Connection, detail: string): void {
    if (connection !== this.#current || this.#closed || !this.#options.keepAlive) return;
    this.recover(connection, detail).catch((error: unknown) => {
      if (!this.#closed) this.#events.emit('error', { context: 'recover after the session was rejected', error });
    });
  }

  onStreamLost(connection: Connection, error: unknown): void {
    if (connection !== this.#current || this.#closed || !this.#options.keepAlive || this.#probing) return;
    this.#events.emit('error', { context: 'stream lost; probing the server', error });
    this.#probing = this.#probeAndReopen(connection).finally(() => {
      this.#probing = undefined;
    });
  }

  /**
   * A dropped stream means the server may be gone. Ping through the normal
   * retry path: a lost session is recovered there (404, then re-initialize).
   * If the same session answers, the server kept it; make sure its standalone
   * stream comes back, since the SDK stops reconnecting it after a few tries.
   */
  async #probeAndReopen(connection: Connection): Promise<void> {
    try {
      await this.#hooks.probe();
    } catch (error) {
      if (!this.#closed) this.#events.emit('error', { context: 'keep-alive probe', error });
      return;
    }
    if (this.#current !== connection) return;
    // Rejects only when the client closes; the check below then finds nothing to reopen.
    await sleep(STREAM_OPEN_TIMEOUT_MS, this.#closeController.signal).catch(() => undefined);
    if (this.#current === connection && connection.openStreams === 0) connection.reopenStandaloneStream();
  }

  onTransportError(_connection: Connection, error: unknown): void {
    if (!this.#closed) this.#events.emit('error', { context: 'transport', error });
  }
}
