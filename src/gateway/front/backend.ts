/**
 * A durable 2025-era session of the gateway: what answers the session's
 * messages behind its SDK transport is the session's UpstreamLink. Client
 * requests go upstream and their answers come back on the same stream, with
 * whatever the upstream sent on the way (progress, logging, sampling...);
 * notifications and replies to server-to-client requests go upstream as
 * they are; what the upstream sends outside any request goes to the
 * session's standalone stream (stored, resumable). The link's snapshot is
 * kept in the session's record, so any gateway process continues the same
 * upstream session; a rebuilt session answers its replayed handshake from it
 * without asking the upstream.
 */
import type { InitializeRequestParams, InitializeResult, JSONRPCMessage, JSONRPCNotification, JSONRPCRequest, JSONRPCResponse, LoggingLevel } from '@modelcontextprotocol/client';
import type { RequestId, Transport, TransportSendOptions } from '@modelcontextprotocol/server';
import { isRuntimeRequestId, type SessionBackend, type SessionBackendRequest, type SessionEnd } from '../../runtime/sessions/backend.js';
import { isResilientClientError } from '../../client/errors.js';
import type { UpstreamLink } from '../link.js';
import { UpstreamError } from '../upstream/errors.js';
import type { RecreatedInfo, UpstreamHooks, UpstreamMessage, UpstreamSnapshot } from '../upstream/types.js';
import type { GatewayRoute } from '../route.js';
import { fulfilInputs, isInputRequired } from './input-shim.js';
import { SnapshotWriter, storedSnapshot } from './snapshot-writer.js';

/** Where a session's snapshot is kept: the `upstream` key of its record's meta. */
export const SNAPSHOT_META_KEY = 'upstream';

export interface GatewayBackendDeps {
  route: GatewayRoute;
  /** Persists the snapshot into the session record's meta. */
  saveMeta(sessionId: string, patch: Record<string, unknown>): Promise<void>;
  onError(error: unknown, context: string): void;
  /** Something expected went wrong (a late message for a finished stream, a client's malformed request). */
  onDebug(error: unknown, context: string): void;
}

type Pending = { resolve: (response: JSONRPCResponse) => void; timer: NodeJS.Timeout };

export class GatewaySessionBackend implements SessionBackend {
  readonly #request: SessionBackendRequest;
  readonly #deps: GatewayBackendDeps;
  readonly #link: UpstreamLink;
  readonly #writer: SnapshotWriter;
  /** The snapshot the record held when this process rebuilt the session. */
  readonly #stored: UpstreamSnapshot | undefined;
  /** Input requests (see input-shim.ts) sent to the client and not answered yet. */
  readonly #asking = new Map<string, Pending>();
  #asked = 0;
  /**
   * The client's initialize params, stored in the record as plain JSON. The cast holds wherever they are used: the
   * SDK validates them when it serves the initialize, and a session whose initialize it refused is ended unserved.
   */
  readonly #clientParams: InitializeRequestParams;
  #transport: Transport | undefined;
  #closed = false;

