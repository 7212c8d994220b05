import { createHash, randomUUID } from 'node:crypto';
import {
  LATEST_PROTOCOL_VERSION,
  SUPPORTED_PROTOCOL_VERSIONS,
  WebStandardStreamableHTTPServerTransport,
  type AuthInfo,
} from '@modelcontextprotocol/server';
import type { SessionRecord } from '../../store/records.js';
import type { Store } from '../../store/store.js';
import type { ClientIdentity } from '../app.js';
import type { RejectionReason } from '../errors.js';
import type { EventWriter } from '../events/event-writer.js';
import { SessionEventStore } from '../events/session-event-store.js';
import { clientIdentityOf, type ServerBuilder } from '../server-builder.js';
import { ActivityTracker } from './activity.js';
import { listCatalogue, type ListKind } from './catalogue.js';
import { replayHandshake } from './handshake.js';
import { LiveSession, type Announcement } from './live-session.js';
import { mintSessionId } from './session-id.js';
import { StatusChecks } from './status-checks.js';

export interface SessionManagerOptions {
  idleTimeoutMs: number;
  maxLiveSessions: number;
  activityFlushMs: number;
  responseMode: 'sse' | 'json';
  retryIntervalMs: number;
  maxBodyBytes: number;
  /**
   * Ask the store on every request whether a cached session was terminated or
   * expired elsewhere. With several instances this closes the window in which
   * a session DELETEd on one instance could still be served by another before
   * the termination NOTIFY arrives; a single process never needs it.
   */
  verifyEachRequest: boolean;
  /** The app's version as clients see it in serverInfo: a change is announced to returning sessions. */
  serverVersion: string;
}

/** What a session's record remembers of the server it last saw, to tell a real upgrade from a plain restart. */
interface SeenMeta {
  build?: unknown;
  serverVersion?: unknown;
  lists?: Partial<Record<ListKind, string>>;
}

/** Lifecycle hooks for logs and metrics. Called synchronously; must not throw. */
export interface SessionObserver {
  created?(session: LiveSession): void;
  rehydrated?(session: LiveSession, record: SessionRecord, durationMs: number): void;
  rejected?(reason: RejectionReason, sessionId: string | undefined): void;
  terminated?(sessionId: string, ageMs?: number): void;
  evicted?(sessionId: string): void;
  announced?(session: LiveSession, announcement: Announcement): void;
  replayed?(count: number): void;
  error?(error: unknown, context: string): void;
}

export type Rejection = { ok: false; reason: Exclude<RejectionReason, 'missing'> };
export type Resolution = { ok: true; session: LiveSession } | Rejection;

/** Listened on by every instance: a payload is a session id terminated somewhere. */
export const TERMINATED_CHANNEL = 'durable_mcp_session_terminated';

const LEGACY_VERSIONS = SUPPORTED_PROTOCOL_VERSIONS.filter((v) => v < '2026-07-28');

/** The version the SDK's initialize handler will pick, computed up front so the record is complete before the client learns its id. */
export function negotiatedVersion(requested: unknown): string {
  return typeof requested === 'string' && LEGACY_VERSIONS.includes(requested)
    ? requested
    : (LEGACY_VERSIONS[0] ?? LATEST_PROTOCOL_VERSION);
}

/**
 * Owns legacy sessions: creates them, finds them (in the bounded live cache,
 * else in the store, rebuilding them in-process), terminates them, and keeps
 * the cache honest when other instances terminate a session.
 */
export class SessionManager {
  /** Live sessions in least-recently-used order (a Map iterates in insertion order). */
  private readonly live = new Map<string, LiveSession>();
  private readonly rebuilding = new Map<string, Promise<LiveSession>>();
  private readonly activity: ActivityTracker;
  private readonly statusChecks: StatusChecks;
  private unlisten: (() => Promise<void>) | undefined;
  /**
   * This build as a client sees it: the app's version and what its lists
   * hash to (taken from the warm-up session). A returning session recorded
   * under the same fingerprint needs no comparison at all; a plain restart
   * of the same build therefore announces nothing.
   */
  private buildFingerprint = `unknown-${randomUUID()}`;
  private readonly touchGranularityMs: number;

  constructor(
    private readonly store: Store,
    private readonly buildServer: ServerBuilder,
    private readonly writer: EventWriter,
    private readonly deploymentId: string,
    private readonly instanceId: string,
    private readonly options: SessionManagerOptions,
    private readonly observer: SessionObserver = {},
  ) {
    this.touchGranularityMs = Math.min(1000, options.idleTimeoutMs / 10);
    this.activity = new ActivityTracker(store.sessions, options.activityFlushMs, (error) =>
      observer.error?.(error, 'activity flush'),
    );
    this.statusChecks = new StatusChecks(store.sessions);
  }

