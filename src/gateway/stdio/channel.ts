/**
 * JSON-RPC over one child's stdin and stdout, framed by the SDK (ReadBuffer,
 * serializeMessage: newline-delimited JSON). Every id that crosses it is
 * translated, so that neither side can confuse two conversations:
 *
 * - requests to the child get the child's own numeric ids (so the requests
 *   of several sessions sharing a child, and the gateway's own, never
 *   collide), and a progress token becomes that id, which also tells exactly
 *   which request a progress notification belongs to;
 * - requests from the child (sampling, elicitation, roots) get an id unique
 *   in the gateway, so a late answer meant for a child that has since been
 *   replaced can never reach its successor.
 *
 * When the child goes, every pending request fails with ChildGoneError,
 * saying whether it had been written to the child (then it may have run).
 */
import type { Writable } from 'node:stream';
import {
  isJSONRPCErrorResponse,
  isJSONRPCNotification,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  ReadBuffer,
  serializeMessage,
  type JSONRPCMessage,
  type JSONRPCNotification,
  type JSONRPCRequest,
  type JSONRPCResponse,
  type RequestId,
} from '@modelcontextprotocol/client';
import type { UpstreamMessage } from '../upstream/types.js';

/** The child is not there to answer: exited, stopped, or it never started. */
export class ChildGoneError extends Error {
  /** Whether the request had been written to the child (so it may have run). */
  readonly sent: boolean;

  constructor(reason: string, sent: boolean) {
    super(reason);
    this.name = 'ChildGoneError';
    this.sent = sent;
  }
}

export interface Outgoing {
  /** The request as the client sent it (its id and progress token are restored on everything relayed back). */
  message: JSONRPCRequest;
  signal?: AbortSignal;
  /** Messages that belong to this request (its progress, and what arrives while it runs). */
  onRelated?(message: UpstreamMessage): void;
  /** Who sent it (a shared child serves several sessions). */
  owner?: object;
}

export interface Pending extends Outgoing {
  childId: number;
  /**
   * Settles when the write does: true once the whole message is in the pipe (the child may read it), false when
   * the write failed (EPIPE: nobody had the pipe open to read it, so it did not run).
   */
  delivered: Promise<boolean>;
  resolve(response: JSONRPCResponse): void;
  reject(error: unknown): void;
}

export interface ChannelEvents {
  /** A notification or request from the child. `related`: the pending request it belongs to, when known. */
  message(message: UpstreamMessage, related: Pending | undefined): void;
  /** stdout carried something that is not JSON-RPC (skipped). */
  protocol(detail: string): void;
  /** Nobody reads the child's stdin any more (EPIPE): its server is gone, whatever the process table says yet. */
  broken(detail: string): void;
}

export class ChildChannel {
  readonly #stdin: Writable;
  readonly #buffer: ReadBuffer;
  readonly #events: ChannelEvents;
  readonly #outwardPrefix: string;
  readonly #pending = new Map<number, Pending>();
  /** Requests from the child, by the id the client sees, to the child's own id. */
  readonly #fromChild = new Map<string, RequestId>();
  #nextId = 0;
  #nextOutward = 0;
  #closed: string | undefined;

  constructor(stdin: Writable, maxMessageBytes: number, child: number, events: ChannelEvents) {
    this.#stdin = stdin;
    this.#buffer = new ReadBuffer({ maxBufferSize: maxMessageBytes });
    this.#events = events;
    this.#outwardPrefix = `durable-mcp-child-${child}-`;
  }

  /** Requests written and not answered, oldest first. */
  get pending(): IterableIterator<Pending> {
    return this.#pending.values();
  }

  /** Requests written and not answered. */
  get load(): number {
    return this.#pending.size;
  }

  /** Server-to-client requests still waiting for the client's answer. */
  get awaitingReplies(): number {
    return this.#fromChild.size;
  }

  /** A chunk of the child's stdout. Throws when one message exceeds the size bound (the caller stops the child). */
  feed(chunk: Buffer): void {
    this.#buffer.append(chunk);
    for (;;) {
      let message: JSONRPCMessage | null;
      try {
        message = this.#buffer.readMessage();
      } catch (error) {
        // Valid JSON that is not a JSON-RPC message; plain text lines are skipped by ReadBuffer itself.
        this.#events.protocol(error instanceof Error ? error.message.slice(0, 200) : String(error));
        continue;
      }
      if (message === null) return;
      this.#receive(message);
    }
  }

