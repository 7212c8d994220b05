/**
 * One front session's stdio server: a child of its own, started on first
 * use and initialized with the session's own stored initialize params. When
 * that child exits, is stopped for idleness, or does not exist yet in this
 * process (the gateway restarted: the session continues from its snapshot),
 * the next request starts a new one, initializes it the same way, replays
 * the log level and subscriptions, tells the front which lists changed, and
 * then sends the request: the client sees none of it. A request that was
 * running in a child that died has an unknown outcome (see relay.ts).
 *
 * The public face is UpstreamSession's (src/gateway/link.ts: UpstreamLink).
 * The session's life is the HTTP side's Lifecycle (idle, initializing,
 * ready, reinitializing, lost, closed); `ready` holds with or without a
 * running child. The child's own life is ChildLifecycle.
 */
import { randomUUID } from 'node:crypto';
import type { InitializeResult, JSONRPCNotification, JSONRPCRequest, JSONRPCResponse, RequestId } from '@modelcontextprotocol/client';
import { RecoveryFailedError, type RequestDescription } from '../../client/errors.js';
import type { SessionState } from '../../client/session-state.js';
import { UpstreamCatalog } from '../upstream/catalog.js';
import { UpstreamCapacityError, UpstreamClosedError, UpstreamRejectedError } from '../upstream/errors.js';
import { guardedHooks } from '../upstream/hooks.js';
import { Lifecycle } from '../upstream/lifecycle.js';
import { clientStateOf, linkOf, snapshotOf } from '../upstream/snapshot.js';
import type { FrontIdentity, RecreateReason, UpstreamEra, UpstreamHooks, UpstreamMessage, UpstreamRequestOptions, UpstreamSnapshot, UpstreamState } from '../upstream/types.js';
import { raceAbort, Stopper } from '../upstream/wait.js';
import type { Pending } from './channel.js';
import type { StdioChild } from './child.js';
import { recheckLists, replayState } from '../upstream/resync.js';
import { ownRequests, startChild } from './establish.js';
import { IdleTimer } from './idle.js';
import { relayToChild, type StdioRelayHost } from './relay.js';
import type { UpstreamLink } from '../link.js';
import type { ChildSupervisor } from './supervisor.js';
import type { ChildOwner } from './types.js';

export interface StdioSessionOptions {
  supervisor: ChildSupervisor;
  client: FrontIdentity;
  snapshot?: UpstreamSnapshot;
  hooks?: UpstreamHooks;
  /** Logged with everything the child does (its stderr included). */
  owner?: ChildOwner;
}

export class StdioUpstreamSession implements UpstreamLink {
  readonly #supervisor: StdioSessionOptions['supervisor'];
  readonly #identity: FrontIdentity;
  readonly #owner: ChildOwner;
  readonly #hooks: Required<UpstreamHooks>;
  readonly #catalog: UpstreamCatalog;
  readonly #state: SessionState;
  readonly #lifecycle: Lifecycle;
  readonly #closing = new AbortController();
  readonly #host: StdioRelayHost;
  readonly #inflight = new Map<RequestId, Stopper>();
  readonly #idle: IdleTimer;
  readonly #idPrefix = `durable-mcp-gateway-${randomUUID().slice(0, 8)}-`;
  #ids = 0;
  #child: StdioChild | undefined;
  #result: InitializeResult | undefined;
  #generation: number;
  #establishing: Promise<StdioChild> | undefined;
  #lostReason: RecreateReason = 'restored';
  #waiting = 0;

