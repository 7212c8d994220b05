import type { AuthInfo } from '@modelcontextprotocol/server';
import type { Store, SweptSession } from '../../store/index.js';
import type { RejectionReason } from '../errors.js';
import { ActivityTracker } from './activity.js';
import { listCatalogue } from './catalogue.js';
import { negotiatedVersion, type SessionFactory } from './factory.js';
import type { TerminationFence } from './fence.js';
import type { Session } from './session.js';
import { mintSessionId } from './session-id.js';
import type { TransitionDetail, TransitionObserver } from './states.js';
import { StatusChecks } from './status-checks.js';

export interface SessionRegistryOptions {
  idleTimeoutMs: number;
  maxLiveSessions: number;
  activityFlushMs: number;
  /**
   * Ask the store on every request whether a cached session was terminated or
   * expired elsewhere. With several instances this closes the window in which
   * a session DELETEd on one instance could still be served by another before
   * the termination NOTIFY arrives; a single process never needs it.
   */
  verifyEachRequest: boolean;
  /** Vouches for cached sessions between store checks, and holds a DELETE until other instances dropped theirs. */
  fence?: TerminationFence;
}

/** What the registry reports besides transitions (those go through each session's life). */
export interface RegistryObserver {
  rejected(reason: RejectionReason, presentedId: string | undefined): void;
  /** Transitions of sessions this process does not hold (from `stored`); held ones report through their own life. */
  transition: TransitionObserver;
  error(error: unknown, context: string): void;
}

export type Rejection = { ok: false; reason: Exclude<RejectionReason, 'missing'> };
export type Resolution = { ok: true; session: Session } | Rejection;
export type Health = { status: 'valid' | 'unknown' | 'expired' | 'terminated'; expiresAt?: Date; live: boolean };

/** Listened on by every instance: a payload is a session id terminated somewhere. */
export const TERMINATED_CHANNEL = 'durable_mcp_session_terminated';

/**
 * Where the sessions of this process live: a bounded LRU of live sessions
 * over the store. It creates sessions, finds them (in the cache, else in the
 * store, rebuilding them here), ends them, and keeps the cache honest when
 * other instances terminate a session. A session's own state changes happen
 * in its SessionLife (states.ts); this class decides when.
 */
export class SessionRegistry {
  /** Live sessions in least-recently-used order (a Map iterates in insertion order). */
  readonly #live = new Map<string, Session>();
  readonly #rebuilding = new Map<string, Promise<Session>>();
  readonly #activity: ActivityTracker;
  readonly #statusChecks: StatusChecks;
  readonly #touchGranularityMs: number;
  #unlisten: (() => Promise<void>) | undefined;

  constructor(
    private readonly store: Store,
    private readonly factory: SessionFactory,
    private readonly options: SessionRegistryOptions,
    private readonly observer: RegistryObserver,
  ) {
    this.#touchGranularityMs = Math.min(1000, options.idleTimeoutMs / 10);
    this.#activity = new ActivityTracker(store.sessions, options.activityFlushMs, (error) => observer.error(error, 'activity flush'));
    this.#statusChecks = new StatusChecks(store.sessions);
  }

  get liveCount(): number {
    return this.#live.size;
  }

  /** The live copy of a session in this process, if any. */
  peek(id: string): Session | undefined {
    return this.#live.get(id);
  }