  get liveCount(): number {
    return this.live.size;
  }

  /** The live copy of a session in this process, if any (health checks, tests). */
  peek(id: string): LiveSession | undefined {
    return this.live.get(id);
  }

  async start(): Promise<void> {
    this.unlisten = await this.store.db.listen(TERMINATED_CHANNEL, {
      onPayload: (id) => this.drop(id),
      // Terminations may have been missed while disconnected: check each cached session against the store once more.
      onDisconnect: () => this.markAllStale(),
      onReconnect: () => this.markAllStale(),
    });
    this.activity.start();
    await this.warmUp().catch((error: unknown) => this.observer.error?.(error, 'warm-up'));
  }

  /**
   * The first rebuild after a restart would otherwise pay for compiling the
   * whole rebuild path (session read, SDK server and transport, handshake
   * replay, catalogue listing): tens of ms, on the first request of whichever
   * client comes back first. One throwaway rebuild at start-up pays instead.
   * It is never stored, listed or served; the app's register() (and an
   * oninitialized hook) run for it with client name `durable-mcp-warmup`.
   */
  private async warmUp(): Promise<void> {
    const now = new Date();
    const version = negotiatedVersion(undefined);
    const record: SessionRecord = {
      id: 'durable-mcp-warmup',
      principal: 'durable-mcp-warmup',
      protocolVersion: version,
      initializeParams: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'durable-mcp-warmup', version: '1.0.0' } },
      logLevel: 'info',
      subscriptions: [],
      createdAt: now,
      lastActiveAt: now,
      expiresAt: now,
      terminatedAt: null,
      deploymentId: this.deploymentId,
      meta: {},
    };
    await this.store.sessions.get(record.id);
    const live = await this.build(record.id, record.principal, version, now.getTime(), clientIdentityOf(record.initializeParams.clientInfo));
    try {
      await replayHandshake(live, record, undefined);
      const catalogue = await listCatalogue(live, undefined);
      this.buildFingerprint = createHash('sha256').update(JSON.stringify([this.options.serverVersion, catalogue.hashes])).digest('base64url').slice(0, 22);
    } finally {
      await live.close();
    }
  }

  /** Serves an initialize: persists the session before the client can learn its id, so any instance can serve what follows. */
  async create(request: Request, message: { params: Record<string, unknown> }, principal: string, authInfo?: AuthInfo): Promise<Response> {
    const id = mintSessionId();
    const now = Date.now();
    const protocolVersion = negotiatedVersion(message.params.protocolVersion);
    await this.store.sessions.create({
      id,
      principal,
      protocolVersion,
      initializeParams: message.params,
      logLevel: null,
      subscriptions: [],
      createdAt: new Date(now),
      expiresAt: new Date(now + this.options.idleTimeoutMs),
      deploymentId: this.deploymentId,
      meta: { lastDeploymentId: this.deploymentId, build: this.buildFingerprint, serverVersion: this.options.serverVersion },
    });
    const live = await this.build(id, principal, protocolVersion, now + this.options.idleTimeoutMs, clientIdentityOf(message.params.clientInfo));
    const response = await live.handle(request, message, authInfo);
    if (response.status !== 200) {
      // The SDK refused the handshake (bad headers or params): the id never reached the client.
      await live.close().catch(() => {});
      await this.store.sessions.terminate(id, new Date()).catch(() => {});
      return response;
    }
    this.insert(live);
    this.observer.created?.(live);
    // The baseline for noticing, after a deploy, that the tool list changed. Off the critical path.
    void listCatalogue(live, authInfo)
      .then((catalogue) => {
        live.catalogue = catalogue;
        return this.store.sessions.mergeMeta(id, { lists: catalogue.hashes });
      })
      .catch((error: unknown) => this.observer.error?.(error, 'catalogue'));
    return response;
  }

  /** Finds a session for `principal`: from the cache, or rebuilt from the store. Store failures propagate (the caller answers 503, never 404). */
  async resolve(id: string, principal: string, authInfo?: AuthInfo): Promise<Resolution> {
    const now = Date.now();
    const cached = this.live.get(id);
    if (cached && !cached.stale && now < cached.expiresAt) {
      if (cached.principal !== principal) return this.reject('wrong_principal', id);
      if (this.options.verifyEachRequest) {
        const status = await this.statusChecks.check(id);
        if (!status || status.terminatedAt) {
          this.drop(id);
          return this.reject(status ? 'terminated' : 'unknown', id);
        }
        // Another instance may have kept it alive longer than this one knows.
        if (status.expiresAt.getTime() > cached.expiresAt) cached.expiresAt = status.expiresAt.getTime();
      }
      this.touch(cached, now);
      return { ok: true, session: cached };
    }
    const record = await this.store.sessions.get(id);
    if (!record) return this.reject('unknown', id);
    if (record.principal !== principal) return this.reject('wrong_principal', id);
    if (record.terminatedAt) return this.reject('terminated', id);
    if (record.expiresAt.getTime() <= now) {
      if (cached) this.drop(id);
      return this.reject('expired', id);
    }
    let session = this.live.get(id);
    if (session) {
      session.stale = false;
      session.expiresAt = Math.max(session.expiresAt, record.expiresAt.getTime());
    } else {
      // Concurrent first requests after a restart share one rebuild.
      let pending = this.rebuilding.get(id);
      if (!pending) {
        pending = this.rehydrate(record, authInfo).finally(() => this.rebuilding.delete(id));
        this.rebuilding.set(id, pending);
      }
      session = await pending;
    }
    this.touch(session, Date.now());
    return { ok: true, session };
  }

  /** DELETE: durable first, then every instance is told to drop its copy. */
  async terminate(id: string, principal: string): Promise<{ ok: true } | Rejection> {
    const record = await this.store.sessions.get(id);
    if (!record) return this.reject('unknown', id);
    if (record.principal !== principal) return this.reject('wrong_principal', id);
    if (record.terminatedAt) return this.reject('terminated', id);
    if (record.expiresAt.getTime() <= Date.now()) return this.reject('expired', id);
    await this.store.sessions.terminate(id, new Date());
    this.drop(id);
    this.observer.terminated?.(id, Date.now() - record.createdAt.getTime());
    await this.store.db.notify(TERMINATED_CHANNEL, id).catch((error: unknown) => this.observer.error?.(error, 'notify termination'));
    return { ok: true };
  }

  /** A session's state without rebuilding it: for health checks. Another principal's session is `unknown`. */
  async inspect(id: string, principal: string): Promise<{ status: 'valid' | 'unknown' | 'expired' | 'terminated'; expiresAt?: Date; live: boolean }> {
    const record = await this.store.sessions.get(id);
    const live = this.live.has(id);
    if (!record || record.principal !== principal) return { status: 'unknown', live: false };
    if (record.terminatedAt) return { status: 'terminated', live };
    const expiresAt = new Date(Math.max(record.expiresAt.getTime(), this.live.get(id)?.expiresAt ?? 0));
    if (expiresAt.getTime() <= Date.now()) return { status: 'expired', expiresAt, live };
    return { status: 'valid', expiresAt, live };
  }

  /** Every session live in this process (drain). */
  liveSessions(): LiveSession[] {
    return [...this.live.values()];
  }

  /** Records what a rebuilt session must re-apply: the log level and resource subscriptions. */
  async remember(session: LiveSession, message: { method?: unknown; params?: unknown }): Promise<void> {
    const params = (message.params ?? {}) as Record<string, unknown>;
    switch (message.method) {
      case 'logging/setLevel':
        if (typeof params.level === 'string' && LOG_LEVELS.has(params.level)) {
          await this.store.sessions.setLogLevel(session.id, params.level);
        }
        break;
      case 'resources/subscribe':
        if (typeof params.uri === 'string') await this.store.sessions.addSubscription(session.id, params.uri);
        break;
      case 'resources/unsubscribe':
        if (typeof params.uri === 'string') await this.store.sessions.removeSubscription(session.id, params.uri);
        break;
    }
  }

  /** Flushes batched writes and closes every live session. */
  async close(): Promise<void> {
    await this.unlisten?.().catch(() => {});
    await this.activity.stop();
    const sessions = [...this.live.values()];
    this.live.clear();
    await Promise.allSettled(sessions.map((s) => s.close()));
  }

  /** Flushes pending last-active updates (drain, tests). */
  flushActivity(): Promise<void> {
    return this.activity.flush();
  }

  private async rehydrate(record: SessionRecord, authInfo: AuthInfo | undefined): Promise<LiveSession> {
    const started = performance.now();
    const live = await this.build(
      record.id,
      record.principal,
      record.protocolVersion,
      record.expiresAt.getTime(),
      clientIdentityOf(record.initializeParams.clientInfo),
    );
    try {
      await replayHandshake(live, record, authInfo);
      if ((record.meta as SeenMeta).build !== this.buildFingerprint) await this.prepareAnnouncement(live, record, authInfo);
    } catch (error) {
      await live.close().catch(() => {});
      throw error;
    }
    this.insert(live);
    this.observer.rehydrated?.(live, record, performance.now() - started);
    return live;
  }

  /**
   * The session was last served by another build: tell the client what it
   * can see changed (the server's version, its tool/prompt/resource lists),
   * and nothing at all when nothing did.
   */
  private async prepareAnnouncement(live: LiveSession, record: SessionRecord, authInfo: AuthInfo | undefined): Promise<void> {
    const catalogue = await listCatalogue(live, authInfo);
    live.catalogue = catalogue;
    const seen = record.meta as SeenMeta;
    const fromVersion = typeof seen.serverVersion === 'string' ? seen.serverVersion : undefined;
    const changed = catalogue.changedSince(seen.lists);
    if (changed.length > 0 || (fromVersion !== undefined && fromVersion !== this.options.serverVersion)) {
      const previous = typeof record.meta.lastDeploymentId === 'string' ? record.meta.lastDeploymentId : record.deploymentId;
      const announcement: Announcement = {
        fromDeployment: previous,
        toDeployment: this.deploymentId,
        ...(fromVersion !== undefined && { fromVersion }),
        toVersion: this.options.serverVersion,
        changed,
        sendMessage: record.logLevel === null || QUIET_LEVELS.has(record.logLevel) === false,
      };
      live.announce(announcement);
      this.observer.announced?.(live, announcement);
    }
    void this.store.sessions
      .mergeMeta(record.id, { lastDeploymentId: this.deploymentId, build: this.buildFingerprint, serverVersion: this.options.serverVersion, lists: catalogue.hashes })
      .catch((error: unknown) => this.observer.error?.(error, 'record deployment'));
  }

  private async build(
    id: string,
    principal: string,
    protocolVersion: string,
    expiresAt: number,
    client: ClientIdentity | undefined,
  ): Promise<LiveSession> {
    const server = await this.buildServer({ era: 'legacy', principal, sessionId: id, ...(client && { client }) });
    const events = new SessionEventStore(id, this.writer, this.store.events, this.observer.replayed);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => id,
      eventStore: events,
      retryInterval: this.options.retryIntervalMs,
      enableJsonResponse: this.options.responseMode === 'json',
      maxRequestBodySize: this.options.maxBodyBytes,
    });
    await server.connect(transport);
    return new LiveSession(id, principal, protocolVersion, expiresAt, server, transport, events, this.instanceId);
  }

  private touch(session: LiveSession, now: number): void {
    // Move to the most-recently-used end.
    this.live.delete(session.id);
    this.live.set(session.id, session);
    const expiresAt = now + this.options.idleTimeoutMs;
    // Re-marking at most every 1/10 of the idle timeout (max 1 s) keeps the hot path to a Map lookup.
    if (expiresAt - session.expiresAt < this.touchGranularityMs) return;
    session.expiresAt = expiresAt;
    this.activity.mark({ id: session.id, lastActiveAt: new Date(now), expiresAt: new Date(expiresAt) });
  }

  private insert(session: LiveSession): void {
    this.live.set(session.id, session);
    if (this.live.size <= this.options.maxLiveSessions) return;
    for (const [id, candidate] of this.live) {
      if (this.live.size <= this.options.maxLiveSessions) break;
      // Busy sessions (requests in flight, open streams) stay; the cache may overshoot until they go idle.
      if (candidate.busy || candidate === session) continue;
      this.live.delete(id);
      void candidate.close().catch(() => {});
      this.observer.evicted?.(id);
    }
  }

  private drop(id: string): void {
    const session = this.live.get(id);
    this.activity.forget(id);
    if (!session) return;
    this.live.delete(id);
    void session.close().catch(() => {});
  }

  private markAllStale(): void {
    for (const session of this.live.values()) session.stale = true;
  }

  private reject(reason: Exclude<RejectionReason, 'missing'>, id: string): Rejection {
    this.observer.rejected?.(reason, id);
    return { ok: false, reason };
  }
}

/** Levels above info: a client that set one of these does not want an info notice. */
const QUIET_LEVELS = new Set(['notice', 'warning', 'error', 'critical', 'alert', 'emergency']);
const LOG_LEVELS = new Set(['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency']);