  constructor(request: SessionBackendRequest, deps: GatewayBackendDeps) {
    this.#request = request;
    this.#deps = deps;
    const { record } = request;
    this.#stored = request.origin === 'rebuilt' ? storedSnapshot(record.meta[SNAPSHOT_META_KEY]) : undefined;
    this.#writer = new SnapshotWriter(
      (snapshot) => deps.saveMeta(request.sessionId, { [SNAPSHOT_META_KEY]: snapshot }),
      (error) => deps.onError(error, 'persist the upstream snapshot'),
      this.#stored,
    );
    const telemetry = deps.route.telemetry.hooks({ sessionId: request.sessionId, principal: request.principal });
    const hooks: UpstreamHooks = {
      onSnapshot: (snapshot) => this.#writer.offer(snapshot),
      onMessage: (message, related) => this.#toClient(message, related),
      onRecreated: (info) => {
        telemetry.onRecreated(info);
        this.#listsChanged(info);
      },
      onEvent: telemetry.onEvent,
    };
    this.#clientParams = record.initializeParams as unknown as InitializeRequestParams;
    const identity = {
      initialize: this.#clientParams,
      ...(record.logLevel !== null && { logLevel: record.logLevel as LoggingLevel }),
      subscriptions: record.subscriptions,
    };
    this.#link = deps.route.link(identity, this.#stored, hooks, { sessionId: request.sessionId, principal: request.principal });
  }

  async connect(transport: Transport): Promise<void> {
    this.#transport = transport;
    transport.onmessage = (message, extra) => {
      const authorization = extra?.request?.headers.get('authorization') ?? undefined;
      this.#deps.route.withClientAuthorization(authorization, () => this.#dispatch(message));
    };
    transport.onerror = (error) => this.#deps.onDebug(error, 'session transport');
    await transport.start();
  }

  async notify(method: string, params: Record<string, unknown> | undefined, relatedRequestId: RequestId | undefined): Promise<void> {
    await this.#send({ jsonrpc: '2.0', method, ...(params && { params }) }, relatedRequestId);
  }

  isSafeToRepeat(tool: string): boolean | undefined {
    const hints = this.#link.snapshot?.toolAnnotations[tool];
    return hints === undefined ? undefined : hints.readOnlyHint === true || hints.idempotentHint === true;
  }

  async close(end: SessionEnd): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const [id, pending] of this.#asking) this.#answered(id, pending, { jsonrpc: '2.0', id, error: { code: -32603, message: 'the session closed' } });
    // Only where the client's DELETE (or the expiry) ended it: the upstream session ends with the front one.
    const ends = (end.state === 'terminated' && end.by === 'client') || end.state === 'expired';
    await (ends ? this.#link.terminate() : this.#link.close());
    await this.#writer.flush();
  }

  #dispatch(message: JSONRPCMessage): void {
    if ('method' in message) {
      if ('id' in message) void this.#serve(message);
      else void this.#notifyUpstream(message);
      return;
    }
    const pending = this.#asking.get(String(message.id));
    if (pending) this.#answered(String(message.id), pending, message);
    else this.#link.reply(message).catch((error: unknown) => this.#deps.onError(error, `relay the client's reply ${String(message.id)}`));
  }

  async #serve(request: JSONRPCRequest): Promise<void> {
    let response: JSONRPCResponse;
    try {
      response = await this.#answer(request);
    } catch (error) {
      // A failure the upstream side did not type is a bug somewhere: the client gets "internal error", the log the detail.
      if (!isTypedFailure(error)) this.#deps.onError(error, `relay ${request.method}`);
      response = this.#deps.route.clientError(error, request.id);
    }
    // A new upstream session (a re-initialize) is stored before its first answer goes out: a gateway killed right
    // after that answer is continued on the same upstream session, not on the lost one (which would cost another
    // initialize and the upstream session's state). An ordinary call has no write in flight and does not wait.
    await this.#writer.flush();
    await this.#send(response, undefined);
  }

  async #answer(request: JSONRPCRequest): Promise<JSONRPCResponse> {
    if (request.method === 'initialize') return { jsonrpc: '2.0', id: request.id, result: await this.#initialize() };
    // The rest of a replayed handshake (log level, subscriptions): the upstream session holds them already, and a
    // new upstream session gets them from the record through the link.
    if (this.#request.origin === 'rebuilt' && isRuntimeRequestId(request.id)) return { jsonrpc: '2.0', id: request.id, result: {} };
    const options = { onRelated: (message: UpstreamMessage) => this.#toClient(message, request.id) };
    const first = await this.#link.request(request, options);
    if (!isInputRequired(first)) return first;
    return fulfilInputs(request, first, {
      maxRounds: this.#deps.route.inputRounds,
      capabilities: this.#clientParams.capabilities,
      ask: (method, params) => this.#ask(method, params, request.id),
      send: (again) => this.#link.request(again, options),
    });
  }

  /** The client's InitializeResult: the upstream's server, in the protocol version this session negotiated with us. */
  async #initialize(): Promise<InitializeResult> {
    const upstream = this.#stored ?? (await this.#initializeUpstream());
    const { capabilities, serverInfo, instructions } = upstream;
    return { protocolVersion: this.#request.record.protocolVersion, capabilities, serverInfo, ...(instructions !== undefined && { instructions }) };
  }

  async #initializeUpstream(): Promise<Pick<InitializeResult, 'capabilities' | 'serverInfo' | 'instructions'>> {
    const result = await this.#link.initialize();
    // Before the client learns the session exists: whichever instance its next request reaches continues this upstream session.
    await this.#writer.flush();
    return result;
  }

  async #notifyUpstream(message: JSONRPCNotification): Promise<void> {
    if (message.method === 'notifications/cancelled') {
      const requestId = (message.params as { requestId?: unknown } | undefined)?.requestId;
      const pending = this.#asking.get(String(requestId));
      if (pending) this.#answered(String(requestId), pending, { jsonrpc: '2.0', id: String(requestId), error: { code: -32800, message: 'cancelled' } });
    }
    try {
      await this.#link.notify(message);
    } catch (error) {
      this.#deps.onError(error, `relay ${message.method}`);
    }
  }

  #ask(method: string, params: unknown, relatedRequestId: RequestId): Promise<JSONRPCResponse> {
    const id = `durable-mcp-gateway-input-${++this.#asked}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const pending = this.#asking.get(id);
        if (pending) this.#answered(id, pending, { jsonrpc: '2.0', id, error: { code: -32001, message: `no answer within ${this.#deps.route.inputTimeoutMs} ms` } });
      }, this.#deps.route.inputTimeoutMs);
      this.#asking.set(id, { resolve, timer });
      void this.#send({ jsonrpc: '2.0', id, method, ...(params !== undefined && { params: params as Record<string, unknown> }) }, relatedRequestId);
    });
  }

  #answered(id: string, pending: Pending, response: JSONRPCResponse): void {
    this.#asking.delete(id);
    clearTimeout(pending.timer);
    pending.resolve(response);
  }

  /** An upstream message for the client: on the stream of the request it belongs to, else the standalone stream. */
  #toClient(message: UpstreamMessage, relatedRequestId: RequestId | undefined): void {
    void this.#send(message, relatedRequestId);
  }

  #listsChanged(info: RecreatedInfo): void {
    for (const kind of info.listsChanged) void this.#send({ jsonrpc: '2.0', method: `notifications/${kind}/list_changed` }, undefined);
  }

  async #send(message: JSONRPCMessage, relatedRequestId: RequestId | undefined): Promise<void> {
    const transport = this.#transport;
    if (!transport || this.#closed) return;
    const options: TransportSendOptions | undefined = relatedRequestId === undefined ? undefined : { relatedRequestId };
    try {
      await transport.send(message, options);
    } catch (error) {
      // A message for a request whose stream is already finished (a late notification) has nowhere to go.
      this.#deps.onDebug(error, 'send to the client');
    }
  }
}

function isTypedFailure(error: unknown): boolean {
  return error instanceof UpstreamError || isResilientClientError(error);
}

export function gatewayBackendFactory(routes: ReadonlyMap<string, GatewayRoute>, deps: Omit<GatewayBackendDeps, 'route'>) {
  return async (request: SessionBackendRequest): Promise<SessionBackend> => {
    const route = routes.get(request.route);
    // The runtime serves only the routes the engine declared; anything else is a bug.
    if (!route) throw new Error(`no gateway route '${request.route}'`);
    // Before a new session exists (and its id reaches the client): refused now, it is a 503 the client retries.
    if (request.origin === 'created') route.admit();
    return new GatewaySessionBackend(request, { ...deps, route });
  };
}
