/**
 * A front session served by its principal's shared children (`share`): the
 * same public face as StdioUpstreamSession (UpstreamLink), for stdio servers
 * that keep no per-client state. What a child would hold for one client is
 * kept here instead: the log level is acknowledged and kept (a child serving
 * several clients cannot have one each), and resource subscriptions are not
 * offered (the `subscribe` capability is removed from the InitializeResult).
 */
import { randomUUID } from 'node:crypto';
import type { InitializeResult, JSONRPCNotification, JSONRPCRequest, JSONRPCResponse, RequestId } from '@modelcontextprotocol/client';
import { SessionState } from '../../client/session-state.js';
import { UpstreamCatalog } from '../upstream/catalog.js';
import { UpstreamClosedError } from '../upstream/errors.js';
import { guardedHooks } from '../upstream/hooks.js';
import { Lifecycle } from '../upstream/lifecycle.js';
import { linkOf, snapshotOf } from '../upstream/snapshot.js';
import type { FrontIdentity, UpstreamEra, UpstreamHooks, UpstreamMessage, UpstreamRequestOptions, UpstreamSnapshot, UpstreamState } from '../upstream/types.js';
import { Stopper } from '../upstream/wait.js';
import type { Pending } from './channel.js';
import type { StdioChild } from './child.js';
import { relayToChild, type StdioRelayHost } from './relay.js';
import type { UpstreamLink } from '../link.js';
import type { PoolMember, SharedPool } from './shared-pool.js';
import type { ChildOwner } from './types.js';

export interface SharedSessionOptions {
  pool: SharedPool;
  client: FrontIdentity;
  snapshot?: UpstreamSnapshot;
  hooks?: UpstreamHooks;
  owner?: ChildOwner;
}

/** Without `subscribe`: a shared child cannot keep subscriptions apart. */
function forSharing(result: InitializeResult): InitializeResult {
  const resources = result.capabilities.resources;
  if (!resources?.subscribe) return result;
  const { subscribe: _dropped, ...rest } = resources;
  return { ...result, capabilities: { ...result.capabilities, resources: rest } };
}

export class SharedStdioSession implements PoolMember, UpstreamLink {
  readonly #pool: SharedPool;
  readonly #identity: FrontIdentity;
  readonly #hooks: Required<UpstreamHooks>;
  readonly #catalog: UpstreamCatalog;
  readonly #state = new SessionState();
  readonly #lifecycle: Lifecycle;
  readonly #closing = new AbortController();
  readonly #inflight = new Map<RequestId, Stopper>();
  readonly #host: StdioRelayHost;
  readonly #idPrefix = `durable-mcp-gateway-${randomUUID().slice(0, 8)}-`;
  #ids = 0;
  #result: InitializeResult | undefined;
  readonly #generation: number;

