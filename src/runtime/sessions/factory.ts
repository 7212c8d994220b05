import { randomUUID } from 'node:crypto';
import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS, WebStandardStreamableHTTPServerTransport, type AuthInfo } from '@modelcontextprotocol/server';
import type { SessionRecord, Store } from '../../store/index.js';
import { clientIdentityOf } from '../app-server.js';
import type { EventWriter } from '../events/event-writer.js';
import { SessionEventStore } from '../events/session-event-store.js';
import type { InFlight } from '../in-flight.js';
import { announcementFor, buildFingerprint, seenBuild, type Announcement } from './announcement.js';
import type { SessionBackendFactory } from './backend.js';
import { listCatalogue } from './catalogue.js';
import { replayHandshake } from './handshake.js';
import { Session } from './session.js';
import { SessionLife, type TransitionObserver } from './states.js';

export interface SessionFactoryOptions {
  store: Store;
  backends: SessionBackendFactory;
  writer: EventWriter;
  inFlight: InFlight;
  deploymentId: string;
  instanceId: string;
  /** The server version clients see in serverInfo: a change is announced to returning sessions. */
  serverVersion: string;
  responseMode: 'sse' | 'json';
  retryIntervalMs: number;
  maxBodyBytes: number;
  /**
   * Whether the runtime lists each session's catalogue itself: warm-up and build fingerprint, deployment
   * notices to returning sessions, the drain's retry advice. Off for a backend that watches its own lists
   * (the gateway's upstream side). Default true.
   */
  catalogue?: boolean;
  observe: TransitionObserver;
  onAnnounced?: (session: Session, announcement: Announcement) => void;
  onReplayed?: (count: number) => void;
  onError: (error: unknown, context: string) => void;
}

/** What building a session needs of its record. */
export type BuildRecord = Pick<SessionRecord, 'id' | 'principal' | 'protocolVersion' | 'initializeParams' | 'logLevel' | 'subscriptions' | 'meta' | 'route'>;

const LEGACY_VERSIONS = SUPPORTED_PROTOCOL_VERSIONS.filter((v) => v < '2026-07-28');

/** The version the SDK's initialize handler will pick, computed up front so the record is complete before the client learns its id. */
export function negotiatedVersion(requested: unknown): string {
  return typeof requested === 'string' && LEGACY_VERSIONS.includes(requested) ? requested : (LEGACY_VERSIONS[0] ?? LATEST_PROTOCOL_VERSION);
}

/**
 * Builds Session objects: a backend behind a fresh SDK transport, for a new
 * session or one rebuilt from its record (handshake replayed, and told about
 * an upgrade when the build it last saw differs in what a client can see).
 */
export class SessionFactory {
  /** This build as a client sees it (see buildFingerprint); random until the warm-up listed the catalogue. */
  #fingerprint = `unknown-${randomUUID()}`;

  constructor(private readonly options: SessionFactoryOptions) {}

  get fingerprint(): string {
    return this.#fingerprint;
  }

  get deploymentId(): string {
    return this.options.deploymentId;
  }