  /** Every session live in this process (drain). */
  liveSessions(): Session[] {
    return [...this.#live.values()];
  }

  async start(): Promise<void> {
    this.#unlisten = await this.store.db.listen(TERMINATED_CHANNEL, {
      onPayload: (id) => {
        this.#end(id, 'terminated', { by: 'elsewhere' });
        this.options.fence?.acknowledge(id);
      },
      // Terminations may have been missed while disconnected: check each cached session against the store once more.
      onDisconnect: () => this.#markAllStale(),
      onReconnect: () => this.#markAllStale(),
    });
    this.#activity.start();
    // Without a warm-up the first returning client pays for compiling the rebuild path, and every rebuild compares lists.
    await this.factory.warmUp().catch((error: unknown) => this.observer.error(error, 'warm-up'));
  }

  /** Serves an initialize: persists the session before the client can learn its id, so any instance can serve what follows. */
  async create(request: Request, message: { params: Record<string, unknown> }, principal: string, authInfo?: AuthInfo, route = ''): Promise<Response> {
    const id = mintSessionId();
    const now = Date.now();
    const protocolVersion = negotiatedVersion(message.params.protocolVersion);
    const expiresAt = now + this.options.idleTimeoutMs;
    const meta = this.factory.freshMeta();
    const record = { id, principal, protocolVersion, initializeParams: message.params, logLevel: null, subscriptions: [], meta, route };
    await this.store.sessions.create({ ...record, createdAt: new Date(now), expiresAt: new Date(expiresAt), deploymentId: this.factory.deploymentId });
    const session = await this.factory.build('creating', record, expiresAt).catch(async (error: unknown) => {
      // The id never reached the client (a backend refused it, e.g. no room for another session): end the record.
      await this.store.sessions.terminate(id, new Date()).catch((cause: unknown) => this.observer.error(cause, 'end a session that could not be built'));
      throw error;
    });
    const response = await session.handle(request, message, authInfo);
    if (response.status !== 200) {
      // The SDK refused the handshake (bad headers or params): the id never reached the client.
      await session.close('failed');
      await this.store.sessions.terminate(id, new Date());
      return response;
    }
    this.#insert(session);
    session.transition('live');
    if (!this.factory.listsCatalogue) return response;
    // The baseline for noticing, after a deploy, that the lists changed. Off the critical path.
    void listCatalogue(session, authInfo)
      .then((catalogue) => {
        session.catalogue = catalogue;
        return this.store.sessions.mergeMeta(id, { lists: catalogue.hashes });
      })
      .catch((error: unknown) => this.observer.error(error, 'catalogue'));
    return response;
  }

  /**
   * Finds a session for `principal` on `route`: from the cache, or rebuilt from the store. Store failures
   * propagate (503, never 404). A session is never served on a route other than the one it was created on.
   */
  async resolve(id: string, principal: string, authInfo?: AuthInfo, route = ''): Promise<Resolution> {
    const now = Date.now();
    const cached = this.#live.get(id);
    if (cached?.state === 'live' && now < cached.expiresAt) {
      if (cached.principal !== principal) return this.#reject('wrong_principal', id);
      if (cached.route !== route) return this.#reject('wrong_route', id);
      if (this.options.verifyEachRequest && !this.options.fence?.fresh) {
        const status = await this.#statusChecks.check(id);
        if (!status || status.terminatedAt) {
          this.#end(id, 'terminated', { by: 'elsewhere' });
          return this.#reject(status ? 'terminated' : 'unknown', id);
        }
        // Another instance may have kept it alive longer than this one knows.
        if (status.expiresAt.getTime() > cached.expiresAt) cached.expiresAt = status.expiresAt.getTime();
      }
      this.#touch(cached, now);
      return { ok: true, session: cached };
    }
    const record = await this.store.sessions.get(id);
    if (!record) {
      if (cached) this.#end(id, 'terminated', { by: 'elsewhere' });
      return this.#reject('unknown', id);
    }
    if (record.principal !== principal) return this.#reject('wrong_principal', id);
    if (record.route !== route) return this.#reject('wrong_route', id);
    if (record.terminatedAt) {
      if (cached) this.#end(id, 'terminated', { by: 'elsewhere' });
      return this.#reject('terminated', id);
    }
    if (record.expiresAt.getTime() <= now) {
      if (cached) this.#end(id, 'expired');
      return this.#reject('expired', id);
    }
    let session = this.#live.get(id);
    if (session) {
      // Stale, or expired by this process's clock only: the store says it is valid.
      session.expiresAt = Math.max(session.expiresAt, record.expiresAt.getTime());
      session.transition('live');
    } else {
      // Concurrent first requests after a restart share one rebuild.
      let pending = this.#rebuilding.get(id);
      if (!pending) {
        pending = this.factory
          .rehydrate(record, authInfo)
          .then((rebuilt) => this.#insert(rebuilt))
          .finally(() => this.#rebuilding.delete(id));
        this.#rebuilding.set(id, pending);
      }
      session = await pending;
    }
    this.#touch(session, Date.now());
    return { ok: true, session };
  }

  /** DELETE: durable first, then every instance is told to drop its copy. */
  async terminate(id: string, principal: string, route = ''): Promise<{ ok: true } | Rejection> {
    const record = await this.store.sessions.get(id);
    if (!record) return this.#reject('unknown', id);
    if (record.principal !== principal) return this.#reject('wrong_principal', id);
    if (record.route !== route) return this.#reject('wrong_route', id);
    if (record.terminatedAt) return this.#reject('terminated', id);
    if (record.expiresAt.getTime() <= Date.now()) return this.#reject('expired', id);
    await this.store.sessions.terminate(id, new Date());
    this.#end(id, 'terminated', { by: 'client' }, record);
    try {
      await this.store.db.notify(TERMINATED_CHANNEL, id);
    } catch (error) {
      // Unannounced, the others learn it when their proof of being current lapses (the fence waits that out below).
      this.observer.error(error, 'notify termination');
    }
    await this.options.fence?.terminated(id);
    return { ok: true };
  }

  /** A session's state without rebuilding it (health checks). Another principal's session is `unknown`. */
  async inspect(id: string, principal: string): Promise<Health> {
    const record = await this.store.sessions.get(id);
    const live = this.#live.has(id);
    if (!record || record.principal !== principal) return { status: 'unknown', live: false };
    if (record.terminatedAt) return { status: 'terminated', live };
    const expiresAt = new Date(Math.max(record.expiresAt.getTime(), this.#live.get(id)?.expiresAt ?? 0));
    if (expiresAt.getTime() <= Date.now()) return { status: 'expired', expiresAt, live };
    return { status: 'valid', expiresAt, live };
  }

  /** The sweeper removed these expired sessions from the store: each ends here, live or not. */
  swept(sessions: SweptSession[]): void {
    for (const s of sessions) if (s.expired) this.#end(s.id, 'expired', { swept: true }, s);
  }

  /** Flushes batched writes and closes every live session. */
  async close(): Promise<void> {
    // The listener's connection closes with the store; nothing is lost by not unlistening cleanly.
    await this.#unlisten?.().catch((error: unknown) => this.observer.error(error, 'unlisten'));
    await this.#activity.stop();
    await Promise.allSettled(this.#rebuilding.values());
    const sessions = [...this.#live.values()];
    this.#live.clear();
    await Promise.allSettled(sessions.map((s) => s.close('closed')));
  }

  /** Flushes pending last-active updates (drain, tests). */
  flushActivity(): Promise<void> {
    return this.#activity.flush();
  }

  #touch(session: Session, now: number): void {
    // Move to the most-recently-used end.
    this.#live.delete(session.id);
    this.#live.set(session.id, session);
    const expiresAt = now + this.options.idleTimeoutMs;
    // Re-marking at most every 1/10 of the idle timeout (max 1 s) keeps the hot path to a Map lookup.
    if (expiresAt - session.expiresAt < this.#touchGranularityMs) return;
    session.expiresAt = expiresAt;
    this.#activity.mark({ id: session.id, lastActiveAt: new Date(now), expiresAt: new Date(expiresAt) });
  }

  #insert(session: Session): Session {
    this.#live.set(session.id, session);
    if (this.#live.size <= this.options.maxLiveSessions) return session;
    for (const [id, candidate] of this.#live) {
      if (this.#live.size <= this.options.maxLiveSessions) break;
      // Busy sessions (requests in flight, open streams) stay; the cache may overshoot until they go idle.
      if (candidate.busy || candidate === session) continue;
      this.#end(id, 'evicted');
    }
    return session;
  }

  /**
   * Ends a session in this process (the store keeps it unless it was terminated or expired there). Given `stored`,
   * a session this process does not hold is reported too (from `stored`): a DELETE or an expiry is reported once,
   * whichever instance holds the session.
   */
  #end(id: string, why: 'evicted' | 'expired' | 'terminated', detail: TransitionDetail = {}, stored?: Pick<SweptSession, 'principal' | 'protocolVersion' | 'createdAt'>): void {
    this.#activity.forget(id);
    const session = this.#live.get(id);
    if (!session) {
      const ageMs = stored ? Date.now() - stored.createdAt.getTime() : 0;
      if (stored) this.observer.transition({ sessionId: id, principal: stored.principal, protocolVersion: stored.protocolVersion, from: 'stored', to: why, ageMs, detail });
      return;
    }
    this.#live.delete(id);
    void session.close(why, detail).catch((error: unknown) => this.observer.error(error, `close ${why} session`));
  }

  #markAllStale(): void {
    for (const session of this.#live.values()) session.transition('stale');
  }

  #reject(reason: Exclude<RejectionReason, 'missing'>, id: string): Rejection {
    this.observer.rejected(reason, id);
    return { ok: false, reason };
  }
}