  constructor(options: SharedSessionOptions) {
    this.#pool = options.pool;
    this.#identity = options.client;
    this.#hooks = guardedHooks(options.hooks);
    this.#lifecycle = new Lifecycle(this.#hooks.onEvent);
    this.#catalog = new UpstreamCatalog(options.snapshot);
    const logLevel = options.client.logLevel ?? options.snapshot?.logLevel;
    if (logLevel !== undefined) this.#state.observe('logging/setLevel', { level: logLevel });
    this.#generation = options.snapshot?.generation ?? 1;
    this.#host = {
      config: options.pool.config,
      catalog: this.#catalog,
      state: this.#state,
      owner: this,
      ready: (signal, request) => this.#acquire(signal, request),
      nextId: () => `${this.#idPrefix}${++this.#ids}`,
      emit: (event) => this.#hooks.onEvent(event),
      deliver: (message, related) => this.#hooks.onMessage(message, related),
      persist: () => this.#persist(),
    };
    this.#pool.join(this);
    if (options.snapshot) {
      this.#result = linkOf(options.snapshot).result;
      this.#lifecycle.to('ready', 'restored from snapshot', undefined, this.#generation);
    }
  }

  get status(): UpstreamState {
    return this.#lifecycle.state;
  }

  get era(): UpstreamEra | undefined {
    return this.#result ? 'legacy' : undefined;
  }

  get snapshot(): UpstreamSnapshot | undefined {
    const result = this.#result;
    if (!result) return undefined;
    return snapshotOf({ era: 'legacy', sessionId: undefined, protocolVersion: result.protocolVersion, result, generation: this.#generation }, this.#catalog, this.#state);
  }

  async initialize(signal?: AbortSignal): Promise<InitializeResult> {
    if (this.#result) return this.#result;
    if (this.#lifecycle.state === 'closed') throw new UpstreamClosedError({ method: 'initialize' }, false);
    if (this.#lifecycle.state === 'idle') this.#lifecycle.to('initializing', 'first use', undefined, this.#generation);
    try {
      await this.#acquire(signal ?? this.#closing.signal, { method: 'initialize' });
      this.#pool.settle();
    } catch (error) {
      if (this.#lifecycle.state === 'initializing') this.#lifecycle.to('idle', `start failed: ${String(error)}`, undefined, this.#generation);
      throw error;
    }
    // Set by the first child of the pool to start, which the acquire above waited for.
    const result = this.#pool.result;
    if (!result) throw new UpstreamClosedError({ method: 'initialize' }, false);
    this.#result = forSharing(result);
    if (this.#lifecycle.state === 'initializing') this.#lifecycle.to('ready', 'initialized (shared children)', undefined, this.#generation);
    this.#persist();
    return this.#result;
  }

  request(message: JSONRPCRequest, options: UpstreamRequestOptions = {}): Promise<JSONRPCResponse> {
    if (message.method === 'initialize') return this.initialize(options.signal).then((result) => ({ jsonrpc: '2.0', id: message.id, result }));
    if (message.method === 'logging/setLevel') {
      this.#state.observe(message.method, message.params);
      this.#persist();
      return Promise.resolve({ jsonrpc: '2.0', id: message.id, result: {} });
    }
    if (message.method === 'resources/subscribe' || message.method === 'resources/unsubscribe') {
      return Promise.resolve({ jsonrpc: '2.0', id: message.id, error: { code: -32601, message: `${message.method} is not offered: this server runs in shared children (share)` } });
    }
    const stopper = new Stopper(this.#pool.config.requestTimeoutMs, [
      [options.signal, 'caller'],
      [this.#closing.signal, 'closed'],
    ]);
    this.#inflight.set(message.id, stopper);
    return relayToChild(this.#host, message, options, stopper).finally(() => {
      stopper.dispose();
      if (this.#inflight.get(message.id) === stopper) this.#inflight.delete(message.id);
      this.#pool.settle();
    });
  }

  async notify(message: JSONRPCNotification): Promise<boolean> {
    if (message.method === 'notifications/initialized') return true;
    if (message.method !== 'notifications/cancelled') return false; // nothing else a shared child can take from one client
    const id = message.params?.requestId;
    const stopper = typeof id === 'string' || typeof id === 'number' ? this.#inflight.get(id) : undefined;
    stopper?.stop('cancelled');
    return stopper !== undefined;
  }

  async reply(message: JSONRPCResponse): Promise<void> {
    if (!this.#pool.reply(message)) throw new UpstreamClosedError({ method: 'reply' }, false);
    this.#pool.settle();
  }

  /** Leaves the pool; the children go on serving the principal's other sessions. */
  close(): void {
    if (this.#lifecycle.state === 'closed') return;
    this.#lifecycle.to('closed', 'closed by the front', undefined, this.#generation);
    this.#closing.abort(new UpstreamClosedError(undefined, false));
    this.#pool.leave(this);
  }

  async terminate(): Promise<void> {
    this.close();
  }

  receive(message: UpstreamMessage, related: Pending | undefined): void {
    if (message.method === 'notifications/tools/list_changed') this.#catalog.markStale();
    if (related?.onRelated) related.onRelated(message);
    else this.#hooks.onMessage(message);
  }

  #acquire(signal: AbortSignal, request: { method: string; tool?: string }): Promise<StdioChild> {
    if (this.#lifecycle.state === 'closed') return Promise.reject(new UpstreamClosedError(request, false));
    return this.#pool.acquire(signal, request, this.#identity.initialize);
  }

  #persist(): void {
    const snapshot = this.snapshot;
    if (snapshot) this.#hooks.onSnapshot(snapshot);
  }
}
