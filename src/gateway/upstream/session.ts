/**
 * One front session's connection to its upstream MCP server, relaying
 * JSON-RPC messages as they are. It creates the upstream session in the
 * client's own name, hands back a snapshot to persist, continues from such a
 * snapshot in any process, and when the upstream loses the session makes a
 * new one (same client info and capabilities, state replayed) and sends the
 * refused request again. Requests whose outcome is unknown are repeated only
 * when they cannot change anything (retry-rules.ts, shared with the client).
 * The life cycle is the explicit state machine in lifecycle.ts; requests
 * arriving while a handshake runs wait for it (the queue).
 *
 * Over 300 lines on purpose: this class is the one owner of that life
 * cycle, and every transition it makes is in this file.
 */
import { randomUUID } from 'node:crypto';
import type { InitializeResult, JSONRPCNotification, JSONRPCRequest, JSONRPCResponse, RequestId } from '@modelcontextprotocol/client';
import { anySignal } from '../../client/attempts.js';
import { RecoveryFailedError } from '../../client/errors.js';
import type { SessionState } from '../../client/session-state.js';
import { UpstreamCatalog } from './catalog.js';
import type { ResolvedUpstreamConfig } from './config.js';
import { UpstreamClosedError, UpstreamUnsupportedError } from './errors.js';
import { renew, targetFor, type EstablishDeps, type Renewed } from './establish.js';
import { post, terminate, type ExchangeTarget } from './exchange.js';
import type { Link } from './handshake.js';
import { Lifecycle } from './lifecycle.js';
import { relay, relayReply, type RelayHost } from './relay.js';
import { clientStateOf, linkOf, snapshotOf } from './snapshot.js';
import type { StandaloneStream } from './standalone-stream.js';
import { canBeAsked, openSessionStream } from './session-stream.js';
import { raceAbort, Stopper } from './wait.js';
import { guardedHooks } from './hooks.js';
import type { FrontIdentity, RecreateReason, UpstreamEra, UpstreamHooks, UpstreamMessage, UpstreamRequestOptions, UpstreamSnapshot, UpstreamState } from './types.js';

export interface UpstreamSessionOptions {
  /** From resolveUpstreamConfig(), once per upstream. */
  upstream: ResolvedUpstreamConfig;
  client: FrontIdentity;
  /** What an earlier process persisted: continue that upstream session without a new initialize. */
  snapshot?: UpstreamSnapshot;
  hooks?: UpstreamHooks;
}

export class UpstreamSession {
  readonly #config: ResolvedUpstreamConfig;
  readonly #identity: FrontIdentity;
  readonly #catalog: UpstreamCatalog;
  readonly #state: SessionState;
  /** What relay.ts may use of this session; kept off the public face of the class. */
  readonly #host: RelayHost;
  readonly #lifecycle: Lifecycle;
  readonly #closing = new AbortController();
  readonly #hooks: Required<UpstreamHooks>;
  readonly #inflight = new Map<RequestId, Stopper>();
  readonly #idPrefix = `durable-mcp-gateway-${randomUUID().slice(0, 8)}-`;
  #ids = 0;
  #link: Link | undefined;
  #era: UpstreamEra | undefined;
  #generation: number;
  #establishing: Promise<Link> | undefined;
  #lostReason: RecreateReason = 'not-found';
  #waiting = 0;
  #stream: StandaloneStream | undefined;
  /** Until the standalone stream of the current session has settled (bounded): requests wait for it once. */
  #streamOpening: Promise<void> | undefined;