  constructor(options: StdioSessionOptions) {
    this.#supervisor = options.supervisor;
    this.#identity = options.client;
    this.#owner = options.owner ?? {};
    this.#hooks = guardedHooks(options.hooks);
    this.#lifecycle = new Lifecycle(this.#hooks.onEvent);
    const snapshot = options.snapshot;
    this.#catalog = new UpstreamCatalog(snapshot);
    this.#state = clientStateOf(options.client, snapshot);
    this.#generation = snapshot?.generation ?? 0;
    this.#idle = new IdleTimer(this.#supervisor.config.idleTimeoutMs, () => this.#idleStop());
    this.#host = {
      config: this.#supervisor.config,
      catalog: this.#catalog,
      state: this.#state,
      owner: this,
      ready: (signal, request) => this.#ready(signal, request),
      nextId: () => `${this.#idPrefix}${++this.#ids}`,
      emit: (event) => this.#hooks.onEvent(event),
      deliver: (message, related) => this.#deliver(message, related),
      persist: () => this.#persist(),
    };
    if (snapshot) {
      this.#result = linkOf(snapshot).result;
      this.#lifecycle.to('ready', 'restored from snapshot (no child in this process yet)', undefined, this.#generation);
    }
  }

  get status(): UpstreamState {
    return this.#lifecycle.state;
  }

  /** Requests waiting for a child to start. */
  get queued(): number {
    return this.#waiting;
  }

  /** A stdio server is spoken to in 2025-era sessions (initialize); there is no 2026-07-28 stdio handshake to use. */
  get era(): UpstreamEra | undefined {
    return this.#result ? 'legacy' : undefined;
  }

  /** The running child's pid, if any (for operators and tests). */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get snapshot(): UpstreamSnapshot | undefined {
    const result = this.#result;
    if (!result) return undefined;
    const link = { era: 'legacy' as const, sessionId: undefined, protocolVersion: result.protocolVersion, result, generation: this.#generation };
    return snapshotOf(link, this.#catalog, this.#state);
  }

  /** Starts the child (or, continuing from a snapshot, answers from it without one) and returns the InitializeResult. */
  async initialize(signal?: AbortSignal): Promise<InitializeResult> {
    if (this.#lifecycle.state === 'ready' && this.#result) return this.#result;
    await this.#ready(signal ?? this.#closing.signal, { method: 'initialize' });
    if (!this.#result) throw new UpstreamClosedError({ method: 'initialize' }, false);
    return this.#result;
  }

  request(message: JSONRPCRequest, options: UpstreamRequestOptions = {}): Promise<JSONRPCResponse> {
    // The child's initialize is the gateway's to send: relayed as-is it would reach an initialized child.
    if (message.method === 'initialize') return this.initialize(options.signal).then((result) => ({ jsonrpc: '2.0', id: message.id, result }));
    const stopper = new Stopper(this.#supervisor.config.requestTimeoutMs, [
      [options.signal, 'caller'],
      [this.#closing.signal, 'closed'],
    ]);
    this.#inflight.set(message.id, stopper);
    this.#idle.busy();
    return relayToChild(this.#host, message, options, stopper).finally(() => {
      stopper.dispose();
      if (this.#inflight.get(message.id) === stopper) this.#inflight.delete(message.id);
      this.#idle.done(this.#quiet());
    });
  }

  /** A client notification; a cancellation ends the local wait, and the child is told by the channel. */
  async notify(message: JSONRPCNotification): Promise<boolean> {
    if (message.method === 'notifications/initialized') return true; // the gateway sends its own to every child
    if (message.method === 'notifications/cancelled') {
      const id = message.params?.requestId;
      const stopper = typeof id === 'string' || typeof id === 'number' ? this.#inflight.get(id) : undefined;
      stopper?.stop('cancelled');
      return stopper !== undefined;
    }
    const child = this.#child;
    return child?.state === 'ready' ? child.channel.notify(message) : false;
  }

  /** The client's answer to a request of the child; refused when that child is gone (its request went with it). */
  async reply(message: JSONRPCResponse): Promise<void> {
    if (!this.#child?.channel.reply(message)) throw new UpstreamClosedError({ method: 'reply' }, false);
    this.#idle.done(this.#quiet());
  }

  /** Stops the child; requests in flight fail with UpstreamClosedError. The session continues elsewhere from its snapshot. */
  async close(): Promise<void> {
    if (this.#lifecycle.state === 'closed') return;
    this.#lifecycle.to('closed', 'closed by the front', undefined, this.#generation);
    this.#closing.abort(new UpstreamClosedError(undefined, false));
    this.#idle.cancel();
    await this.#child?.stop('its session was closed');
  }

  /** The client ended its session: the same as close (a child holds nothing to end beyond its process). */
  terminate(): Promise<void> {
    return this.close();
  }

  // ---- internals ----

  /** Nothing in flight either way: the child may be stopped for idleness (not with subscriptions: it may still notify). */
  #quiet(): boolean {
    return this.#inflight.size === 0 && (this.#child?.channel.awaitingReplies ?? 0) === 0 && this.#state.subscriptions.size === 0;
  }

  #idleStop(): void {
    if (this.#quiet()) void this.#child?.stop(`idle for ${this.#supervisor.config.idleTimeoutMs} ms`);
  }

  #deliver(message: UpstreamMessage, relatedRequestId?: RequestId): void {
    if (message.method === 'notifications/tools/list_changed') this.#catalog.markStale();
    this.#hooks.onMessage(message, relatedRequestId);
  }

  /** Messages from the child: to the request they belong to when known, to the session otherwise. */
  #route(message: UpstreamMessage, related: Pending | undefined): void {
    if (message.method === 'notifications/tools/list_changed') this.#catalog.markStale();
    if (related?.onRelated) related.onRelated(message);
    else this.#deliver(message);
  }

  #persist(): void {
    const snapshot = this.snapshot;
    if (snapshot) this.#hooks.onSnapshot(snapshot);
  }

  async #ready(signal: AbortSignal, request: RequestDescription): Promise<StdioChild> {
    for (;;) {
      if (this.#lifecycle.state === 'closed') throw new UpstreamClosedError(request, false);
      const child = this.#child;
      if (this.#lifecycle.state === 'ready' && child?.usable) return child;
      this.#establishing ??= this.#establish(request).finally(() => (this.#establishing = undefined));
      this.#waiting++;
      try {
        await raceAbort(this.#establishing, signal);
      } finally {
        this.#waiting--;
      }
    }
  }

  async #establish(request: RequestDescription): Promise<StdioChild> {
    const initial = this.#lifecycle.state === 'idle';
    // A child still on its way out (its exit not yet reported) is why a new one is needed.
    const previous = this.#child;
    if (previous) this.#lostReason = previous.stoppedByGateway ? 'child-stopped' : 'child-exited';
    const reason = initial ? 'first use' : `new child (${this.#lostReason})`;
    this.#lifecycle.to(initial ? 'initializing' : 'reinitializing', reason, undefined, this.#generation);
    const started = performance.now();
    let child: StdioChild;
    let result: InitializeResult;
    try {
      ({ child, result } = await startChild(
        { supervisor: this.#supervisor, owner: this.#owner, params: this.#identity.initialize, closing: this.#closing.signal, route: (m, r) => this.#route(m, r), emit: this.#host.emit },
        request,
      ));
    } catch (error) {
      if (this.#lifecycle.state === 'closed') throw new UpstreamClosedError(request, false);
      this.#lifecycle.to(initial ? 'idle' : 'lost', `start failed: ${error instanceof Error ? error.message : String(error)}`, undefined, this.#generation);
      // No room, or the child's own refusal: said as it is, so the front can answer 503 or relay the refusal.
      if (initial || error instanceof UpstreamCapacityError || error instanceof UpstreamRejectedError) throw error;
      throw new RecoveryFailedError(undefined, 0, error);
    }
    const own = ownRequests(child, this.#supervisor.config.startupTimeoutMs, this.#closing.signal, this.#host.nextId);
    const recreated = this.#lostReason;
    const [replayed, listsChanged] = await Promise.all([
      replayState(own, result.capabilities, this.#state, this.#host.emit),
      initial ? Promise.resolve([]) : recheckLists(own, this.#catalog),
    ]);
    if (this.#closing.signal.aborted) {
      await child.stop('its session was closed');
      throw new UpstreamClosedError(request, false);
    }
    this.#child = child;
    this.#result = result;
    this.#generation++;
    void child.exited.then(() => this.#childGone(child));
    this.#lifecycle.to('ready', initial ? 'initialized' : 're-initialized', undefined, this.#generation);
    this.#persist();
    this.#idle.done(this.#quiet());
    if (!initial) {
      const durationMs = Math.round((performance.now() - started) * 100) / 100;
      this.#hooks.onRecreated({ reason: recreated, previousSessionId: undefined, sessionId: undefined, generation: this.#generation, listsChanged, durationMs, replayed });
    }
    return child;
  }

  #childGone(child: StdioChild): void {
    if (this.#child !== child) return;
    this.#child = undefined;
    this.#idle.cancel();
    this.#lostReason = child.stoppedByGateway ? 'child-stopped' : 'child-exited';
  }
}