  request(outgoing: Outgoing): Promise<JSONRPCResponse> {
    return new Promise<JSONRPCResponse>((resolve, reject) => {
      if (this.#closed !== undefined) return reject(new ChildGoneError(this.#closed, false));
      const signal = outgoing.signal;
      if (signal?.aborted) return reject(signal.reason);
      const childId = ++this.#nextId;
      const onAbort = () => {
        if (!this.#pending.delete(childId)) return;
        // The child may still be working on it: tell it to stop, as a client would.
        this.#write({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: childId, reason: 'the gateway stopped waiting' } });
        reject(signal?.reason);
      };
      let written!: (delivered: boolean) => void;
      const entry: Pending = {
        ...outgoing,
        childId,
        delivered: new Promise<boolean>((settle) => (written = settle)),
        resolve: (response) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(response);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      this.#pending.set(childId, entry);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (!this.#write(toChild(outgoing.message, childId), written)) {
        this.#pending.delete(childId);
        entry.reject(new ChildGoneError('the child no longer reads its input', false));
      }
    });
  }

  /** A client notification for the child; a cancellation is translated to the child's id. False when not written. */
  notify(message: JSONRPCNotification, owner?: object): boolean {
    if (message.method === 'notifications/cancelled') {
      const requestId = message.params?.requestId;
      const entry = [...this.#pending.values()].find((p) => p.message.id === requestId && p.owner === owner);
      if (!entry) return false;
      return this.#write({ ...message, params: { ...message.params, requestId: entry.childId } });
    }
    return this.#write(message);
  }

  /** The client's answer to a request of this child. False when it is not one of this child's (it was replaced). */
  reply(message: JSONRPCResponse): boolean {
    const key = String(message.id);
    const original = this.#fromChild.get(key);
    if (original === undefined) return false;
    this.#fromChild.delete(key);
    return this.#write({ ...message, id: original });
  }

  /** The child is gone: everything pending fails, saying whether it had been sent. */
  close(reason: string): void {
    if (this.#closed !== undefined) return;
    this.#closed = reason;
    const entries = [...this.#pending.values()];
    this.#pending.clear();
    this.#fromChild.clear();
    this.#buffer.clear();
    // A write still under way settles either way (Node calls back even when the stream is destroyed).
    for (const entry of entries) void entry.delivered.then((delivered) => entry.reject(new ChildGoneError(reason, delivered)));
  }

  #write(message: JSONRPCMessage, written?: (delivered: boolean) => void): boolean {
    if (this.#closed !== undefined || this.#stdin.destroyed || this.#stdin.writableEnded) return false;
    // Backpressure is left to the pipe and the stream's buffer: requests are bounded by the front, not here.
    this.#stdin.write(serializeMessage(message), (error) => {
      written?.(!error);
      if (error) this.#events.broken(`writing to its stdin failed: ${error.message}`);
    });
    return true;
  }

  #receive(message: JSONRPCMessage): void {
    if (isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) {
      const entry = typeof message.id === 'number' ? this.#pending.get(message.id) : undefined;
      if (!entry) return; // an answer to a request we stopped waiting for (cancelled, timed out)
      this.#pending.delete(entry.childId);
      entry.resolve({ ...message, id: entry.message.id });
      return;
    }
    if (isJSONRPCRequest(message)) {
      const outward = `${this.#outwardPrefix}${++this.#nextOutward}`;
      this.#fromChild.set(outward, message.id);
      this.#events.message({ ...message, id: outward }, this.#latestPending());
      return;
    }
    if (isJSONRPCNotification(message)) this.#notification(message);
  }

  #notification(message: JSONRPCNotification): void {
    const params = message.params;
    if (message.method === 'notifications/progress' && typeof params?.progressToken === 'number') {
      const entry = this.#pending.get(params.progressToken);
      if (!entry) return; // progress of a request nobody waits for any more
      const token = entry.message.params?._meta?.progressToken;
      this.#events.message({ ...message, params: { ...params, progressToken: token ?? params.progressToken } }, entry);
      return;
    }
    if (message.method === 'notifications/cancelled' && params?.requestId !== undefined) {
      // The child gave up one of its own requests: name it as the client knows it.
      const outward = [...this.#fromChild].find(([, original]) => original === params.requestId)?.[0];
      if (outward === undefined) return;
      this.#fromChild.delete(outward);
      this.#events.message({ ...message, params: { ...params, requestId: outward } }, this.#latestPending());
      return;
    }
    this.#events.message(message, this.#latestPending());
  }

  /**
   * Over stdio nothing says which request a notification or a server request
   * belongs to (progress aside). The one most recently sent is the best
   * guess: its response stream is open, and every stream of a session
   * reaches the same client.
   */
  #latestPending(): Pending | undefined {
    let latest: Pending | undefined;
    for (const entry of this.#pending.values()) latest = entry;
    return latest;
  }
}

/** The request as the child sees it: its own id, and that id as the progress token when the client asked for progress. */
function toChild(message: JSONRPCRequest, childId: number): JSONRPCRequest {
  const meta = message.params?._meta;
  if (meta?.progressToken === undefined) return { ...message, id: childId };
  return { ...message, id: childId, params: { ...message.params, _meta: { ...meta, progressToken: childId } } };
}