  constructor(options: UpstreamSessionOptions) {
    this.#config = options.upstream;
    this.#identity = options.client;
    this.#hooks = guardedHooks(options.hooks);
    this.#lifecycle = new Lifecycle(this.#hooks.onEvent);
    const snapshot = options.snapshot;
    this.#catalog = new UpstreamCatalog(snapshot);
    this.#state = clientStateOf(options.client, snapshot);
    this.#generation = snapshot?.generation ?? 0;
    this.#host = {
      config: this.#config,
      identity: this.#identity,
      catalog: this.#catalog,
      state: this.#state,
      closingSignal: this.#closing.signal,
      ready: (signal) => this.#ready(signal),
      recover: (failed, reason) => this.#recover(failed, reason),
      target: (link) => this.#target(link),
      nextId: () => this.#nextId(),
      emit: (event) => this.#hooks.onEvent(event),
      deliver: (message, related) => this.#deliver(message, related),
      persist: () => this.#persist(),
    };
    if (snapshot) this.#restore(snapshot);
  }

  get status(): UpstreamState {
    return this.#lifecycle.state;
  }

  /** Requests waiting for a handshake to finish. */
  get queued(): number {
    return this.#waiting;
  }

  /** The era the upstream is spoken to in, once known. */
  get era(): UpstreamEra | undefined {
    return this.#era;
  }

  /** What to persist now, or undefined before the first upstream session. */
  get snapshot(): UpstreamSnapshot | undefined {
    return this.#link && snapshotOf(this.#link, this.#catalog, this.#state);
  }

  /** Creates the upstream session (or uses the restored one) and returns what to answer the client's initialize with. */
  async initialize(signal?: AbortSignal): Promise<InitializeResult> {
    return (await this.#ready(signal ?? this.#closing.signal, false)).result;
  }

  /** Relays one request and resolves with the upstream's response message (which may be a JSON-RPC error). */
  request(message: JSONRPCRequest, options: UpstreamRequestOptions = {}): Promise<JSONRPCResponse> {
    // The upstream session is the gateway's to make: an initialize relayed as-is would start a second one.
    if (message.method === 'initialize') return this.initialize(options.signal).then((result) => ({ jsonrpc: '2.0', id: message.id, result }));
    const stopper = new Stopper(this.#config.requestTimeoutMs, [
      [options.signal, 'caller'],
      [this.#closing.signal, 'closed'],
    ]);
    this.#inflight.set(message.id, stopper);
    return relay(this.#host, message, options, stopper).finally(() => {
      stopper.dispose();
      if (this.#inflight.get(message.id) === stopper) this.#inflight.delete(message.id);
    });
  }

  /**
   * Relays a client notification. A cancellation also ends the local wait for
   * that request (the upstream will not answer it). Returns whether it was
   * delivered: a notification for a session that is gone has nobody to reach.
   */
  async notify(message: JSONRPCNotification): Promise<boolean> {
    // The gateway sends its own `initialized` at every handshake.
    if (message.method === 'notifications/initialized') return true;
    const cancelled = message.method === 'notifications/cancelled' ? message.params?.requestId : undefined;
    if (typeof cancelled === 'string' || typeof cancelled === 'number') this.#inflight.get(cancelled)?.stop('cancelled');
    const link = this.#usableLink();
    // A 2026-07-28 upstream has no session to address: cancelling is ending the request's stream, done above.
    if (!link || link.era === 'modern') return false;
    try {
      await post(this.#target(link), message, anySignal(AbortSignal.timeout(this.#config.handshakeTimeoutMs), this.#closing.signal));
      return true;
    } catch {
      return false; // reported to the caller by the return value; a notification has no answer to relay
    }
  }

  /** Delivers the client's answer to a server-to-client request; works in any process that has the snapshot. */
  async reply(message: JSONRPCResponse): Promise<void> {
    const link = this.#usableLink();
    if (!link) throw new UpstreamClosedError({ method: 'reply' }, false);
    if (link.era === 'modern') throw new UpstreamUnsupportedError({ method: 'reply' }, '2026-07-28 has no server-to-client requests to answer (input_required results carry them)');
    await relayReply(this.#host, link, message);
  }

  /** Stops everything; requests in flight fail with UpstreamClosedError. The upstream session is left to expire. */
  close(): void {
    if (this.#lifecycle.state === 'closed') return;
    this.#lifecycle.to('closed', 'closed by the front', this.#link?.sessionId, this.#generation);
    this.#closing.abort(new UpstreamClosedError(undefined, false));
    this.#stream?.close();
  }

  /** Closes and ends the upstream session too (DELETE), when the client ended its own. */
  async terminate(): Promise<void> {
    const link = this.#link;
    this.close();
    if (link?.sessionId === undefined) return;
    await terminate(this.#target(link), AbortSignal.timeout(this.#config.handshakeTimeoutMs)).catch(() => undefined); // best effort: it expires anyway
  }

  // ---- what relay.ts uses, through #host ----

  #usableLink(): Link | undefined {
    return this.#lifecycle.state === 'ready' ? this.#link : undefined;
  }

  #target(link: Link): ExchangeTarget {
    return targetFor(this.#config, link.era, link.sessionId, link.protocolVersion);
  }

  #nextId(): string {
    return `${this.#idPrefix}${++this.#ids}`;
  }

  #deliver(message: UpstreamMessage, relatedRequestId?: RequestId): void {
    if (message.method === 'notifications/tools/list_changed') this.#catalog.markStale();
    this.#hooks.onMessage(message, relatedRequestId);
  }

  #persist(): void {
    const snapshot = this.snapshot;
    if (snapshot) this.#hooks.onSnapshot(snapshot);
  }

  /**
   * The current upstream session, waiting for (or starting) a handshake when
   * there is none. A request also waits for a new standalone stream (see
   * #openStream); the client's initialize does not: nothing it starts can be
   * sent there.
   */
  async #ready(signal: AbortSignal, stream = true): Promise<Link> {
    for (;;) {
      const state = this.#lifecycle.state;
      if (state === 'closed') throw new UpstreamClosedError(undefined, false);
      if (state === 'ready' && this.#link) {
        if (!stream || !this.#streamOpening) return this.#link;
        await raceAbort(this.#streamOpening, signal);
        // The upstream may have been lost (or the session replaced) while the stream opened: look again.
        continue;
      }
      const pending = this.#establishing ?? this.#establish(state === 'idle' ? 'first use' : `retry after the upstream was lost`);
      this.#waiting++;
      try {
        await raceAbort(pending, signal);
      } finally {
        this.#waiting--;
      }
    }
  }

  /** `failed` lost its session upstream: replace it, unless that is already done or under way. */
  async #recover(failed: Link, reason: RecreateReason): Promise<void> {
    if (this.#link !== failed || this.#lifecycle.state !== 'ready') return;
    this.#lostReason = reason;
    await this.#establish(`upstream session lost (${reason})`);
  }

  /** `failed` lost its session upstream: the next request makes a new one (without first meeting the 404). */
  #lose(failed: Link, reason: RecreateReason): void {
    if (this.#link !== failed || this.#lifecycle.state !== 'ready') return;
    this.#lostReason = reason;
    this.#link = undefined;
    this.#stream?.close();
    this.#stream = undefined;
    this.#lifecycle.to('lost', `upstream session lost (${reason}); a new one on the next request`, failed.sessionId, this.#generation);
  }

  // ---- internals ----

  #restore(snapshot: UpstreamSnapshot): void {
    this.#era = snapshot.era;
    this.#link = linkOf(snapshot);
    this.#lifecycle.to('ready', 'restored from snapshot', snapshot.sessionId, snapshot.generation);
    this.#openStream(this.#link);
  }

  /** Single flight: every caller during a handshake waits for the same one. */
  #establish(reason: string): Promise<Link> {
    this.#establishing ??= this.#runEstablish(reason).finally(() => {
      this.#establishing = undefined;
    });
    return this.#establishing;
  }

  async #runEstablish(reason: string): Promise<Link> {
    const initial = this.#lifecycle.state === 'idle';
    const previous = this.#link;
    this.#lifecycle.to(initial ? 'initializing' : 'reinitializing', reason, previous?.sessionId, this.#generation);
    const started = performance.now();
    this.#link = undefined;
    this.#stream?.close();
    this.#stream = undefined;
    const deps: EstablishDeps = { config: this.#config, client: this.#identity.initialize, closing: this.#closing.signal, nextId: () => this.#nextId(), emit: this.#hooks.onEvent };
    let renewed: Renewed;
    try {
      // The standalone stream opens alongside the replay and the list checks; requests that need it wait for it in #ready.
      renewed = await renew(deps, this.#era ?? this.#config.era, this.#generation + 1, { catalog: this.#catalog, state: this.#state }, (link) => this.#openStream(link));
    } catch (error) {
      if (this.#lifecycle.state === 'closed') throw new UpstreamClosedError(undefined, false);
      this.#lifecycle.to(initial ? 'idle' : 'lost', `handshake failed: ${error instanceof Error ? error.message : String(error)}`, undefined, this.#generation);
      throw initial ? error : new RecoveryFailedError(undefined, 0, error);
    }
    const { link, replayed, listsChanged } = renewed;
    this.#generation = link.generation;
    if (this.#closing.signal.aborted) throw new UpstreamClosedError(undefined, false);
    this.#era = link.era;
    this.#link = link;
    this.#lifecycle.to('ready', initial ? 'initialized' : 're-initialized', link.sessionId, link.generation);
    this.#persist();
    if (!initial) {
      const durationMs = Math.round((performance.now() - started) * 100) / 100;
      const info = { reason: this.#lostReason, previousSessionId: previous?.sessionId, sessionId: link.sessionId, generation: link.generation };
      this.#hooks.onRecreated({ ...info, listsChanged, durationMs, replayed });
    }
    return link;
  }

  #openStream(link: Link): void {
    if (!this.#config.standaloneStream || link.era !== 'legacy' || link.sessionId === undefined) return;
    const { stream, listening } = openSessionStream(this.#config, this.#target(link), this.#identity.initialize.capabilities, {
      closing: this.#closing.signal,
      nextId: () => this.#nextId(),
      listener: {
        onMessage: (message) => this.#deliver(message),
        onSessionRejected: () => {
          // At once only for a session the upstream may push something to (resource updates, requests to a client
          // that can be asked); any other is re-established by its next request, so an upstream restart does not
          // bring every idle session back at the same moment, a herd on the new process.
          if (this.#state.subscriptions.size === 0 && !canBeAsked(this.#identity.initialize.capabilities)) return this.#lose(link, 'stream-rejected');
          this.#recover(link, 'stream-rejected').catch(() => undefined); // reported through transition events; the next request retries
        },
        onEvent: this.#hooks.onEvent,
      },
    });
    this.#stream = stream;
    const opening = listening?.finally(() => {
      if (this.#streamOpening === opening) this.#streamOpening = undefined;
    });
    this.#streamOpening = opening;
  }
}