  /** The record's `meta` for a new session: what it has seen so far is this build. */
  freshMeta(): Record<string, unknown> {
    return { lastDeploymentId: this.options.deploymentId, build: this.#fingerprint, serverVersion: this.options.serverVersion };
  }

  /** Whether the runtime lists catalogues (see the option). */
  get listsCatalogue(): boolean {
    return this.options.catalogue !== false;
  }

  async build(
    state: 'creating' | 'rebuilding',
    record: BuildRecord,
    expiresAt: number,
    observe: TransitionObserver = this.options.observe,
  ): Promise<Session> {
    const o = this.options;
    const client = clientIdentityOf(record.initializeParams.clientInfo);
    const { initializeParams, logLevel, subscriptions, meta, route } = record;
    const backend = await o.backends({
      principal: record.principal,
      sessionId: record.id,
      ...(client && { client }),
      route,
      origin: state === 'creating' ? 'created' : 'rebuilt',
      record: { protocolVersion: record.protocolVersion, initializeParams, logLevel, subscriptions, meta },
    });
    const events = new SessionEventStore(record.id, o.writer, o.store.events, o.onReplayed);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => record.id,
      enableJsonResponse: o.responseMode === 'json',
      eventStore: events,
      retryInterval: o.retryIntervalMs,
      maxRequestBodySize: o.maxBodyBytes,
    });
    const who = { sessionId: record.id, principal: record.principal, protocolVersion: record.protocolVersion };
    const session = new Session({
      id: record.id,
      principal: record.principal,
      route,
      protocolVersion: record.protocolVersion,
      expiresAt,
      life: new SessionLife(state, who, observe),
      backend,
      transport,
      events,
      inFlight: o.inFlight,
      instanceId: o.instanceId,
    });
    await session.connect();
    return session;
  }

  /** Rebuilds a stored session in this process. The caller inserts it into the cache. */
  async rehydrate(record: SessionRecord, authInfo: AuthInfo | undefined): Promise<Session> {
    const started = performance.now();
    const session = await this.build('rebuilding', record, record.expiresAt.getTime());
    try {
      await replayHandshake(session, record, authInfo);
      if (this.listsCatalogue && seenBuild(record).build !== this.#fingerprint) await this.#compareBuilds(session, record, authInfo);
    } catch (error) {
      await session.close('failed', { error });
      throw error;
    }
    session.transition('live', { durationMs: performance.now() - started, createdByDeployment: record.deploymentId });
    return session;
  }

  /**
   * The first rebuild after a restart would otherwise pay for compiling the
   * whole rebuild path (session read, backend and transport, handshake
   * replay, catalogue listing): tens of ms, on the first request of whichever
   * client comes back first. One throwaway rebuild at start-up pays instead,
   * and its catalogue gives this build's fingerprint. It is never stored,
   * listed or served; an app's register() (and an oninitialized hook) run for
   * it with client name `durable-mcp-warmup`.
   */
  async warmUp(): Promise<void> {
    // A backend that lists for itself may have nothing to answer a session that is not a client's (the gateway
    // would have to reach its upstream before serving anyone).
    if (!this.listsCatalogue) return;
    const version = negotiatedVersion(undefined);
    const record: BuildRecord = {
      id: 'durable-mcp-warmup',
      principal: 'durable-mcp-warmup',
      protocolVersion: version,
      initializeParams: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'durable-mcp-warmup', version: '1.0.0' } },
      logLevel: null,
      subscriptions: [],
      meta: {},
      route: '',
    };
    await this.options.store.sessions.get(record.id);
    // A warm-up session is not a session anyone sees: its transitions are not reported.
    const session = await this.build('rebuilding', record, Date.now(), () => undefined);
    try {
      await replayHandshake(session, record, undefined);
      const catalogue = await listCatalogue(session, undefined);
      this.#fingerprint = buildFingerprint(this.options.serverVersion, catalogue.hashes);
    } finally {
      await session.close('closed');
    }
  }

  /** The session was last served by another build: announce what its client can see changed, and record this build. */
  async #compareBuilds(session: Session, record: SessionRecord, authInfo: AuthInfo | undefined): Promise<void> {
    const o = this.options;
    const catalogue = await listCatalogue(session, authInfo);
    session.catalogue = catalogue;
    const announcement = announcementFor(record, catalogue, { deploymentId: o.deploymentId, serverVersion: o.serverVersion });
    if (announcement) {
      session.announce(announcement);
      o.onAnnounced?.(session, announcement);
    }
    void o.store.sessions
      .mergeMeta(record.id, { ...this.freshMeta(), lists: catalogue.hashes })
      .catch((error: unknown) => o.onError(error, 'record the build a session saw'));
  }
}
