/**
 * `share`: a few children serving every session of one principal, for
 * stdio servers that keep no per-client state. Requests go to the least busy
 * ready child (a new one is started while all are busy and the pool is not
 * full). Ids are the channel's, so answers never cross sessions; what a child
 * sends on its own is routed by its progress token, else to the one session
 * with requests in flight on that child; list changes go to every session;
 * anything else cannot be placed and is refused (requests) or dropped
 * (notifications), and reported.
 */
import { isJSONRPCRequest, type InitializeRequestParams, type InitializeResult, type JSONRPCResponse } from '@modelcontextprotocol/client';
import type { RequestDescription } from '../../client/errors.js';
import { raceAbort } from '../upstream/wait.js';
import type { UpstreamMessage } from '../upstream/types.js';
import type { Pending } from './channel.js';
import type { StdioChild } from './child.js';
import { startChild } from './establish.js';
import { IdleTimer } from './idle.js';
import type { ChildSupervisor } from './supervisor.js';

/** What the pool needs from a session that uses it. */
export interface PoolMember {
  /** A message from a child for this session's client. */
  receive(message: UpstreamMessage, related: Pending | undefined): void;
}

export class SharedPool {
  readonly principal: string;
  readonly #supervisor: ChildSupervisor;
  readonly #size: number;
  readonly #closing = new AbortController();
  readonly #children = new Map<StdioChild, IdleTimer>();
  readonly #members = new Set<PoolMember>();
  #starting: Promise<StdioChild> | undefined;
  #result: InitializeResult | undefined;

  constructor(supervisor: ChildSupervisor, principal: string, size: number) {
    this.#supervisor = supervisor;
    this.principal = principal;
    this.#size = size;
  }

  /** The InitializeResult of this pool's children, once one has started. */
  get result(): InitializeResult | undefined {
    return this.#result;
  }

  join(member: PoolMember): void {
    this.#members.add(member);
  }

  leave(member: PoolMember): void {
    this.#members.delete(member);
  }

  /** A ready child for one request: the least busy, or a new one while all are busy and the pool has room. */
  async acquire(signal: AbortSignal, request: RequestDescription, params: InitializeRequestParams): Promise<StdioChild> {
    // A child on its way out (idle, or its server gone) no longer serves, nor takes a place in the pool.
    const ready = [...this.#children.keys()].filter((child) => child.usable);
    let best: StdioChild | undefined;
    for (const child of ready) if (!best || child.channel.load < best.channel.load) best = child;
    const room = ready.length < this.#size;
    if (best && (best.channel.load === 0 || !room || this.#starting)) return this.#hold(best);
    this.#starting ??= this.#start(params, request).finally(() => (this.#starting = undefined));
    try {
      return this.#hold(await raceAbort(this.#starting, signal));
    } catch (error) {
      // No room for another child (or it failed to start) while one is ready: that one serves.
      if (!best || signal.aborted) throw error;
      return this.#hold(best);
    }
  }

  get config(): ChildSupervisor['config'] {
    return this.#supervisor.config;
  }

  /** A request ended: children with nothing in flight start their idle wait. */
  settle(): void {
    for (const [child, idle] of this.#children) idle.done(child.channel.load === 0 && child.channel.awaitingReplies === 0);
  }

  /** The client's answer to a request of one of the children (the id names the child). */
  reply(message: JSONRPCResponse): boolean {
    for (const child of this.#children.keys()) if (child.channel.reply(message)) return true;
    return false;
  }

  async #start(params: InitializeRequestParams, request: RequestDescription): Promise<StdioChild> {
    const { child, result } = await startChild(
      {
        supervisor: this.#supervisor,
        owner: { principal: this.principal },
        params,
        closing: this.#closing.signal,
        route: (message, related, child) => this.#route(child, message, related),
        emit: () => undefined, // start attempts are reported per child by the supervisor's events
      },
      request,
    );
    this.#result ??= result;
    const idle = new IdleTimer(this.#supervisor.config.idleTimeoutMs, () => {
      if (child.channel.load === 0 && child.channel.awaitingReplies === 0) void child.stop(`idle for ${this.#supervisor.config.idleTimeoutMs} ms`);
    });
    this.#children.set(child, idle);
    void child.exited.then(() => {
      idle.cancel();
      this.#children.delete(child);
    });
    return child;
  }

  #hold(child: StdioChild): StdioChild {
    this.#children.get(child)?.busy();
    return child;
  }

  #route(child: StdioChild, message: UpstreamMessage, related: Pending | undefined): void {
    if (message.method.endsWith('/list_changed')) {
      for (const member of this.#members) member.receive(message, undefined);
      return;
    }
    const progress = message.method === 'notifications/progress';
    const owners = new Set([...child.channel.pending].map((p) => p.owner));
    const owner = progress ? related?.owner : owners.size === 1 ? [...owners][0] : undefined;
    const member = [...this.#members].find((m) => m === owner);
    if (member) return member.receive(message, related?.owner === member ? related : undefined);
    this.#supervisor.report({ type: 'child_unroutable', ...child.ref, method: message.method });
    if (isJSONRPCRequest(message)) {
      child.channel.reply({ jsonrpc: '2.0', id: message.id, error: { code: -32603, message: 'durable-mcp gateway: this child serves several clients (share) and cannot tell which one this request is for' } });
    }
  }
}

/** One pool per principal, made on first use. */
export class SharedChildren {
  readonly #supervisor: ChildSupervisor;
  readonly #size: number;
  readonly #pools = new Map<string, SharedPool>();

  constructor(supervisor: ChildSupervisor, size: number) {
    this.#supervisor = supervisor;
    this.#size = size;
  }

  forPrincipal(principal: string): SharedPool {
    let pool = this.#pools.get(principal);
    if (!pool) this.#pools.set(principal, (pool = new SharedPool(this.#supervisor, principal, this.#size)));
    return pool;
  }
}
